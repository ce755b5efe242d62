"""The whole server: a shopper verifies on WhatsApp, a carrier event is pushed to her there, Meta's
delivery reports update the outbox row, and after STOP nothing more goes to WhatsApp."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.channels.whatsapp.feature import whatsapp_feature
from bot.channels.whatsapp.wording import ACCEPT_UPDATES_PAYLOAD, OFFER_TEXT
from bot.engine.feature import conversation_feature
from bot.integrations.routes import events_feature
from bot.links import sign_link
from bot.notify.feature import notify_feature
from storage.models import OutboxMessage
from tests.bot.channels.whatsapp.conftest import ANN, API_TOKEN, LINK_SECRET, ServerFactory, WhatsAppHarness

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
FEATURES = [conversation_feature, whatsapp_feature, events_feature, notify_feature]


async def eventually(check: Callable[[], object], what: str, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def _rows(wa: WhatsAppHarness) -> list[OutboxMessage]:
    async with wa.store.transaction() as repos:
        order = await repos.orders.by_number(order_number="1001")
        assert order is not None and order.id is not None
        return [m for m in await repos.outbox.for_order(order_id=order.id) if m.channel == "whatsapp"]


async def _event(wa: WhatsAppHarness, event_id: str, status: str) -> None:
    now = datetime.now(UTC)
    body = {
        "event_id": event_id,
        "source": "api",
        "occurred_at": now.isoformat(),
        "type": "shipment.updated",
        "order_number": "1001",
        "tracking_number": "1Z999AA10000001001",
        "status": status,
        "eta": (now + timedelta(days=4)).date().isoformat(),
    }
    response = await wa.client.post("/api/events", json=body, headers=AUTH)
    assert response.status in (200, 202), await response.text()


async def test_pushed_on_whatsapp_statuses_recorded_and_stop_honoured(whatsapp_server: ServerFactory) -> None:
    wa = await whatsapp_server(features=FEATURES, dispatcher_poll_seconds=0.05)
    customer_id = await wa.customer_id("ann@example.com")
    await wa.say(ANN, sign_link(customer_id, LINK_SECRET, datetime.now(UTC) + timedelta(days=1)))
    assert wa.texts(ANN)[-1] == OFFER_TEXT
    await wa.press(ANN, ACCEPT_UPDATES_PAYLOAD, "Yes, send updates")
    before = len(wa.fake.messages_to(ANN))

    # a delay (urgent: no quiet hours) is pushed to WhatsApp as free-form text: she wrote just now
    await _event(wa, "evt-delay", "delayed")
    await eventually(lambda: len(wa.fake.messages_to(ANN)) > before, "the delay message")
    pushed = wa.fake.messages_to(ANN)[-1]
    assert pushed.kind in ("text", "interactive.button", "interactive.list")
    assert "1001" in pushed.text or "delayed" in pushed.text.lower() or "late" in pushed.text.lower()

    rows: list[OutboxMessage] = []

    async def row_sent() -> bool:
        rows[:] = await _rows(wa)
        return bool(rows) and rows[-1].status == "sent"

    deadline = time.monotonic() + 10
    while not await row_sent():
        assert time.monotonic() < deadline, "the outbox row was never marked sent"
        await asyncio.sleep(0.05)
    assert rows[-1].provider_message_id == pushed.message_id

    # Meta reports delivered, then read (a late "delivered" after that changes nothing)
    for status in ("delivered", "read", "delivered"):
        code, _ = await wa.fake.deliver(wa.fake.status(pushed.message_id, status))
        assert code == 200
    [row] = await _rows(wa)
    assert (row.status, row.delivery_status) == ("sent", "read")

    # STOP: the next urgent update is not sent on WhatsApp
    await wa.say(ANN, "STOP")
    sent_before = len(wa.fake.messages_to(ANN))
    await _event(wa, "evt-exception", "exception")
    decisions: list[tuple[str, str, str]] = []

    async def exception_decided() -> bool:
        async with wa.store.transaction() as repos:
            order = await repos.orders.by_number(order_number="1001")
            assert order is not None and order.id is not None
            found = await repos.decisions.for_order(order_id=order.id)
        decisions[:] = [(d.kind, d.decision, d.reason) for d in found if d.kind == "exception"]
        return bool(decisions)

    deadline = time.monotonic() + 10
    while not await exception_decided():
        assert time.monotonic() < deadline, "no decision about the exception message"
        await asyncio.sleep(0.05)
    assert any("opted out" in reason for _, _, reason in decisions), decisions
    await asyncio.sleep(0.3)
    later = await _rows(wa)
    assert len(wa.fake.messages_to(ANN)) == sent_before
    assert all(m.status in ("sent", "cancelled", "suppressed") for m in later)
    assert not any(m.status == "pending" for m in later)
