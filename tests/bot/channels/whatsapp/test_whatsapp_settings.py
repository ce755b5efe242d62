"""WhatsApp settings: off without a token, complete when on, template mapping, limits, the wa.me link."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.channels.telegram.links_cli import cmd_link
from bot.channels.whatsapp.feature import send_limits
from bot.channels.whatsapp.templates import TemplateBook, TemplateRef
from bot.config import load_settings
from bot.errors import ConfigError
from bot.imports.orders import import_orders
from bot.links import customer_links, verify_link
from storage.migrate import upgrade
from storage.store import Store
from tests.builders import order_line


def test_off_without_a_token_and_default_limits() -> None:
    settings = load_settings()
    assert not settings.whatsapp_enabled
    limits = send_limits(settings)
    assert (limits.per_second, limits.per_recipient_per_second) == (80.0, 1.0)
    assert settings.whatsapp_phone_match_verifies is False


def test_a_token_needs_the_number_id_secret_and_verify_token() -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(whatsapp_token="EAAG-token", whatsapp_phone_number_id="106540352242922")
    assert str(error.value) == (
        "invalid configuration: DOORSTEP_WHATSAPP_APP_SECRET, DOORSTEP_WHATSAPP_VERIFY_TOKEN "
        "required when DOORSTEP_WHATSAPP_TOKEN is set"
    )


@pytest.mark.parametrize(
    "templates",
    [
        {"shipped": {"en": "Order Update:en_US"}},
        {"shipped": {"en": "order_update"}},
        {"shipped": {"en": ":en"}},
    ],
)
def test_a_badly_written_template_stops_start_up_naming_the_setting(templates: object) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(whatsapp_templates=templates)
    assert str(error.value).startswith("DOORSTEP_WHATSAPP_TEMPLATES is invalid: shipped.en must be")


def test_templates_from_the_environment_and_lookup_by_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "DOORSTEP_WHATSAPP_TEMPLATES",
        '{"shipped": {"en": "order_update:en_US", "pt-BR": "pedido:pt_BR", "*": "order_update:en_US"},'
        ' "delayed": {"de": "verspaetung:de"}}',
    )
    book = TemplateBook(load_settings().whatsapp_templates)
    assert book.find("shipped", "en") == TemplateRef("order_update", "en_US")
    assert book.find("shipped", "pt_BR") == TemplateRef("pedido", "pt_BR")
    assert book.find("shipped", "fr") == TemplateRef("order_update", "en_US")  # "*"
    assert book.find("delayed", "de-AT") == TemplateRef("verspaetung", "de")  # by language
    assert book.find("delayed", "en") is None
    assert book.find("delivered", "en") is None


def test_whatsapp_number_is_kept_as_digits_and_makes_the_wa_me_link() -> None:
    settings = load_settings(whatsapp_number="+1 (555) 010-0")
    assert settings.whatsapp_number == "15550100"
    with pytest.raises(ConfigError):
        load_settings(whatsapp_number="call us")
    now = datetime.now(UTC)
    links = customer_links(
        7,
        secret="s3cret",
        bot_username="shop_bot",
        public_url="http://127.0.0.1:8080",
        expires_at=now + timedelta(days=1),
        whatsapp_number=settings.whatsapp_number,
    )
    assert links.whatsapp is not None and links.whatsapp.startswith("https://wa.me/15550100?text=")
    token = links.whatsapp.split("?text=")[1]
    assert verify_link(token, "s3cret", now) == 7
    assert links.to_dict()["whatsapp"] == links.whatsapp
    # without a number there is no WhatsApp link, and the JSON is as before
    assert (
        "whatsapp"
        not in customer_links(
            7, secret="s3cret", bot_username="b", public_url="http://x", expires_at=now + timedelta(days=1)
        ).to_dict()
    )


def test_doorstep_link_prints_the_whatsapp_link(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}"

    async def seed() -> None:
        await upgrade(url)
        async with Store(url) as store:
            await import_orders(store, [json.dumps(order_line("1001"))])

    asyncio.run(seed())
    settings = load_settings(database_url=url, secret_key="s3cret", whatsapp_number="+1 555 0100")
    assert cmd_link(argparse.Namespace(order="1001"), settings) == 0
    lines = capsys.readouterr().out.splitlines()
    [whatsapp] = [line for line in lines if line.startswith("whatsapp: ")]
    link = whatsapp.removeprefix("whatsapp: ")
    assert link.startswith("https://wa.me/15550100?text=")
    assert verify_link(link.split("?text=")[1], "s3cret", datetime.now(UTC)) is not None
