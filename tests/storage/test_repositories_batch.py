"""Batch repositories: reads from memory, writes collected, everything visible after ``sync``."""

from __future__ import annotations

from datetime import UTC, date, datetime

from storage.domain import NormalizedEvent
from storage.repositories.batch import BatchInboxRepository, BatchOrderRepository, batch_repositories
from storage.repositories.inbox import NewInboxEntry
from storage.schemas import OrderIn
from storage.store import Store
from tests.builders import order_line

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


async def _seed(store: Store) -> None:
    async with store.transaction() as repos:
        await repos.orders.upsert_many(
            [
                OrderIn.model_validate(order_line("1001", tracking_number="1Z1")),
                OrderIn.model_validate(order_line("1002", tracking_number="1Z2", email="bob@example.com")),
            ]
        )


async def test_batch_inbox_answers_from_the_bulk_insert(store: Store) -> None:
    async with store.transaction() as plain:
        await plain.inbox.record(source="api", external_id="old")
    async with store.transaction() as plain:
        repos = batch_repositories(plain)
        inbox = repos.inbox
        assert isinstance(inbox, BatchInboxRepository)
        await inbox.pre_record(
            [NewInboxEntry("api", "old"), NewInboxEntry("api", "new"), NewInboxEntry("api", "new")]
        )
        answers = [
            await inbox.record(source="api", external_id="new"),
            await inbox.record(source="api", external_id="new"),
            await inbox.record(source="api", external_id="old"),
            await inbox.record(source="api", external_id="other"),
            await inbox.record(source="api", external_id="other"),
        ]
    assert answers == [True, False, False, True, False]


async def test_batch_inbox_notes_outcomes_and_redeliveries_of_pre_recorded_entries(store: Store) -> None:
    """Notes on the batch's own entries are collected (on SQLite) and written before any other
    inbox statement reads them, or at ``sync``; other entries are written at once."""
    async with store.transaction() as plain:
        await plain.inbox.record(source="api", external_id="old", order_number="1001")
    async with store.transaction() as plain:
        repos = batch_repositories(plain)
        inbox = repos.inbox
        assert isinstance(inbox, BatchInboxRepository)
        await inbox.pre_record(
            [NewInboxEntry("api", "a", order_number="1001"), NewInboxEntry("api", "b", order_number="1001")]
        )
        await inbox.note_duplicate(source="api", external_id="old", at=NOW)  # not of the batch: at once
        await inbox.note_outcome(source="api", external_id="a", outcome="same status: in_transit")
        await inbox.note_duplicate(source="api", external_id="b", at=NOW)
        await inbox.note_duplicate(source="api", external_id="b", at=NOW)
        seen = {  # a read: the collected notes are written first
            e.external_id: (e.outcome, e.duplicates, e.last_duplicate_at)
            for e in await inbox.for_order(order_number="1001", tracking_numbers=[])
        }
        await inbox.note_outcome(source="api", external_id="b", outcome="duplicate")
        await inbox.sync()
    assert seen == {
        "old": (None, 1, NOW),
        "a": ("same status: in_transit", 0, None),
        "b": (None, 2, NOW),
    }
    async with store.transaction() as plain:
        after = {
            e.external_id: (e.outcome, e.duplicates)
            for e in await plain.inbox.for_order(order_number="1001", tracking_numbers=[])
        }
    assert after == {"old": (None, 1), "a": ("same status: in_transit", 0), "b": ("duplicate", 2)}


async def test_batch_orders_change_parcels_in_memory_and_write_them_on_sync(store: Store) -> None:
    await _seed(store)
    async with store.transaction() as plain:
        repos = batch_repositories(plain)
        orders = repos.orders
        assert isinstance(orders, BatchOrderRepository)
        await orders.prefetch(tracking_numbers=["1Z1"])
        shipment = await orders.current_shipment(tracking_number="1Z1")
        assert shipment is not None and shipment.id is not None
        await orders.update_shipment(
            shipment_id=shipment.id, status="out_for_delivery", location="Boston", eta=date(2026, 11, 23)
        )
        await orders.add_tracking_event(
            shipment_id=shipment.id,
            occurred_at=NOW,
            status="out_for_delivery",
            substatus=None,
            raw_status=None,
            location="Boston",
            source="api",
            event_id="e1",
        )
        details = await orders.current_details(order_id=shipment.order_id)
        assert details is not None
        assert [(s.status, s.last_location) for s in details.shipments] == [("out_for_delivery", "Boston")]
        # other repositories see the database: nothing written yet
        async with store.transaction() as other:
            untouched = await other.orders.current_shipment(tracking_number="1Z1")
            assert untouched is not None and untouched.status == "in_transit"
        # a parcel not prefetched is read and written directly
        second = await orders.current_shipment(tracking_number="1Z2")
        assert second is not None and second.id is not None
        await orders.update_shipment(shipment_id=second.id, status="delayed")
        many = await orders.details_many(order_ids=[shipment.order_id])
        assert many[0].shipments[0].status == "out_for_delivery"
        await orders.sync()
        events = await orders.tracking_events(shipment_ids=[shipment.id])
    async with store.transaction() as repos:
        first = await repos.orders.current_shipment(tracking_number="1Z1")
        other = await repos.orders.current_shipment(tracking_number="1Z2")
    assert first is not None and other is not None
    assert (first.status, first.last_location, first.eta) == (
        "out_for_delivery",
        "Boston",
        date(2026, 11, 23),
    )
    assert other.status == "delayed"
    assert [(e.status, e.event_id) for e in events] == [("out_for_delivery", "e1")]


