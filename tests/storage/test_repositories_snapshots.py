"""Bulk reads as light row copies, and the bulk writes of the event pipeline (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import UTC, date, datetime

from storage.domain import NormalizedEvent
from storage.repositories.inbox import NewInboxEntry
from storage.repositories.orders import OrderDetails
from storage.repositories.outbox import NewOutboxRow
from storage.repositories.snapshots import (
    CustomerRow,
    IdentityRow,
    ItemRow,
    MessageRow,
    OrderRow,
    PreferenceRow,
    ShipmentRow,
)
from storage.schemas import OrderIn
from storage.store import Store
from tests.builders import order_line

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def _values(obj: object, row_class: type) -> dict[str, object]:
    return {f.name: getattr(obj, f.name) for f in fields(row_class)}


def _same(rows: OrderDetails, orm: OrderDetails) -> None:
    assert isinstance(rows.order, OrderRow) and isinstance(rows.customer, CustomerRow)
    assert _values(rows.order, OrderRow) == _values(orm.order, OrderRow)
    assert _values(rows.customer, CustomerRow) == _values(orm.customer, CustomerRow)
    assert [_values(i, ItemRow) for i in rows.items] == [_values(i, ItemRow) for i in orm.items]
    assert [_values(s, ShipmentRow) for s in rows.shipments] == [
        _values(s, ShipmentRow) for s in orm.shipments
    ]


async def _import(store: Store, *lines: dict[str, object]) -> dict[str, int]:
    async with store.transaction() as repos:
        await repos.orders.upsert_many([OrderIn.model_validate(line) for line in lines])
        found = {
            str(line["order_number"]): await repos.orders.by_number(order_number=str(line["order_number"]))
            for line in lines
        }
    return {number: int(order.id) for number, order in found.items() if order and order.id}


async def test_detail_rows_equal_the_orm_details_field_by_field(store: Store) -> None:
    items = [
        {"sku": "ZZ-1", "name": "Zest Grater", "category": "kitchen", "quantity": 2, "requires_setup": True},
        {"sku": "AA-9", "name": "Apron", "category": "apparel", "quantity": 1, "requires_setup": False},
    ]
    ids = await _import(
        store,
        order_line("1001", items=items, shipment_status="delivered", expected_ship_date="2026-11-21"),
        order_line("1002", email="bob@example.com", shipment_status=None, phone=None),
        order_line("1003", email="cy@example.com", tracking_number="1ZC", backordered_until="2026-12-01"),
    )
    async with store.transaction() as repos:
        rows = await repos.orders.detail_rows(
            order_ids=[ids["1003"], 999_999, ids["1001"], ids["1002"], ids["1003"]]
        )
        orm = await repos.orders.details_many(order_ids=[ids["1003"], ids["1001"], ids["1002"]])
    assert [d.number for d in rows] == ["1003", "1001", "1002"]
    for fast, slow in zip(rows, orm, strict=True):
        _same(fast, slow)
    first = rows[1]
    assert [(i.sku, i.quantity, i.requires_setup) for i in first.items] == [
        ("ZZ-1", 2, True),
        ("AA-9", 1, False),
    ]
    parcel = first.shipments[0]
    assert parcel.skus == ["ZZ-1", "AA-9"] and parcel.status == "delivered"
    assert parcel.delivered_at == datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
    assert parcel.eta == date(2026, 11, 24)
    assert first.order.placed_at == datetime(2026, 11, 20, 14, 3, tzinfo=UTC)
    assert first.order.expected_ship_date == date(2026, 11, 21)
    assert rows[0].order.backordered_until == date(2026, 12, 1)
    assert rows[2].shipments == [] and rows[2].customer.phone is None
    async with store.transaction() as repos:
        assert await repos.orders.detail_rows(order_ids=[]) == []


async def test_order_ids_for_tracking(store: Store) -> None:
    ids = await _import(
        store,
        order_line("1001", tracking_number="1ZA"),
        order_line("1002", email="bob@example.com", tracking_number="1ZB"),
        order_line("1003", email="cy@example.com", tracking_number="1ZC"),
    )
    async with store.transaction() as repos:
        found = await repos.orders.order_ids_for_tracking(tracking_numbers=["1ZC", "nope", "1ZA", "1ZC"])
        none = await repos.orders.order_ids_for_tracking(tracking_numbers=[])
    assert found == sorted([ids["1001"], ids["1003"]])
    assert none == []


async def test_save_shipments_writes_light_rows_back(store: Store) -> None:
    ids = await _import(store, order_line("1001", tracking_number="1ZA"))
    async with store.transaction() as repos:
        [details] = await repos.orders.detail_rows(order_ids=[ids["1001"]])
        parcel = details.shipments[0]
        assert isinstance(parcel, ShipmentRow)
        parcel.status, parcel.last_location, parcel.eta = "delivered", "Porch", date(2026, 11, 23)
        parcel.delivered_at = parcel.last_event_at = NOW
        parcel.updated_at = NOW
        await repos.orders.save_shipments([parcel])
    async with store.transaction() as repos:
        stored = await repos.orders.current_shipment(tracking_number="1ZA")
    assert stored is not None
    assert (stored.status, stored.last_location, stored.eta, stored.delivered_at, stored.last_event_at) == (
        "delivered",
        "Porch",
        date(2026, 11, 23),
        NOW,
        NOW,
    )
    assert stored.updated_at == NOW and stored.shipped_at == datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


async def test_verified_identity_rows_and_preference_rows(store: Store) -> None:
    await _import(store, order_line("1001"), order_line("1002", email="bob@example.com"))
    async with store.transaction() as repos:
        ann = await repos.customers.by_email(email="ann@example.com")
        bob = await repos.customers.by_email(email="bob@example.com")
        assert ann and bob and ann.id and bob.id
        web = await repos.identities.get_or_create(channel="web", external_id="web:abc")
        tg = await repos.identities.get_or_create(channel="telegram", external_id="1")
        await repos.identities.get_or_create(channel="telegram", external_id="2")  # never verified
        assert web.id and tg.id
        await repos.identities.link(identity_id=tg.id, customer_id=ann.id, at=NOW)
        await repos.identities.link(identity_id=web.id, customer_id=ann.id, at=NOW)
        await repos.identities.set_opted_out(identity_id=tg.id, categories=["reviews"])
        await repos.preferences.update(
            customer_id=bob.id, opted_out_categories=["delays"], quiet_start="22:00"
        )
    async with store.transaction() as repos:
        rows = await repos.identities.verified_rows(customer_ids=[bob.id, ann.id, ann.id])
        orm = await repos.identities.for_customers(customer_ids=[ann.id, bob.id])
        prefs = await repos.preferences.rows_for_customers(customer_ids=[ann.id, bob.id])
        orm_prefs = await repos.preferences.for_customers(customer_ids=[ann.id, bob.id])
    assert list(rows) == [ann.id]
    assert [(i.channel, i.external_id, i.verified, i.verified_at) for i in rows[ann.id]] == [
        ("web", "web:abc", True, NOW),
        ("telegram", "1", True, NOW),
    ]
    assert all(isinstance(i, IdentityRow) for i in rows[ann.id])
    assert [_values(i, IdentityRow) for i in rows[ann.id]] == [_values(i, IdentityRow) for i in orm[ann.id]]
    assert rows[ann.id][1].opted_out_categories == ["reviews"]
    assert list(prefs) == [bob.id] and isinstance(prefs[bob.id], PreferenceRow)
    assert (prefs[bob.id].opted_out_categories, prefs[bob.id].quiet_start, prefs[bob.id].quiet_end) == (
        ["delays"],
        "22:00",
        "08:00",
    )
    assert _values(prefs[bob.id], PreferenceRow) == _values(orm_prefs[bob.id], PreferenceRow)
    async with store.transaction() as repos:
        assert await repos.identities.verified_rows(customer_ids=[]) == {}
        assert await repos.preferences.rows_for_customers(customer_ids=[]) == {}


def _message(key: str, order_id: int, payload: dict[str, object], **kw: object) -> NewOutboxRow:
    values: dict[str, object] = {
        "dedupe_key": key,
        "kind": "shipped",
        "channel": "telegram",
        "recipient": "42",
        "payload": payload,
        "scheduled_at": NOW,
        "created_at": NOW,
        "order_id": order_id,
        "customer_id": None,
    }
    values.update(kw)
    return NewOutboxRow(**values)  # type: ignore[arg-type]


async def test_message_rows_carry_the_payload_category_and_shipment(store: Store) -> None:
    ids = await _import(store, order_line("1001"), order_line("1002", email="bob@example.com"))
    first, second = ids["1001"], ids["1002"]
    later = datetime(2026, 11, 22, 11, 30, tzinfo=UTC)
    async with store.transaction() as repos:
        await repos.outbox.enqueue_many(
            [
                _message("a", first, {"text": "x", "category": "shipping_updates", "shipment_id": 7}),
                _message(
                    "b", second, {"category": 5, "shipment_id": "7"}, status="cancelled", last_error="gone"
                ),
                _message("c", first, {"text": "no fields"}, scheduled_at=later),
                _message("d", first, {"category": "delays", "shipment_id": True, "about": {"x": 1}}),
                _message("e", first, {"category": {"nested": 1}, "shipment_id": 7.5}),
            ]
        )
    async with store.transaction() as repos:
        rows = await repos.outbox.message_rows(order_ids=[first, second, first])
        orm = await repos.outbox.for_orders(order_ids=[first, second])
    assert all(isinstance(r, MessageRow) for r in rows)
    assert [(r.dedupe_key, r.order_id, r.category, r.shipment_id) for r in rows] == [
        ("a", first, "shipping_updates", 7),
        ("b", second, None, None),
        ("c", first, None, None),
        ("d", first, "delays", 1),
        ("e", first, None, None),
    ]
    for row, stored in zip(rows, orm, strict=True):
        assert (row.id, row.status, row.last_error, row.scheduled_at, row.created_at, row.customer_id) == (
            stored.id,
            stored.status,
            stored.last_error,
            stored.scheduled_at,
            stored.created_at,
            stored.customer_id,
        )
    assert rows[1].status == "cancelled" and rows[1].last_error == "gone"
    assert rows[2].scheduled_at == later
    async with store.transaction() as repos:
        assert await repos.outbox.message_rows(order_ids=[]) == []


async def test_inbox_record_many_stores_given_json_text_and_reports_new_pairs(store: Store) -> None:
    event = NormalizedEvent.model_validate(
        {
            "event_id": "e1",
            "source": "api",
            "occurred_at": "2026-11-22T10:00:00Z",
            "type": "shipment.updated",
            "tracking_number": "1ZA",
            "status": "delivered",
        }
    )
    async with store.transaction() as repos:
        first = await repos.inbox.record_event(event=event)
        again = await repos.inbox.record_event(event=event)
        new = await repos.inbox.record_many(
            [
                NewInboxEntry("api", "e1"),
                NewInboxEntry("api", "e2", payload_json=event.model_dump_json(), tracking_number="1ZA"),
                NewInboxEntry("api", "e2", payload={"other": True}),
                NewInboxEntry("api", "e3", payload={"n": 1}, status="pending", order_number="1001"),
            ]
        )
        found = await repos.inbox.for_order(order_number="1001", tracking_numbers=["1ZA"])
    assert (first, again) == (True, False)
    assert new == {("api", "e2"), ("api", "e3")}
    assert [(e.external_id, e.status, e.payload) for e in found] == [
        ("e1", "processed", json.loads(event.model_dump_json())),
        ("e2", "processed", event.model_dump(mode="json")),
        ("e3", "pending", {"n": 1}),
    ]


async def test_cancel_each_and_decided_keys_over_many_orders(store: Store) -> None:
    ids = await _import(store, *(order_line(str(1000 + n), email=f"c{n}@example.com") for n in range(3)))
    order_ids = sorted(ids.values())
    async with store.transaction() as repos:
        await repos.outbox.enqueue_many(
            [_message(f"k{n}", order_ids[n % 3], {"text": "x"}) for n in range(6)]
            + [_message("sent", order_ids[0], {"text": "x"}, status="sent")]
        )
        rows = await repos.outbox.message_rows(order_ids=order_ids)
    by_key = {r.dedupe_key: r.id for r in rows}
    async with store.transaction() as repos:
        done = await repos.outbox.cancel_each(
            reasons={by_key["k0"]: "first", by_key["k4"]: "x" * 600, by_key["sent"]: "too late"}
        )
        after = {
            r.dedupe_key: (r.status, r.last_error)
            for r in await repos.outbox.message_rows(order_ids=order_ids)
        }
    assert done == sorted([by_key["k0"], by_key["k4"]])
    assert after["k0"] == ("cancelled", "first")
    assert after["k4"] == ("cancelled", "x" * 500)
    assert after["sent"] == ("sent", None)
    assert after["k1"] == ("pending", None)
