"""Repository behaviour on SQLite and PostgreSQL (the ``store`` fixture runs both)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from storage.errors import StaleWriteError
from storage.models import InboxEntry, Order, OrderItem, OutboxMessage, Shipment
from storage.schemas import OrderIn
from storage.store import Store
from tests.builders import order_line

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


async def _count(store: Store, model: type) -> int:
    async with store.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(model))).scalar_one())


async def test_upsert_by_order_number_is_idempotent(store: Store) -> None:
    line = OrderIn.model_validate(order_line("1001"))
    async with store.transaction() as repos:
        first = await repos.orders.upsert_many([line])
    async with store.transaction() as repos:
        second = await repos.orders.upsert_many([line])
    assert (first.created, first.updated) == (1, 0)
    assert (second.created, second.updated) == (0, 1)
    assert await _count(store, Order) == 1
    assert await _count(store, OrderItem) == 1
    assert await _count(store, Shipment) == 1


async def test_reimport_updates_fields_and_replaces_items(store: Store) -> None:
    async with store.transaction() as repos:
        await repos.orders.upsert_many([OrderIn.model_validate(order_line("1001"))])
    changed = order_line(
        "1001",
        shipment_status="delivered",
        items=[
            {"sku": "TS-01", "name": "Organic Cotton T-Shirt", "category": "apparel", "quantity": 2},
            {"sku": "MG-12", "name": "Stoneware Mug Set of 4", "category": "homeware", "quantity": 1},
        ],
    )
    async with store.transaction() as repos:
        await repos.orders.upsert_many([OrderIn.model_validate(changed)])
    async with store.transaction() as repos:
        details = await repos.orders.details_by_number(order_number="1001")
    assert details is not None
    assert [i.sku for i in details.items] == ["TS-01", "MG-12"]
    assert details.shipments[0].status == "delivered"
    assert details.shipments[0].delivered_at == datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
    assert details.customer.phone == "+15550100"


async def test_inbox_unique_key_rejects_second_copy(store: Store) -> None:
    async with store.transaction() as repos:
        assert await repos.inbox.record(source="shopify", external_id="wh-1") is True
    async with store.transaction() as repos:
        assert await repos.inbox.record(source="shopify", external_id="wh-1") is False
        assert await repos.inbox.record(source="easypost", external_id="wh-1") is True
    with pytest.raises(IntegrityError):
        async with store.transaction() as repos:
            repos.inbox._session.add(InboxEntry(source="shopify", external_id="wh-1", status="processed"))
    assert await _count(store, InboxEntry) == 2


async def test_outbox_dedupe_key_holds_under_20_concurrent_inserts(store: Store) -> None:
    async def insert_once() -> bool:
        async with store.transaction() as repos:
            return await repos.outbox.enqueue(
                dedupe_key="order:1001:shipped:1Z:in_transit",
                kind="shipped",
                channel="telegram",
                recipient="42",
                payload={"text": "Your order has shipped"},
                scheduled_at=NOW,
            )

    results = await asyncio.gather(*(insert_once() for _ in range(20)))
    assert results.count(True) == 1
    assert await _count(store, OutboxMessage) == 1


async def test_conversation_optimistic_concurrency_refuses_stale_write(store: Store) -> None:
    async with store.transaction() as repos:
        conv = await repos.conversations.get_or_create(channel="web", external_id="web:abc")
    version = conv.version
    async with store.transaction() as repos:
        new_version = await repos.conversations.save(
            conversation_id=conv.id,
            expected_version=version,
            state="awaiting_order",
            slots={"intent": "order_status"},
        )
    assert new_version == version + 1
    with pytest.raises(StaleWriteError):
        async with store.transaction() as repos:
            await repos.conversations.save(
                conversation_id=conv.id, expected_version=version, state="idle", slots={}
            )
    async with store.transaction() as repos:
        reloaded = await repos.conversations.get(channel="web", external_id="web:abc")
    assert reloaded is not None
    assert (reloaded.state, reloaded.slots, reloaded.version) == (
        "awaiting_order",
        {"intent": "order_status"},
        2,
    )


async def test_claim_due_takes_each_row_once_and_reclaims_expired_lease(store: Store) -> None:
    async with store.transaction() as repos:
        for i in range(3):
            await repos.outbox.enqueue(
                dedupe_key=f"k{i}",
                kind="shipped",
                channel="telegram",
                recipient="1",
                payload={},
                scheduled_at=NOW,
            )
        await repos.outbox.enqueue(
            dedupe_key="later",
            kind="shipped",
            channel="telegram",
            recipient="1",
            payload={},
            scheduled_at=NOW + timedelta(hours=1),
        )
    async with store.transaction() as repos:
        first = await repos.outbox.claim_due(now=NOW, worker="a", limit=2)
    async with store.transaction() as repos:
        second = await repos.outbox.claim_due(now=NOW, worker="b", limit=10)
    assert [r.dedupe_key for r in first] == ["k0", "k1"]
    assert [r.dedupe_key for r in second] == ["k2"]
    # worker "a" died: after the lease its rows are taken again, with the attempt counted
    async with store.transaction() as repos:
        again = await repos.outbox.claim_due(now=NOW + timedelta(minutes=5), worker="c", limit=10)
    assert sorted(r.dedupe_key for r in again) == ["k0", "k1", "k2"]
    assert {r.attempts for r in again} == {2}


async def test_verification_failures_are_counted_per_identity(store: Store) -> None:
    async with store.transaction() as repos:
        for minutes in (0, 10, 70):
            await repos.verification.record_failure(
                channel="web", external_id="web:x", at=NOW - timedelta(minutes=minutes)
            )
        await repos.verification.record_failure(channel="web", external_id="web:y", at=NOW)
    async with store.transaction() as repos:
        recent = await repos.verification.failures_since(
            channel="web", external_id="web:x", since=NOW - timedelta(hours=1)
        )
    assert recent == 2


async def test_verification_failures_are_counted_per_order_and_kept_on_success(store: Store) -> None:
    async with store.transaction() as repos:
        for minutes in (5, 30, 90):
            await repos.verification.record_failure(
                channel="web",
                external_id=f"web:{minutes}",
                order_key="1001",
                at=NOW - timedelta(minutes=minutes),
            )
        await repos.verification.record_failure(
            channel="telegram", external_id="7", order_key="1002", at=NOW, count=3
        )
    since = NOW - timedelta(hours=1)
    async with store.transaction() as repos:
        order_times = await repos.verification.order_failure_times(order_key="1001", since=since)
        identity_times = await repos.verification.identity_failure_times(
            channel="telegram", external_id="7", since=since
        )
    assert order_times == [NOW - timedelta(minutes=30), NOW - timedelta(minutes=5)]
    assert all(at.tzinfo is not None for at in order_times)
    assert identity_times == [NOW, NOW, NOW]
