"""apply_event for every event type, on SQLite and PostgreSQL (the ``store`` fixture runs both)."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from handlers.journey.apply import OutcomeStatus, apply_event, check_event
from handlers.journey.errors import InvalidEvent
from handlers.journey.proposals import MessageKind
from storage.models import Case, InboxEntry, Order, ReturnRequest, Shipment, TrackingEvent
from storage.store import Store
from tests.builders import order_line
from tests.handlers.journey.conftest import NOW, TRACKING, apply, details, event, keys, new_order, scan, seed


async def _count(store: Store, model: type, *where: object) -> int:
    async with store.engine.connect() as conn:
        query = select(func.count()).select_from(model)
        for condition in where:
            query = query.where(condition)  # type: ignore[arg-type]
        return int((await conn.execute(query)).scalar_one())


async def _tracking_events(store: Store) -> list[tuple[str, str | None]]:
    async with store.engine.connect() as conn:
        rows = await conn.execute(
            select(TrackingEvent.status, TrackingEvent.event_id).order_by(TrackingEvent.id)
        )
        return [(r[0], r[1]) for r in rows.all()]


# ---------------------------------------------------------------- orders
async def test_order_created_stores_the_order_and_proposes_a_confirmation(store: Store) -> None:
    outcome = await apply(
        store, event("e1", "order.created", order_number="1001", data={"order": new_order()})
    )
    assert outcome.status == OutcomeStatus.APPLIED
    assert (outcome.applied, outcome.held, outcome.reason) == (True, False, "order created")
    assert keys(outcome) == ["1001:order_confirmed:-:-"]
    stored = await details(store)
    assert outcome.order_id == stored.order.id
    [proposal] = outcome.proposals
    assert proposal.kind == MessageKind.ORDER_CONFIRMED
    assert proposal.customer_id == stored.customer.id
    assert proposal.context["order_number"] == "1001"
    assert proposal.context["customer_name"] == "Ann"
    assert proposal.context["items"] == [
        {
            "sku": "KT-200",
            "name": "Kettle Pro 200",
            "quantity": 1,
            "category": "kitchen-appliance",
            "requires_setup": True,
        }
    ]
    assert proposal.context["help_url"] == "https://help.doorstep-demo.shop/articles/track-your-order"
    assert proposal.context["support_url"] == "https://help.doorstep-demo.shop/articles/contact-support"


async def test_a_redelivered_event_is_a_duplicate_without_proposals(store: Store) -> None:
    created = event("e1", "order.created", order_number="1001", data={"order": new_order()})
    first = await apply(store, created)
    again = await apply(store, created)
    assert keys(first) == ["1001:order_confirmed:-:-"]
    assert (again.status, again.duplicate, again.reason, again.proposals) == (
        OutcomeStatus.DUPLICATE,
        True,
        "duplicate",
        [],
    )
    assert await _count(store, InboxEntry) == 1
    # the same id from another source is another event
    other = await apply(store, created.model_copy(update={"source": "shopify"}))
    assert other.status == OutcomeStatus.APPLIED
    assert await _count(store, InboxEntry) == 2


async def test_order_updated_keeps_what_the_update_would_lose_or_regress(store: Store) -> None:
    await seed(store, order_line("1001", shipment_status="delivered", refund_status="pending"))
    update = order_line("1001", shipment_status="in_transit", timezone="UTC", phone=None)
    update["items"].append({"sku": "MG-12", "name": "Stoneware Mug Set of 4", "category": "homeware"})
    outcome = await apply(
        store,
        event("e2", "order.updated", at="2026-11-21T12:00:00Z", order_number="1001", data={"order": update}),
    )
    assert outcome.status == OutcomeStatus.APPLIED
    assert outcome.reason == "order updated"
    assert keys(outcome) == []  # known order: no confirmation; parcel kept delivered: no message
    stored = await details(store)
    assert [i.sku for i in stored.items] == ["KT-200", "MG-12"]
    assert stored.shipments[0].status == "delivered"
    assert stored.order.refund_status == "pending"
    assert stored.customer.timezone == "America/New_York"
    assert stored.customer.phone == "+15550100"


async def test_order_updated_moving_a_parcel_on_proposes_its_message(store: Store) -> None:
    await seed(store, order_line("1001", shipment_status="in_transit"))
    update = order_line("1001", shipment_status="out_for_delivery")
    outcome = await apply(store, event("e2", "order.updated", order_number="1001", data={"order": update}))
    assert keys(outcome) == [f"1001:out_for_delivery:{TRACKING}:out_for_delivery"]
    assert (await details(store)).shipments[0].status == "out_for_delivery"
    assert await _tracking_events(store) == [("out_for_delivery", "e2")]


async def test_order_updated_never_deletes_a_parcel_it_does_not_list(store: Store) -> None:
    await seed(store, order_line("1001", shipment_status="in_transit"))
    await apply(store, event("e2", "order.updated", order_number="1001", data={"order": new_order()}))
    assert [s.tracking_number for s in (await details(store)).shipments] == [TRACKING]


async def test_order_cancelled_by_number_proposes_one_cancellation(store: Store) -> None:
    await seed(store, order_line("1001", shipment_status=None))
    first = await apply(store, event("e3", "order.cancelled", order_number="1001"))
    second = await apply(store, event("e4", "order.cancelled", order_number="1001"))
    assert keys(first) == ["1001:order_cancelled:-:-"]
    assert first.proposals[0].context["refund_status"] is None
    assert (second.status, keys(second)) == (OutcomeStatus.APPLIED, [])
    assert (await details(store)).order.status == "cancelled"


async def test_order_cancelled_with_the_order_creates_it_cancelled_without_messages(store: Store) -> None:
    order = new_order(status="cancelled")
    outcome = await apply(store, event("e3", "order.cancelled", order_number="1001", data={"order": order}))
    assert (outcome.status, keys(outcome)) == (OutcomeStatus.APPLIED, [])
    assert (await details(store)).order.status == "cancelled"


async def test_a_cancelled_order_stays_cancelled_when_a_stale_update_says_open(store: Store) -> None:
    await seed(store, order_line("1001", status="cancelled"))
    outcome = await apply(
        store, event("e5", "order.updated", order_number="1001", data={"order": new_order()})
    )
    assert keys(outcome) == []
    assert (await details(store)).order.status == "cancelled"


# ---------------------------------------------------------------- shipments
async def test_shipment_created_adds_the_parcel_and_proposes_shipped(store: Store) -> None:
    await seed(store, order_line("1001", shipment_status=None))
    outcome = await apply(
        store,
        event(
            "s1",
            "shipment.created",
            at="2026-11-21T09:00:00Z",
            order_number="1001",
            tracking_number="1ZNEW",
            status="in_transit",
            eta="2026-11-24",
            data={"carrier": "UPS", "tracking_url": "https://t.example/1ZNEW", "skus": ["KT-200"]},
        ),
    )
    assert (outcome.status, outcome.reason) == (OutcomeStatus.APPLIED, "shipment created")
    assert keys(outcome) == ["1001:shipped:1ZNEW:-"]
    context = outcome.proposals[0].context
    assert (context["carrier"], context["tracking_url"], context["eta"]) == (
        "UPS",
        "https://t.example/1ZNEW",
        "2026-11-24",
    )
    [shipment] = (await details(store)).shipments
    assert outcome.shipment_id == shipment.id
    assert (shipment.carrier, shipment.status, shipment.eta, shipment.skus) == (
        "UPS",
        "in_transit",
        date(2026, 11, 24),
        ["KT-200"],
    )
    assert shipment.shipped_at == datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    assert await _tracking_events(store) == [("in_transit", "s1")]


async def test_shipment_created_without_a_tracking_number_is_ignored(store: Store) -> None:
    await seed(store, order_line("1001", shipment_status=None))
    outcome = await apply(
        store, event("s1", "shipment.created", order_number="1001", data={"carrier": "UPS"})
    )
    assert (outcome.status, outcome.reason) == (OutcomeStatus.IGNORED, "ignored: no tracking number")
    assert await _count(store, Shipment) == 0


async def test_shipment_updated_moves_the_parcel_and_records_the_scan(store: Store) -> None:
    await seed(store, order_line("1001", shipment_status="in_transit"))
    outcome = await apply(
        store,
        scan(
            "u1", "out_for_delivery", at="2026-11-22T07:00:00Z", eta="2026-11-22", location="Boston, MA, US"
        ),
    )
    assert keys(outcome) == [f"1001:out_for_delivery:{TRACKING}:out_for_delivery"]
    assert outcome.proposals[0].context["location"] == "Boston, MA, US"
    [shipment] = (await details(store)).shipments
    assert (shipment.status, shipment.eta, shipment.last_location) == (
        "out_for_delivery",
        date(2026, 11, 22),
        "Boston, MA, US",
    )
    assert shipment.last_event_at == datetime(2026, 11, 22, 7, 0, tzinfo=UTC)
    assert await _tracking_events(store) == [("out_for_delivery", "u1")]


async def test_delivery_proposes_delivered_then_the_timed_setup_guide_and_review(store: Store) -> None:
    await seed(store, order_line("1001", shipment_status="out_for_delivery"))
    outcome = await apply(store, scan("u2", "delivered", at="2026-11-22T15:00:00Z"))
    delivered_at = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
    assert keys(outcome) == [
        f"1001:delivered:{TRACKING}:delivered",
        f"1001:setup_guide:{TRACKING}:delivered",
        "1001:review_request:-:-",
    ]
    delivered, setup, review = outcome.proposals
    assert delivered.not_before is None
    assert setup.not_before == delivered_at + timedelta(hours=2)
    assert setup.context["setup_items"] == [
        {
            "sku": "KT-200",
            "name": "Kettle Pro 200",
            "url": "https://help.doorstep-demo.shop/articles/kt-200-setup",
        }
    ]
    assert review.not_before == delivered_at + timedelta(days=14)
    assert (await details(store)).shipments[0].delivered_at == delivered_at


async def test_an_older_scan_never_regresses_a_newer_status(store: Store) -> None:
    await seed(store, order_line("1001", shipment_status="in_transit"))
    await apply(store, scan("u2", "delivered", at="2026-11-22T15:00:00Z"))
    late = await apply(
        store, scan("u1", "in_transit", at="2026-11-21T15:00:00Z", location="Hartford, CT, US")
    )
    glitch = await apply(store, scan("u3", "in_transit", at="2026-11-23T15:00:00Z"))
    assert (late.status, late.reason, keys(late)) == (
        OutcomeStatus.APPLIED,
        "older than the current state: kept delivered",
        [],
    )
    assert (glitch.reason, keys(glitch)) == ("in_transit may not follow delivered: kept", [])
    [shipment] = (await details(store)).shipments
    assert shipment.status == "delivered"
    assert shipment.last_location is None
    assert shipment.last_event_at == datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
    # every scan is kept in the history, applied or not
    assert await _tracking_events(store) == [("delivered", "u2"), ("in_transit", "u1"), ("in_transit", "u3")]


async def test_an_unknown_provider_status_is_stored_logged_and_opens_a_case(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    await seed(store, order_line("1001", shipment_status="in_transit"))
    with caplog.at_level(logging.WARNING, logger="handlers.journey.apply"):
        outcome = await apply(
            store,
            scan(
                "x1", "exception", at="2026-11-22T08:00:00Z", raw_status="held_by_aliens", source="easypost"
            ),
        )
    assert keys(outcome) == [f"1001:exception:{TRACKING}:exception"]
    [proposal] = outcome.proposals
    assert proposal.alert_staff is True
    assert proposal.context["raw_status"] == "held_by_aliens"
    [shipment] = (await details(store)).shipments
    assert (shipment.status, shipment.raw_status) == ("exception", "held_by_aliens")
    assert "unknown shipment status 'held_by_aliens'" in caplog.text
    async with store.engine.connect() as conn:
        cases = (await conn.execute(select(Case.kind, Case.status))).all()
    assert [tuple(c) for c in cases] == [("carrier_exception", "open")]
    # a second exception scan neither opens a second case nor proposes again
    again = await apply(
        store, scan("x2", "exception", at="2026-11-22T09:00:00Z", raw_status="held_by_aliens")
    )
    assert keys(again) == []
    assert await _count(store, Case) == 1


async def test_a_scan_for_a_known_order_but_new_parcel_adds_the_parcel(store: Store) -> None:
    await seed(store, order_line("1001", shipment_status=None))
    outcome = await apply(
        store,
        scan(
            "u1",
            "in_transit",
            at="2026-11-22T08:00:00Z",
            tracking="EZ4000000004",
            order_number="1001",
            data={"carrier": "USPS"},
        ),
    )
    assert keys(outcome) == ["1001:shipped:EZ4000000004:-"]
    assert [(s.tracking_number, s.carrier) for s in (await details(store)).shipments] == [
        ("EZ4000000004", "USPS")
    ]


# ---------------------------------------------------------------- refunds, returns, backorders
async def test_refund_created_marks_the_refund_issued(store: Store) -> None:
    await seed(store, order_line("1001"))
    outcome = await apply(
        store,
        event(
            "r1",
            "refund.created",
            order_number="1001",
            data={"amount": "89.00", "currency": "USD", "refund_id": "rf-9"},
        ),
    )
    assert keys(outcome) == ["1001:refund_issued:-:rf-9"]
    assert (outcome.proposals[0].context["amount"], outcome.proposals[0].context["currency"]) == (
        "89.00",
        "USD",
    )
    assert (await details(store)).order.refund_status == "issued"


async def test_return_created_records_the_return(store: Store) -> None:
    await seed(store, order_line("1001"))
    outcome = await apply(
        store,
        event(
            "rt1",
            "return.created",
            order_number="1001",
            data={"skus": ["KT-200"], "reason": "too loud", "return_id": "R7"},
        ),
    )
    assert keys(outcome) == ["1001:return_started:-:R7"]
    async with store.engine.connect() as conn:
        rows = (
            await conn.execute(select(ReturnRequest.skus, ReturnRequest.reason, ReturnRequest.status))
        ).all()
    assert [tuple(r) for r in rows] == [(["KT-200"], "too loud", "requested")]


async def test_item_backordered_proposes_once_per_new_date(store: Store) -> None:
    await seed(store, order_line("1001", shipment_status=None))
    first = await apply(
        store, event("b1", "item.backordered", order_number="1001", data={"until": "2026-12-08"})
    )
    same = await apply(
        store, event("b2", "item.backordered", order_number="1001", data={"until": "2026-12-08"})
    )
    later = await apply(store, event("b3", "item.backordered", order_number="1001", eta="2026-12-15"))
    assert keys(first) == ["1001:backordered:-:2026-12-08"]
    assert first.proposals[0].context["backordered_until"] == "2026-12-08"
    assert keys(same) == []
    assert keys(later) == ["1001:backordered:-:2026-12-15"]
    assert (await details(store)).order.backordered_until == date(2026, 12, 15)


# ---------------------------------------------------------------- Shopify ids
async def test_shopify_refund_naming_only_the_shopify_order_id_finds_the_order(store: Store) -> None:
    await apply(
        store,
        event(
            "shopify:w1",
            "order.created",
            source="shopify",
            order_number="1001",
            data={"order": new_order(), "shopify_order_id": "450789469"},
        ),
    )
    refund = await apply(
        store,
        event(
            "shopify:w2",
            "refund.created",
            source="shopify",
            data={"shopify_order_id": "450789469", "shopify_refund_id": "509562969"},
        ),
    )
    assert keys(refund) == ["1001:refund_issued:-:509562969"]
    # the reference row is invisible to order-keyed inbox queries
    async with store.transaction() as repos:
        assert await repos.inbox.pending_for(order_number="1001", tracking_numbers=[]) == []
        assert await repos.inbox.ref(namespace="shopify_order", external_id="450789469") == {
            "order_number": "1001",
            "tracking_number": None,
        }


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"type": "order.created", "order_number": "1001"}, "order.created: data.order is required"),
        (
            {"type": "order.updated", "data": {"order": {"order_number": "1001"}}},
            "data.order.placed_at: Field required",
        ),
        (
            {"type": "order.created", "order_number": "1002", "data": {"order": new_order("1001")}},
            "order_number differs from data.order.order_number",
        ),
        (
            {"type": "shipment.updated", "order_number": "1001", "status": "delivered"},
            "tracking_number is required",
        ),
        ({"type": "refund.created"}, "refund.created: needs order_number or tracking_number"),
        ({"type": "item.backordered", "order_number": "1001"}, "data.until (the new date) is required"),
        (
            {"type": "item.backordered", "order_number": "1001", "data": {"until": "soon"}},
            "data.until: expected a date",
        ),
    ],
)
async def test_an_invalid_event_is_refused_before_anything_is_written(
    store: Store, fields: dict[str, object], reason: str
) -> None:
    bad = event("bad-1", **fields)  # type: ignore[arg-type]
    with pytest.raises(InvalidEvent) as refused:
        check_event(bad)
    assert reason in refused.value.reason
    with pytest.raises(InvalidEvent):
        async with store.transaction() as repos:
            await apply_event(repos, bad, NOW)
    assert await _count(store, InboxEntry) == 0
    assert await _count(store, Order) == 0
