"""Settings from ``DOORSTEP_*`` environment variables and an optional ``doorstep.toml``.

Environment variables win over the file. A wrong value stops start-up with one line that
names the setting and says how to fix it (see :func:`load_settings`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from bot.errors import ConfigError
from handlers.support import DEFAULT_DISCLOSURE, SupportHours, shop_zone

_HINTS: dict[str, str] = {
    "port": "a whole number between 1 and 65535, e.g. DOORSTEP_PORT=8080",
    "database_url": "e.g. sqlite+aiosqlite:///./doorstep.db or postgresql+asyncpg://user:pass@host/db",
    "telegram_mode": "either polling or webhook",
    "admin_password": "a password of at least 8 characters, e.g. DOORSTEP_ADMIN_PASSWORD=$(openssl rand -hex 16)",
    "kb_dir": "a directory of Markdown help articles",
    "quiet_hours_start": "a time of day like 21:00",
    "quiet_hours_end": "a time of day like 08:00",
    "support_hours": "days and hours like 'Mon-Fri 09:00-17:00, Sat 10:00-14:00' or '24/7'",
    "shop_timezone": "an IANA time zone like Europe/Berlin",
    "support_email": "an email address like support@example.com",
    "support_phone": "a phone number like +1 555 0100",
    "disclosure_text": "one or two sentences saying the shopper talks to an automated assistant",
    "holdout_percent": "a whole number from 0 to 100, e.g. DOORSTEP_HOLDOUT_PERCENT=10",
    "workers": "a whole number of server processes from 1 to 64 (more than 1 needs PostgreSQL)",
    "whatsapp_number": "the business number with country code, e.g. 15550100",
    "whatsapp_templates": 'a JSON object like {"shipped": {"en": "order_update:en_US"}}',
}
#: the disclosure is said at the top of a reply: a few sentences at most
MAX_DISCLOSURE_CHARS = 500
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[\d\s().-]{6,30}$")
#: WhatsApp template names: lower case letters, digits and underscores
_TEMPLATE_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
#: hosts that mean "every interface": the server is reached on loopback from this machine
_WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::"})


def local_url(host: str, port: int) -> str:
    """``http://HOST:PORT`` of the server itself (a wildcard host is reached on 127.0.0.1)."""
    if host in _WILDCARD_HOSTS:
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 literal
    return f"http://{host}:{port}"


