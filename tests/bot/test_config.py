"""Configuration: bad values stop start-up with one line naming the setting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.errors import ConfigError


@pytest.mark.parametrize("value", ["abc", "0", "70000"])
def test_invalid_port_stops_startup_with_one_line(value: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DOORSTEP_PORT": value,
        "DOORSTEP_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/x.db",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve"], capture_output=True, text=True, env=env, timeout=30
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("doorstep: DOORSTEP_PORT is invalid:")
    assert "between 1 and 65535" in lines[0]


def test_environment_and_toml_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    toml = tmp_path / "doorstep.toml"
    toml.write_text('port = 9090\napi_token = "from-file"\n')
    monkeypatch.setenv("DOORSTEP_CONFIG", str(toml))
    monkeypatch.setenv("DOORSTEP_API_TOKEN", "from-env")
    settings = load_settings()
    assert settings.port == 9090
    assert settings.api_token == "from-env"


def test_bad_database_url_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOORSTEP_DATABASE_URL", "mysql://x")
    with pytest.raises(ConfigError, match=r"^DOORSTEP_DATABASE_URL is invalid: must start with"):
        load_settings()


def test_webhook_mode_requires_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOORSTEP_TELEGRAM_TOKEN", "123:abc")
    monkeypatch.setenv("DOORSTEP_TELEGRAM_MODE", "webhook")
    with pytest.raises(ConfigError, match="DOORSTEP_TELEGRAM_WEBHOOK_SECRET is required"):
        load_settings()


def test_channels_are_off_without_tokens() -> None:
    settings = load_settings(telegram_token=None, slack_bot_token=None)
    assert not settings.telegram_enabled
    assert not settings.slack_enabled


def test_public_url_follows_port_and_host_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOORSTEP_PORT", "9123")
    assert load_settings().public_url == "http://127.0.0.1:9123"
    monkeypatch.setenv("DOORSTEP_HOST", "192.0.2.7")
    assert load_settings().public_url == "http://192.0.2.7:9123"
    monkeypatch.setenv("DOORSTEP_HOST", "0.0.0.0")  # every interface: reached on loopback from here
    assert load_settings().public_url == "http://127.0.0.1:9123"
    monkeypatch.setenv("DOORSTEP_HOST", "::1")
    assert load_settings().public_url == "http://[::1]:9123"


def test_public_url_set_explicitly_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOORSTEP_PORT", "9123")
    monkeypatch.setenv("DOORSTEP_PUBLIC_URL", "https://shop.example.test/chat")
    assert load_settings().public_url == "https://shop.example.test/chat"


def test_default_public_url_is_the_default_listen_address() -> None:
    assert load_settings(host="127.0.0.1", port=8080).public_url == "http://127.0.0.1:8080"


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("DOORSTEP_SUPPORT_HOURS", "weekdays 9-5", "is not like 'Mon-Fri 09:00-17:00'"),
        ("DOORSTEP_SUPPORT_HOURS", "Mon-Fri 17:00-09:00", "ends before it starts"),
        ("DOORSTEP_SUPPORT_HOURS", "Mon-Fry 09:00-17:00", "unknown day"),
        ("DOORSTEP_SHOP_TIMEZONE", "Mars/Olympus", "is not an IANA time zone"),
        ("DOORSTEP_SUPPORT_EMAIL", "support-at-shop", "is not an email address"),
        ("DOORSTEP_SUPPORT_PHONE", "call us", "is not a phone number"),
        ("DOORSTEP_DISCLOSURE_TEXT", "   ", "is empty"),
    ],
)
def test_support_settings_name_the_setting(
    name: str, value: str, reason: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=rf"^{name} is invalid: .*{reason}") as raised:
        load_settings()
    assert "\n" not in str(raised.value)


def test_support_settings_defaults_and_values(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = load_settings()
    assert defaults.support_hours == "Mon-Fri 09:00-17:00"
    assert defaults.shop_timezone == "UTC"
    assert defaults.support_email is None and defaults.support_phone is None
    assert "automated assistant" in defaults.disclosure_text
    monkeypatch.setenv("DOORSTEP_SUPPORT_HOURS", "mon-fri 08:00-20:00,  Sat 09:00-17:00")
    monkeypatch.setenv("DOORSTEP_SHOP_TIMEZONE", "America/New_York")
    monkeypatch.setenv("DOORSTEP_SUPPORT_PHONE", "+1 (555) 010-0100")
    settings = load_settings()
    assert settings.support_hours == "mon-fri 08:00-20:00, Sat 09:00-17:00"
    assert settings.shop_timezone == "America/New_York"
    assert settings.support_phone == "+1 (555) 010-0100"
