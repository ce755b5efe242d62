"""Repository methods the WhatsApp channel uses, on SQLite and PostgreSQL: the shopper's last message
time (never moved back, cleared), customers by exact phone, outbox rows by provider id (and which ids
the outbox knows), delivery status."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.imports.orders import import_orders
from storage.repositories.outbox import NewOutboxRow
from storage.store import Store
from tests.builders import order_line

T0 = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


async def test_last_message_time_moves_forward_only_and_can_be_cleared(store: Store) -> None:
    async with store.transaction() as repos:
        await repos.identities.get_or_create(channel="whatsapp", external_id="15550123")
        assert await repos.identities.last_message_at(channel="whatsapp", external_id="15550123") is None
        await repos.identities.note_message(channel="whatsapp", external_id="15550123", at=T0)
        await repos.identities.note_message(
            channel="whatsapp", external_id="15550123", at=T0 - timedelta(hours=1)
        )
        # an identity never seen: nothing to note, nothing created
        await repos.identities.note_message(channel="whatsapp", external_id="15559999", at=T0)
    async with store.transaction() as repos:
        assert await repos.identities.last_message_at(channel="whatsapp", external_id="15550123") == T0
        assert await repos.identities.get(channel="whatsapp", external_id="15559999") is None
        await repos.identities.forget_last_message(channel="whatsapp", external_id="15550123")
    async with store.transaction() as repos:
        assert await repos.identities.last_message_at(channel="whatsapp", external_id="15550123") is None


async def test_customers_with_exactly_this_phone(store: Store) -> None:
    lines = [
        json.dumps(order_line("1001", email="ann@example.com", phone="+1 555 0123")),
        json.dumps(order_line("1002", email="bob@example.com", phone="555 0123")),  # no country code
    ]
    await import_orders(store, lines)
    async with store.transaction() as repos:
        found = await repos.customers.with_phone(phone="+15550123")
        assert [c.email for c in found] == ["ann@example.com"]
        assert await repos.customers.with_phone(phone="+15550124") == []
        assert await repos.customers.with_phone(phone="") == []


async def test_outbox_row_by_provider_id_and_its_delivery_status(store: Store) -> None:
    row = NewOutboxRow(
        dedupe_key="k1",
        kind="shipped",
        channel="whatsapp",
        recipient="15550123",
        payload={"text": "x"},
        scheduled_at=T0,
        created_at=T0,
    )
    async with store.transaction() as repos:
        await repos.outbox.enqueue_many([row])
        [claimed] = await repos.outbox.claim_due(now=T0, worker="w")
        await repos.outbox.mark_sent(message_id=int(claimed.id or 0), provider_message_id="wamid.1", at=T0)
    async with store.transaction() as repos:
        found = await repos.outbox.by_provider_message_id(channel="whatsapp", provider_message_id="wamid.1")
        assert found is not None and found.delivery_status is None
        assert (
            await repos.outbox.by_provider_message_id(channel="telegram", provider_message_id="wamid.1")
            is None
        )
        await repos.outbox.set_delivery_status(message_id=int(found.id or 0), delivery_status="delivered")
    async with store.transaction() as repos:
        again = await repos.outbox.by_provider_message_id(channel="whatsapp", provider_message_id="wamid.1")
        assert again is not None and again.delivery_status == "delivered"


async def test_which_provider_ids_the_outbox_knows(store: Store) -> None:
    rows = [
        NewOutboxRow(
            dedupe_key=f"k{n}",
            kind="shipped",
            channel=channel,
            recipient="15550123",
            payload={"text": "x"},
            scheduled_at=T0,
            created_at=T0,
        )
        for n, channel in enumerate(("whatsapp", "whatsapp", "telegram"))
    ]
    async with store.transaction() as repos:
        await repos.outbox.enqueue_many(rows)
        claimed = await repos.outbox.claim_due(now=T0, worker="w")
        for message, provider_id in zip(
            sorted(claimed, key=lambda m: m.id or 0), ("wamid.1", "wamid.2", "wamid.1"), strict=True
        ):
            await repos.outbox.mark_sent(
                message_id=int(message.id or 0), provider_message_id=provider_id, at=T0
            )
    async with store.transaction() as repos:
        known = repos.outbox.known_provider_ids
        reported = ["wamid.reply", "wamid.2", "wamid.1", "wamid.2"]
        assert await known(channel="whatsapp", provider_message_ids=reported) == {"wamid.1", "wamid.2"}
        assert await known(channel="telegram", provider_message_ids=reported) == {"wamid.1"}
        assert await known(channel="whatsapp", provider_message_ids=["wamid.reply"]) == set()
        assert await known(channel="whatsapp", provider_message_ids=[]) == set()
        many = [f"wamid.x{n}" for n in range(1200)] + ["wamid.2"]  # more than one query's worth
        assert await known(channel="whatsapp", provider_message_ids=many) == {"wamid.2"}
