"""Proactive messages on WhatsApp inside Meta's rules: the real dispatcher and pywa against FakeWhatsApp
(which, like Meta, refuses free-form messages outside the 24-hour window), with Telegram to fall back to."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from telegram import Bot

from bot.channels.whatsapp.adapter import StatusReport
from bot.channels.whatsapp.client import build_client
from bot.channels.whatsapp.sender import WhatsAppSender
from bot.channels.whatsapp.statuses import apply_statuses
from bot.channels.whatsapp.templates import TemplateBook
from bot.clock import FakeClock
from storage.models import ChannelIdentity, OutboxMessage
from storage.store import Store
from tests.bot.notify.conftest import CHAT, T0, Shop, build_shop, notify_settings, order_created
from tests.fakes.fixtures import fake_telegram, telegram_bot
from tests.fakes.telegram import FakeTelegram
from tests.fakes.whatsapp import FakeWhatsApp

__all__ = ["fake_telegram", "telegram_bot"]

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

ANN = "15550123"
#: order_confirmed's approved template (FakeWhatsApp approves order_update in en_US and de)
TEMPLATES = {"order_confirmed": {"en": "order_update:en_US"}}
NO_TEMPLATE = "no template for order_confirmed (en) outside WhatsApp's 24-hour window"


@dataclass
class WaShop:
    """The notification stack with a WhatsApp sender (and Telegram) over fakes, on one fake clock."""

    shop: Shop
    fake: FakeWhatsApp
    telegram: FakeTelegram

    async def customer(self, *chats: tuple[str, str]) -> dict[str, int]:
        """Ann with these verified, subscribed identities; answers identity ids by channel."""
        _, ids = await self.shop.customer(chats=list(chats))
        return {channel: identity_id for (channel, _), identity_id in zip(chats, ids, strict=True)}

    async def shopper_writes(self, at: datetime | None = None) -> None:
        """Ann writes on WhatsApp (doorstep notes it, and Meta opens her window)."""
        when = at or self.shop.clock.now()
        async with self.shop.store.transaction() as repos:
            await repos.identities.note_message(channel="whatsapp", external_id=ANN, at=when)
        self.fake.last_inbound[ANN] = when

    async def message(self) -> OutboxMessage:
        [message] = await self.shop.messages()
        return message

    async def identity(self, channel: str, external_id: str) -> ChannelIdentity:
        async with self.shop.store.transaction() as repos:
            found = await repos.identities.get(channel=channel, external_id=external_id)
        assert found is not None
        return found

    async def decisions(self) -> list[tuple[str, str]]:
        return [(d.decision, d.reason) for d in await self.shop.decisions()]


@pytest.fixture
async def wa_shop_factory(
    sqlite_store: Store, telegram_bot: Bot, fake_telegram: FakeTelegram
) -> AsyncIterator[Any]:
    """``await wa_shop_factory(templates=...)``: the stack at :data:`T0`."""
    sessions = []
    fakes: list[FakeWhatsApp] = []

    async def make(templates: dict[str, dict[str, str]] | None = None) -> WaShop:
        clock = FakeClock(T0)
        fake = FakeWhatsApp(clock=clock.now)
        await fake.start()
        fakes.append(fake)
        settings = notify_settings(
            sqlite_store.url,
            whatsapp_token=fake.token,
            whatsapp_phone_number_id=fake.phone_number_id,
            whatsapp_app_secret=fake.app_secret,
            whatsapp_verify_token="v",
            whatsapp_api_base_url=fake.api_base_url,
            whatsapp_templates=TEMPLATES if templates is None else templates,
        )
        shop = build_shop(sqlite_store, settings, clock, telegram_bot)
        client, session = build_client(settings)
        sessions.append(session)
        shop.senders.register(
            WhatsAppSender(
                client,
                store=sqlite_store,
                clock=clock,
                templates=TemplateBook(settings.whatsapp_templates),
                fallback_link="https://shop.example.test/chat",
            )
        )
        return WaShop(shop, fake, fake_telegram)

    yield make
    for session in sessions:
        await session.aclose()
    for fake in fakes:
        await fake.stop()


async def test_inside_the_window_the_message_goes_as_text(wa_shop_factory: Any) -> None:
    wa: WaShop = await wa_shop_factory()
    await wa.customer(("whatsapp", ANN))
    await wa.shopper_writes()
    wa.shop.advance(hours=2)
    await wa.shop.ingest(order_created("e1", wa.shop.clock.now()))

    report = await wa.shop.dispatch()

    assert report.sent == 1
    [sent] = wa.fake.messages_to(ANN)
    message = await wa.message()
    assert sent.kind in ("text", "interactive.button", "interactive.list")
    assert sent.text.startswith(message.payload["text"])
    assert (message.status, message.channel, message.provider_message_id) == (
        "sent",
        "whatsapp",
        sent.message_id,
    )


async def test_outside_the_window_the_message_goes_as_the_mapped_template(wa_shop_factory: Any) -> None:
    wa: WaShop = await wa_shop_factory()
    await wa.customer(("whatsapp", ANN))
    await wa.shopper_writes()
    wa.shop.advance(hours=25)
    await wa.shop.ingest(order_created("e1", wa.shop.clock.now()))

    report = await wa.shop.dispatch()

    assert report.sent == 1
    [sent] = wa.fake.messages_to(ANN)
    assert sent.template == ("order_update", "en_US", ["1001", "confirmed", "https://shop.example.test/chat"])
    # never free-form outside the window: no text or interactive call was even tried
    assert [call.method for call in wa.fake.calls] == ["template"]
    assert (await wa.message()).provider_message_id == sent.message_id


async def test_never_written_counts_as_outside_the_window(wa_shop_factory: Any) -> None:
    wa: WaShop = await wa_shop_factory()
    await wa.customer(("whatsapp", ANN))
    await wa.shop.ingest(order_created("e1", T0))
    await wa.shop.dispatch()
    assert [m.kind for m in wa.fake.messages_to(ANN)] == ["template"]


async def test_without_a_template_it_falls_back_to_another_channel(wa_shop_factory: Any) -> None:
    wa: WaShop = await wa_shop_factory(templates={})
    await wa.customer(("whatsapp", ANN), ("telegram", CHAT))
    await wa.shopper_writes()
    wa.shop.advance(hours=25)
    await wa.shop.ingest(order_created("e1", wa.shop.clock.now()))

    await wa.shop.dispatch()

    message = await wa.message()
    assert (message.status, message.channel, message.recipient) == ("sent", "telegram", CHAT)
    assert wa.fake.calls == []
    assert len(wa.telegram.sent_messages(CHAT)) == 1
    assert ("rerouted", f"to telegram: whatsapp: {NO_TEMPLATE}") in await wa.decisions()
    # WhatsApp itself is fine: not marked unreachable
    assert not (await wa.identity("whatsapp", ANN)).unreachable


async def test_without_a_template_or_another_channel_it_waits_for_the_window(wa_shop_factory: Any) -> None:
    wa: WaShop = await wa_shop_factory(templates={})
    await wa.customer(("whatsapp", ANN))
    await wa.shopper_writes()
    wa.shop.advance(hours=25)
    await wa.shop.ingest(order_created("e1", wa.shop.clock.now()))

    first = await wa.shop.dispatch()
    message = await wa.message()
    assert (first.sent, first.held, message.status) == (0, 1, "pending")
    assert message.last_error == NO_TEMPLATE
    wa.shop.advance(hours=1, minutes=1)
    await wa.shop.dispatch()  # still outside: held again, logged once
    held = [reason for decision, reason in await wa.decisions() if decision == "held"]
    assert len(held) == 1 and held[0].endswith(NO_TEMPLATE)
    assert wa.fake.calls == []

    await wa.shopper_writes()  # the shopper writes: the window opens
    wa.shop.advance(hours=1, minutes=1)
    report = await wa.shop.dispatch()
    assert report.sent == 1
    assert [m.kind.split(".")[0] for m in wa.fake.messages_to(ANN)] in (["text"], ["interactive"])
    assert (await wa.message()).status == "sent"


async def test_131047_falls_back_to_the_template(wa_shop_factory: Any) -> None:
    wa: WaShop = await wa_shop_factory()
    await wa.customer(("whatsapp", ANN))
    await wa.shopper_writes()  # doorstep thinks the window is open...
    wa.fake.fail_next("*", code=131047)  # ...but Meta says it is not
    await wa.shop.ingest(order_created("e1", T0))

    report = await wa.shop.dispatch()

    assert report.sent == 1
    assert [(c.method.split(".")[0], c.status) for c in wa.fake.calls] in (
        [("text", 400), ("template", 200)],
        [("interactive", 400), ("template", 200)],
    )
    assert wa.fake.messages_to(ANN)[0].template is not None
    assert (await wa.identity("whatsapp", ANN)).last_message_at is None


async def test_blocked_number_is_unreachable_and_falls_back_to_telegram(wa_shop_factory: Any) -> None:
    wa: WaShop = await wa_shop_factory()
    ids = await wa.customer(("whatsapp", ANN), ("telegram", CHAT))
    await wa.shopper_writes()
    wa.fake.block(ANN)
    await wa.shop.ingest(order_created("e1", T0))

    report = await wa.shop.dispatch()

    assert (report.sent, report.rerouted) == (1, 1)
    message = await wa.message()
    assert (message.status, message.channel) == ("sent", "telegram")
    whatsapp = await wa.identity("whatsapp", ANN)
    assert whatsapp.unreachable and "131026" in (whatsapp.unreachable_reason or "")
    assert whatsapp.id == ids["whatsapp"]
    assert len(wa.telegram.sent_messages(CHAT)) == 1
    assert [c.status for c in wa.fake.calls] == [400]  # tried once, not retried


async def test_rate_errors_and_5xx_are_retried_with_backoff_and_sent_once(wa_shop_factory: Any) -> None:
    wa: WaShop = await wa_shop_factory()
    await wa.customer(("whatsapp", ANN))
    await wa.shopper_writes()
    wa.fake.fail_next("*", code=130429)
    await wa.shop.ingest(order_created("e1", T0))

    first = await wa.shop.dispatch()
    message = await wa.message()
    assert (first.sent, first.retried, message.status) == (0, 1, "pending")
    assert message.scheduled_at > T0
    assert "whatsapp 130429" in (message.last_error or "")

    wa.fake.fail_next("*", status=503)
    wa.shop.advance(minutes=5)
    second = await wa.shop.dispatch()
    assert (second.sent, second.retried) == (0, 1)

    wa.shop.advance(minutes=30)
    assert (await wa.shop.dispatch()).sent == 1
    assert [c.status for c in wa.fake.calls] == [400, 503, 200]
    assert len(wa.fake.messages_to(ANN)) == 1


async def test_failed_status_callback_falls_back_to_telegram(wa_shop_factory: Any) -> None:
    wa: WaShop = await wa_shop_factory()
    await wa.customer(("whatsapp", ANN), ("telegram", CHAT))
    await wa.shopper_writes()
    await wa.shop.ingest(order_created("e1", T0))
    await wa.shop.dispatch()
    message = await wa.message()
    assert (message.status, message.channel) == ("sent", "whatsapp")

    # later Meta reports the message undeliverable (131026)
    report = StatusReport(
        str(message.provider_message_id), "failed", ANN, ((131026, "Message undeliverable"),)
    )
    requeued = await apply_statuses(wa.shop.store, [report], wa.shop.clock.now())
    assert requeued == 1
    await wa.shop.dispatch()

    message = await wa.message()
    assert (message.status, message.channel, message.delivery_status) == ("sent", "telegram", "failed")
    assert (await wa.identity("whatsapp", ANN)).unreachable
    assert len(wa.telegram.sent_messages(CHAT)) == 1
    reasons = await wa.decisions()
    assert any(d == "retrying" and "undeliverable on whatsapp" in r for d, r in reasons)
    assert ("rerouted", "to telegram: whatsapp no longer takes it") in reasons


async def test_status_callbacks_only_move_forward(wa_shop_factory: Any) -> None:
    wa: WaShop = await wa_shop_factory()
    await wa.customer(("whatsapp", ANN))
    await wa.shopper_writes()
    await wa.shop.ingest(order_created("e1", T0))
    await wa.shop.dispatch()
    wamid = str((await wa.message()).provider_message_id)
    now = wa.shop.clock.now()

    await apply_statuses(wa.shop.store, [StatusReport(wamid, "delivered", ANN)], now)
    assert (await wa.message()).delivery_status == "delivered"
    await apply_statuses(wa.shop.store, [StatusReport(wamid, "read", ANN)], now)
    await apply_statuses(wa.shop.store, [StatusReport(wamid, "delivered", ANN)], now)  # late, reordered
    message = await wa.message()
    assert (message.status, message.delivery_status) == ("sent", "read")

    # a report for a message doorstep does not know (a conversational reply) changes nothing
    assert await apply_statuses(wa.shop.store, [StatusReport("wamid.unknown", "failed", ANN)], now) == 0


async def test_other_failures_fail_the_message_with_the_code(wa_shop_factory: Any) -> None:
    wa: WaShop = await wa_shop_factory()
    await wa.customer(("whatsapp", ANN))
    await wa.shopper_writes()
    await wa.shop.ingest(order_created("e1", T0))
    await wa.shop.dispatch()
    wamid = str((await wa.message()).provider_message_id)
    report = StatusReport(wamid, "failed", ANN, ((131053, "Media upload error"),))
    assert await apply_statuses(wa.shop.store, [report], wa.shop.clock.now() + timedelta(minutes=1)) == 0
    message = await wa.message()
    assert (message.status, message.last_error) == ("failed", "whatsapp 131053: Media upload error")
    assert ("failed", "whatsapp 131053: Media upload error") in await wa.decisions()
