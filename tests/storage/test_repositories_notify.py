"""Repository methods the notification pipeline adds (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from storage.repositories.outbox import NewDecision, NewOutboxRow, SentMessage
from storage.schemas import OrderIn
from storage.store import Store
from tests.builders import order_line

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def _row(key: str, order_id: int | None = None, **kw: object) -> NewOutboxRow:
    values: dict[str, object] = {
        "dedupe_key": key,
        "kind": "shipped",
        "channel": "telegram",
        "recipient": "42",
        "payload": {"text": key},
        "scheduled_at": NOW,
        "created_at": NOW,
        "order_id": order_id,
    }
    values.update(kw)
    return NewOutboxRow(**values)  # type: ignore[arg-type]


async def _order_id(store: Store, number: str = "1001", **line: object) -> int:
    async with store.transaction() as repos:
        await repos.orders.upsert_many([OrderIn.model_validate(order_line(number, **line))])
        order = await repos.orders.by_number(order_number=number)
    assert order is not None and order.id is not None
    return order.id


async def test_enqueue_many_writes_new_keys_and_reports_them(store: Store) -> None:
    order_id = await _order_id(store)
    async with store.transaction() as repos:
        first = await repos.outbox.enqueue_many(
            [_row("a", order_id), _row("b", order_id, status="cancelled")]
        )
    async with store.transaction() as repos:
        second = await repos.outbox.enqueue_many([_row("b", order_id), _row("c", order_id)])
        rows = await repos.outbox.for_orders(order_ids=[order_id])
    assert (first, second) == ({"a", "b"}, {"c"})
    assert [(r.dedupe_key, r.status, r.created_at) for r in rows] == [
        ("a", "pending", NOW),
        ("b", "cancelled", NOW),
        ("c", "pending", NOW),
    ]


async def test_cancel_only_touches_rows_in_the_given_statuses(store: Store) -> None:
    async with store.transaction() as repos:
        await repos.outbox.enqueue_many([_row("a"), _row("b")])
        [claimed] = await repos.outbox.claim_due(now=NOW, worker="w1", limit=1)
    async with store.transaction() as repos:
        pending_only = await repos.outbox.cancel(message_ids=[1, 2], reason="superseded")
        assert pending_only == [2] and claimed.id == 1
        claimed_too = await repos.outbox.cancel(message_ids=[1], reason="opted out", statuses=("sending",))
        assert claimed_too == [1]
        rows = await repos.outbox.by_status(status="cancelled")
    assert [(r.id, r.last_error) for r in rows] == [(1, "opted out"), (2, "superseded")]


async def test_release_returns_a_claim_without_counting_the_attempt(store: Store) -> None:
    async with store.transaction() as repos:
        await repos.outbox.enqueue_many([_row("a")])
        await repos.outbox.claim_due(now=NOW, worker="w1")
    later = NOW + timedelta(hours=3)
    async with store.transaction() as repos:
        await repos.outbox.release(message_id=1, at=later, note="quiet hours")
        row = await repos.outbox.get(message_id=1)
        assert await repos.outbox.claim_due(now=NOW + timedelta(hours=1), worker="w2") == []
    assert row is not None
    assert (row.status, row.attempts, row.scheduled_at, row.last_error, row.claimed_by) == (
        "pending",
        0,
        later,
        "quiet hours",
        None,
    )


async def test_mark_sent_many_settles_each_row(store: Store) -> None:
    async with store.transaction() as repos:
        await repos.outbox.enqueue_many([_row("a"), _row("b"), _row("c")])
        await repos.outbox.claim_due(now=NOW, worker="w1")
        await repos.outbox.mark_sent_many(
            [SentMessage(1, "m-1", NOW), SentMessage(3, None, NOW + timedelta(seconds=2))]
        )
        rows = [await repos.outbox.get(message_id=i) for i in (1, 2, 3)]
    assert [(r.status, r.provider_message_id, r.sent_at) for r in rows if r] == [
        ("sent", "m-1", NOW),
        ("sending", None, None),
        ("sent", None, NOW + timedelta(seconds=2)),
    ]


async def test_decisions_add_many_and_decided_keys(store: Store) -> None:
    first, second = await _order_id(store, "1001"), await _order_id(store, "1002")
    async with store.transaction() as repos:
        await repos.decisions.add_many(
            [
                NewDecision("shipped", "queued", "to telegram", NOW, first, "1001:shipped"),
                NewDecision("reviews", "suppressed", "opted out", NOW, second, "1002:review"),
                NewDecision("staff_alert", "failed", "no key", NOW, second, None),
            ]
        )
        keys = await repos.decisions.decided_keys(order_ids=[first, second])
        log = await repos.decisions.for_order(order_id=second)
    assert keys == {first: {"1001:shipped"}, second: {"1002:review"}}
    assert [(d.decision, d.reason, d.created_at) for d in log] == [
        ("suppressed", "opted out", NOW),
        ("failed", "no key", NOW),
    ]


async def test_identities_and_preferences_for_several_customers(store: Store) -> None:
    await _order_id(store, "1001", email="ann@example.com")
    await _order_id(store, "1002", email="bob@example.com")
    async with store.transaction() as repos:
        ann = await repos.customers.by_email(email="ann@example.com")
        bob = await repos.customers.by_email(email="bob@example.com")
        assert ann and bob and ann.id and bob.id
        tg = await repos.identities.get_or_create(channel="telegram", external_id="1")
        web = await repos.identities.get_or_create(channel="web", external_id="web:abcdefabcdefabcdef")
        unverified = await repos.identities.get_or_create(channel="telegram", external_id="2")
        assert tg.id and web.id and unverified.id
        await repos.identities.link(identity_id=web.id, customer_id=ann.id, at=NOW)
        await repos.identities.link(identity_id=tg.id, customer_id=ann.id, at=NOW)
        await repos.preferences.update(customer_id=bob.id, opted_out_categories=["reviews"])
    async with store.transaction() as repos:
        identities = await repos.identities.for_customers(customer_ids=[ann.id, bob.id])
        preferences = await repos.preferences.for_customers(customer_ids=[ann.id, bob.id])
    assert {cid: [i.external_id for i in found] for cid, found in identities.items()} == {
        ann.id: ["1", "web:abcdefabcdefabcdef"]
    }
    assert list(preferences) == [bob.id]
    assert preferences[bob.id].opted_out_categories == ["reviews"]


async def test_orders_with_overdue_shipments(store: Store) -> None:
    late = await _order_id(store, "1001", eta="2026-11-20", promised_by="2026-11-21")
    on_time = await _order_id(store, "1002", eta="2026-11-25", promised_by="2026-11-26")
    await _order_id(store, "1003", eta="2026-11-20", shipment_status="delivered")
    await _order_id(store, "1004", eta="2026-11-20", status="cancelled")
    unshipped = await _order_id(store, "1005", shipment_status=None, expected_ship_date="2026-11-19")
    stalled = await _order_id(store, "1006", eta=None, promised_by=None)
    async with store.transaction() as repos:
        due = await repos.orders.with_overdue_shipments(as_of=date(2026, 11, 22))
        with_stalled = await repos.orders.with_overdue_shipments(
            as_of=date(2026, 11, 22), stalled_before=datetime(2026, 11, 22, tzinfo=UTC)
        )
        paged = await repos.orders.with_overdue_shipments(as_of=date(2026, 11, 22), after_id=late, limit=1)
        many = await repos.orders.details_many(order_ids=[unshipped, late, late])
    assert due == [late, unshipped]
    # every parcel here shipped on 2026-11-21 09:00 without a scan since
    assert with_stalled == [late, on_time, unshipped, stalled]
    assert paged == [unshipped]
    assert [d.number for d in many] == ["1005", "1001"]


async def test_inbox_for_order_finds_events_by_number_or_tracking(store: Store) -> None:
    async with store.transaction() as repos:
        await repos.inbox.record(source="api", external_id="e1", order_number="1001")
        await repos.inbox.record(source="easypost", external_id="e2", tracking_number="1Z1", status="pending")
        await repos.inbox.record(source="api", external_id="e3", order_number="1002")
        await repos.inbox.remember_ref(namespace="shopify_order", external_id="77", order_number="1001")
        found = await repos.inbox.for_order(order_number="1001", tracking_numbers=["1Z1"])
    assert [(e.external_id, e.status) for e in found] == [("e1", "processed"), ("e2", "pending")]


async def test_cancel_each_gives_every_message_its_own_reason(store: Store) -> None:
    async with store.transaction() as repos:
        await repos.outbox.enqueue_many([_row("a"), _row("b"), _row("c")])
        await repos.outbox.claim_due(now=NOW, worker="w1", limit=1)
        done = await repos.outbox.cancel_each(reasons={1: "too late", 2: "superseded", 3: "opted out"})
        rows = [await repos.outbox.get(message_id=i) for i in (1, 2, 3)]
    assert done == [2, 3]
    assert [(r.status, r.last_error) for r in rows if r] == [
        ("sending", None),
        ("cancelled", "superseded"),
        ("cancelled", "opted out"),
    ]


async def test_inbox_record_many_reports_new_pairs_once(store: Store) -> None:
    from storage.repositories.inbox import NewInboxEntry

    async with store.transaction() as repos:
        await repos.inbox.record(source="api", external_id="e1")
        fresh = await repos.inbox.record_many(
            [
                NewInboxEntry("api", "e1"),
                NewInboxEntry("api", "e2", payload={"x": 1}, tracking_number="1Z"),
                NewInboxEntry("api", "e2"),
                NewInboxEntry("easypost", "e1", status="pending"),
            ]
        )
        found = await repos.inbox.for_order(order_number="-", tracking_numbers=["1Z"])
    assert fresh == {("api", "e2"), ("easypost", "e1")}
    assert [(e.external_id, e.payload) for e in found] == [("e2", {"x": 1})]


async def test_shipments_saved_and_tracking_events_added_in_bulk(store: Store) -> None:
    from storage.repositories.orders import NewTrackingEvent

    await _order_id(store, "1001", tracking_number="1Z1")
    await _order_id(store, "1002", tracking_number="1Z2")
    async with store.transaction() as repos:
        found = await repos.orders.shipments_by_tracking(tracking_numbers=["1Z1", "1Z2", "1Z3"])
        assert sorted(found) == ["1Z1", "1Z2"]
        first = found["1Z1"]
        first.status, first.last_location, first.delivered_at = "delivered", "Boston", NOW
        await repos.orders.save_shipments([first])
        await repos.orders.add_tracking_events(
            [NewTrackingEvent(int(first.id or 0), NOW, "delivered", None, "DLV", "Boston", "easypost", "e9")]
        )
    async with store.transaction() as repos:
        again = await repos.orders.shipments_by_tracking(tracking_numbers=["1Z1"])
        events = await repos.orders.tracking_events(shipment_ids=[int(first.id or 0)])
    saved = again["1Z1"]
    assert (saved.status, saved.last_location, saved.delivered_at) == ("delivered", "Boston", NOW)
    assert [(e.status, e.raw_status, e.event_id) for e in events] == [("delivered", "DLV", "e9")]


async def test_guard_lookups_for_several_orders_and_customers(store: Store) -> None:
    first, second = await _order_id(store, "1001"), await _order_id(store, "1002", email="bob@example.com")
    async with store.transaction() as repos:
        ann = await repos.customers.by_email(email="ann@example.com")
        bob = await repos.customers.by_email(email="bob@example.com")
        assert ann and bob and ann.id and bob.id
        await repos.cases.open(order_id=first, customer_id=ann.id, kind="damaged", description="dent")
        await repos.returns.create(order_id=second, customer_id=bob.id, skus=["KT-200"], reason=None)
        conversation = await repos.conversations.get_or_create(channel="telegram", external_id="1")
        handoff = await repos.handoffs.create(
            conversation_id=int(conversation.id or 0), reason="human", summary="", customer_id=ann.id
        )
        await repos.handoffs.create(
            conversation_id=int(conversation.id or 0), reason="again", summary="", customer_id=bob.id
        )
        await repos.handoffs.set_status(handoff_id=int(handoff.id or 0), status="resolved")
    async with store.transaction() as repos:
        cases = await repos.cases.open_for_orders(order_ids=[first, second])
        returns = await repos.returns.for_orders(order_ids=[first, second])
        open_customers = await repos.handoffs.open_customers(customer_ids=[ann.id, bob.id])
        contacts = await repos.handoffs.last_contacts(customer_ids=[ann.id, bob.id, 999])
    assert {k: [c.kind for c in v] for k, v in cases.items()} == {first: ["damaged"]}
    assert {k: [r.skus for r in v] for k, v in returns.items()} == {second: [["KT-200"]]}
    assert open_customers == {bob.id}
    assert sorted(contacts) == [ann.id, bob.id]
    assert all(at.tzinfo is not None for at in contacts.values())