async def test_an_order_not_loaded_ahead_is_read_when_asked_for_with_the_parcels_changes(store: Store) -> None:
    """``prefetch(with_order=...)`` loads only some orders; another is read on first ask, and its
    parcel there is the one changed in memory (not the row in the database, not yet written)."""
    await _seed(store)
    async with store.transaction() as plain:
        repos = batch_repositories(plain)
        orders = repos.orders
        assert isinstance(orders, BatchOrderRepository)
        await orders.prefetch(tracking_numbers=["1Z1", "1Z2"], with_order=lambda s: s.tracking_number == "1Z2")
        shipment = await orders.current_shipment(tracking_number="1Z1")
        assert shipment is not None and shipment.id is not None
        await orders.update_shipment(shipment_id=shipment.id, status="out_for_delivery", location="Boston")
        details = await orders.current_details(order_id=shipment.order_id)
        assert details is not None and details.number == "1001"
        assert [(s.status, s.last_location) for s in details.shipments] == [("out_for_delivery", "Boston")]
        await orders.update_shipment(shipment_id=shipment.id, status="delivered", delivered_at=NOW)
        again = await orders.current_details(order_id=shipment.order_id)
        assert again is not None and [s.status for s in again.shipments] == ["delivered"]
        async with store.transaction() as other:
            untouched = await other.orders.current_shipment(tracking_number="1Z1")
            assert untouched is not None and untouched.status == "in_transit"
        both = await orders.detail_rows(order_ids=[shipment.order_id, shipment.order_id + 1])
        assert [(d.number, [s.status for s in d.shipments]) for d in both] == [
            ("1001", ["delivered"]),
            ("1002", ["in_transit"]),
        ]
        assert await orders.current_details(order_id=999_999) is None
    async with store.transaction() as repos:
        written = await repos.orders.current_shipment(tracking_number="1Z1")
    assert written is not None and (written.status, written.delivered_at) == ("delivered", NOW)


async def test_other_writes_flush_the_batch_first(store: Store) -> None:
    await _seed(store)
    async with store.transaction() as plain:
        repos = batch_repositories(plain)
        orders = repos.orders
        assert isinstance(orders, BatchOrderRepository)
        await orders.prefetch(tracking_numbers=["1Z1"])
        shipment = await orders.current_shipment(tracking_number="1Z1")
        assert shipment is not None and shipment.id is not None
        await orders.update_shipment(shipment_id=shipment.id, status="delivered", delivered_at=NOW)
        await orders.set_status(order_id=shipment.order_id, status="closed")
        after = await orders.current_details(order_id=shipment.order_id)
    assert after is not None
    assert (after.order.status, after.shipments[0].status, after.shipments[0].delivered_at) == (
        "closed",
        "delivered",
        NOW,
    )


async def test_batch_inbox_record_event_answers_from_the_bulk_insert(store: Store) -> None:
    def event(event_id: str) -> NormalizedEvent:
        return NormalizedEvent.model_validate(
            {
                "event_id": event_id,
                "source": "api",
                "occurred_at": "2026-11-22T10:00:00Z",
                "type": "shipment.updated",
                "tracking_number": "1Z1",
            }
        )

    async with store.transaction() as plain:
        await plain.inbox.record_event(event=event("old"))
    async with store.transaction() as plain:
        inbox = batch_repositories(plain).inbox
        assert isinstance(inbox, BatchInboxRepository)
        await inbox.pre_record(
            [
                NewInboxEntry("api", "old"),
                NewInboxEntry(
                    "api", "new", payload_json=event("new").model_dump_json(), tracking_number="1Z1"
                ),
            ]
        )
        answers = [
            await inbox.record_event(event=event(name)) for name in ("new", "new", "old", "other", "other")
        ]
        stored = await inbox.for_order(order_number="-", tracking_numbers=["1Z1"])
    assert answers == [True, False, False, True, False]
    assert [(e.external_id, e.payload["event_id"] if e.payload else None) for e in stored] == [
        ("old", "old"),
        ("new", "new"),
        ("other", "other"),
    ]