class Settings(BaseSettings):
    """Everything doorstep can be configured with (names as in DESIGN.md, prefixed DOORSTEP_)."""

    model_config = SettingsConfigDict(env_prefix="DOORSTEP_", extra="ignore", validate_default=True)

    database_url: str = "sqlite+aiosqlite:///./doorstep.db"
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    api_token: str | None = None
    #: the operator console's password (/admin); the API token logs in too; neither set: console off
    admin_password: str | None = Field(default=None, min_length=8)
    kb_dir: Path | None = None
    #: secret used to sign deep-link tokens; set it in production
    secret_key: str = "dev-insecure-secret-change-me"
    #: how long signed chat links (`doorstep link`, GET /api/orders/{number}/links) stay valid
    link_ttl_days: float = Field(default=30.0, gt=0, le=3650)
    #: base of web chat links and of the Telegram webhook URL; unset, it follows HOST and PORT
    public_url: str = ""
    log_level: str = "INFO"
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    run_migrations: bool = True
    #: server processes of `doorstep serve` on one port (more than 1 needs PostgreSQL)
    workers: int = Field(default=1, ge=1, le=64)

    telegram_token: str | None = None
    telegram_mode: Literal["polling", "webhook"] = "polling"
    telegram_webhook_secret: str | None = None
    telegram_api_base_url: str = "https://api.telegram.org"
    telegram_bot_username: str = "doorstep_demo_bot"

    #: WhatsApp Cloud API (the channel is off while the token is unset)
    whatsapp_token: str | None = None
    whatsapp_phone_number_id: str | None = None
    whatsapp_app_secret: str | None = None
    whatsapp_verify_token: str | None = None
    whatsapp_api_base_url: str = "https://graph.facebook.com"
    #: the business number shoppers write to, with country code (the wa.me links of `doorstep link`)
    whatsapp_number: str | None = None
    #: messages per second from the number (its throughput), and to one shopper (for all processes)
    whatsapp_send_rate: float = Field(default=80.0, gt=0)
    whatsapp_send_rate_per_recipient: float = Field(default=1.0, gt=0)
    #: approved utility templates for messages outside the 24-hour window: kind -> locale -> "name:language"
    whatsapp_templates: dict[str, dict[str, str]] = Field(default_factory=dict)
    #: a WhatsApp number equal (E.164) to exactly one customer's phone verifies the chat as that customer
    whatsapp_phone_match_verifies: bool = False

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_api_base_url: str = "https://slack.com/api/"
    slack_support_channel: str = "#support"
    slack_team_id: str | None = None

    shopify_webhook_secret: str | None = None
    easypost_webhook_secret: str | None = None
    aftership_webhook_secret: str | None = None

    chat_rate_limit_per_minute: int = Field(default=30, ge=1)
    max_touches_per_order: int = Field(default=6, ge=1)
    #: share of customers (by a stable hash) held out of non-urgent shipping messages, to measure them
    holdout_percent: int = Field(default=0, ge=0, le=100)
    quiet_hours_start: str = "21:00"
    quiet_hours_end: str = "08:00"
    setup_guide_delay_hours: float = Field(default=2.0, ge=0)
    review_request_days: float = Field(default=14.0, ge=0)
    dispatcher_enabled: bool = True
    scheduler_interval_seconds: float = Field(default=30.0, gt=0)
    #: the dispatcher looks for due messages at least this often (seconds), and at once when woken
    dispatcher_poll_seconds: float = Field(default=1.0, gt=0)
    #: messages a dispatcher claims and keeps in flight at once
    dispatcher_batch_size: int = Field(default=64, ge=1, le=1000)
    #: a message claimed by a dispatcher that died is taken again after this many seconds
    dispatcher_lease_seconds: float = Field(default=60.0, ge=5)
    #: transient failures (429, 5xx, timeouts) before a message is marked failed
    dispatcher_max_attempts: int = Field(default=8, ge=1)
    #: Telegram sends per second over all chats, and per chat (for all processes together)
    telegram_send_rate: float = Field(default=30.0, gt=0)
    telegram_send_rate_per_chat: float = Field(default=1.0, gt=0)
    #: when people answer handoffs, in the shop's time zone
    support_hours: str = "Mon-Fri 09:00-17:00"
    shop_timezone: str = "UTC"
    #: other ways to reach a person, told to shoppers when nobody can reply in the chat
    support_email: str | None = None
    support_phone: str | None = None
    #: the first reply of every conversation starts with it (EU AI Act art. 50)
    disclosure_text: str = DEFAULT_DISCLOSURE

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("quiet_hours_start", "quiet_hours_end")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        hours, _, minutes = value.partition(":")
        if not (hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60):
            raise ValueError("must be HH:MM")
        return f"{int(hours):02d}:{int(minutes):02d}"

    @field_validator("support_hours")
    @classmethod
    def _support_hours(cls, value: str) -> str:
        return SupportHours.parse(value).text

    @field_validator("shop_timezone")
    @classmethod
    def _time_zone(cls, value: str) -> str:
        shop_zone(value.strip())
        return value.strip()

    @field_validator("support_email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not _EMAIL.match(value.strip()):
            raise ValueError("is not an email address")
        return value.strip()

    @field_validator("support_phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not _PHONE.match(value.strip()) or sum(ch.isdigit() for ch in value) < 6:
            raise ValueError("is not a phone number")
        return value.strip()

    @field_validator("disclosure_text")
    @classmethod
    def _disclosure(cls, value: str) -> str:
        text = " ".join(value.split())
        if not text:
            raise ValueError("is empty; shoppers must be told they talk to an automated assistant")
        if len(text) > MAX_DISCLOSURE_CHARS:
            raise ValueError(f"is too long (at most {MAX_DISCLOSURE_CHARS} characters)")
        return text

    @field_validator("whatsapp_number")
    @classmethod
    def _whatsapp_number(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        digits = re.sub(r"[\s().+-]", "", value)
        if not digits.isdigit() or not 6 <= len(digits) <= 15:
            raise ValueError("is not a phone number with country code")
        return digits

    @field_validator("whatsapp_templates")
    @classmethod
    def _whatsapp_templates(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for kind, by_locale in value.items():
            for locale, spec in by_locale.items():
                name, _, language = spec.partition(":")
                if not _TEMPLATE_NAME.match(name.strip()) or not language.strip():
                    raise ValueError(f"{kind}.{locale} must be 'template_name:language', got {spec!r}")
        return value

    @field_validator("kb_dir")
    @classmethod
    def _existing_dir(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_dir():
            raise ValueError(f"{value} is not a directory")
        return value

    @model_validator(mode="after")
    def _public_url_follows_host_and_port(self) -> Settings:
        if not self.public_url:
            self.public_url = local_url(self.host, self.port)
        return self

    @model_validator(mode="after")
    def _whatsapp_complete(self) -> Settings:
        if self.whatsapp_token:
            missing = [
                f"DOORSTEP_{name.upper()}"
                for name in ("whatsapp_phone_number_id", "whatsapp_app_secret", "whatsapp_verify_token")
                if not getattr(self, name)
            ]
            if missing:
                raise ValueError(f"{', '.join(missing)} required when DOORSTEP_WHATSAPP_TOKEN is set")
        return self

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.telegram_token and self.telegram_mode == "webhook" and not self.telegram_webhook_secret:
            raise ValueError(
                "DOORSTEP_TELEGRAM_WEBHOOK_SECRET is required when DOORSTEP_TELEGRAM_MODE=webhook"
            )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = Path(os.environ.get("DOORSTEP_CONFIG", "doorstep.toml"))
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_path.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_path))
        return tuple(sources)

    @property
    def telegram_enabled(self) -> bool:
        """Telegram runs only when its token is set."""
        return bool(self.telegram_token)

    @property
    def whatsapp_enabled(self) -> bool:
        """WhatsApp runs only when its token is set."""
        return bool(self.whatsapp_token)

    @property
    def console_enabled(self) -> bool:
        """The operator console accepts a login only when an admin password or the API token is set."""
        return bool(self.admin_password or self.api_token)

    @property
    def slack_enabled(self) -> bool:
        """Slack runs only when its token and signing secret are set."""
        return bool(self.slack_bot_token and self.slack_signing_secret)


def load_settings(**overrides: object) -> Settings:
    """Read the settings, or raise :class:`ConfigError` with one line naming the bad setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else ""
        message = str(error["msg"]).removeprefix("Value error, ")
        if not field:
            raise ConfigError(f"invalid configuration: {message}") from None
        hint = _HINTS.get(field)
        fix = f"; set it to {hint}" if hint else ""
        raise ConfigError(f"DOORSTEP_{field.upper()} is invalid: {message}{fix}") from None
    except Exception as exc:  # a broken doorstep.toml
        raise ConfigError(f"cannot read configuration: {type(exc).__name__}: {exc}".splitlines()[0]) from None
