"""Events for orders or parcels doorstep does not know yet are held, then applied when they arrive."""

from __future__ import annotations

from sqlalchemy import select

from handlers.journey.apply import OutcomeStatus
from storage.models import InboxEntry
from storage.store import Store
from tests.builders import order_line
from tests.handlers.journey.conftest import (
    TRACKING,
    apply,
    details,
    event,
    keys,
    new_order,
    release,
    scan,
    seed,
)


async def _inbox(store: Store) -> list[tuple[str, str]]:
    async with store.engine.connect() as conn:
        rows = await conn.execute(
            select(InboxEntry.external_id, InboxEntry.status)
            .where(InboxEntry.source.not_like("ref:%"))
            .order_by(InboxEntry.id)
        )
        return [(r[0], r[1]) for r in rows.all()]


async def test_a_scan_for_an_unknown_parcel_waits_for_its_shipment(store: Store) -> None:
    held = await apply(store, scan("u1", "out_for_delivery", at="2026-11-22T07:00:00Z", tracking="1ZLATE"))
    assert (held.status, held.held, held.reason, held.proposals, held.order_id) == (
        OutcomeStatus.HELD,
        True,
        "held: tracking number not known yet",
        [],
        None,
    )
    assert await _inbox(store) == [("u1", "pending")]

    await seed(store, order_line("1001", shipment_status=None))
    created = await apply(
        store,
        event(
            "s1",
            "shipment.created",
            at="2026-11-21T09:00:00Z",
            order_number="1001",
            tracking_number="1ZLATE",
            status="pre_transit",
            data={"carrier": "UPS"},
        ),
    )
    assert created.status == OutcomeStatus.APPLIED
    [released] = created.released
    assert (released.event_id, released.reason) == ("u1", "released: shipment updated")
    assert keys(released) == ["1001:out_for_delivery:1ZLATE:out_for_delivery"]
    # the caller sees every proposal once, the released ones included
    assert keys(created) == ["1001:shipped:1ZLATE:-", "1001:out_for_delivery:1ZLATE:out_for_delivery"]
    assert (await details(store)).shipments[0].status == "out_for_delivery"
    assert await _inbox(store) == [("u1", "processed"), ("s1", "processed")]


async def test_held_events_are_released_in_arrival_order_by_the_order_import(store: Store) -> None:
    await apply(store, scan("u1", "in_transit", at="2026-11-21T10:00:00Z"))
    await apply(store, scan("u2", "delivered", at="2026-11-22T15:00:00Z"))
    await apply(store, event("c1", "refund.created", order_number="1001", data={"refund_id": "rf-1"}))
    assert [s for _, s in await _inbox(store)] == ["pending", "pending", "pending"]

    await seed(store, order_line("1001", shipment_status="pre_transit"))
    outcomes = await release(store, "1001")
    assert [(o.event_id, o.status) for o in outcomes] == [
        ("u1", OutcomeStatus.APPLIED),
        ("u2", OutcomeStatus.APPLIED),
        ("c1", OutcomeStatus.APPLIED),
    ]
    assert keys(outcomes[0]) == [f"1001:shipped:{TRACKING}:-"]
    assert keys(outcomes[1])[0] == f"1001:delivered:{TRACKING}:delivered"
    assert keys(outcomes[2]) == ["1001:refund_issued:-:rf-1"]
    stored = await details(store)
    assert (stored.shipments[0].status, stored.order.refund_status) == ("delivered", "issued")
    assert [s for _, s in await _inbox(store)] == ["processed", "processed", "processed"]
    # nothing is left to release
    assert await release(store, "1001") == []


async def test_order_created_releases_what_waited_for_it(store: Store) -> None:
    held = await apply(store, event("x1", "order.cancelled", order_number="1001"))
    assert held.reason == "held: order 1001 not known yet"
    created = await apply(
        store, event("o1", "order.created", order_number="1001", data={"order": new_order()})
    )
    assert [r.event_id for r in created.released] == ["x1"]
    assert keys(created) == ["1001:order_confirmed:-:-", "1001:order_cancelled:-:-"]
    assert (await details(store)).order.status == "cancelled"


async def test_an_event_stays_held_while_it_still_cannot_be_placed(store: Store) -> None:
    await apply(
        store, scan("u1", "in_transit", at="2026-11-21T10:00:00Z", tracking="1ZOTHER", order_number="2002")
    )
    await seed(store, order_line("1001"))
    assert await release(store, "1001") == []
    assert await _inbox(store) == [("u1", "pending")]
    # a redelivery of a held event is a duplicate, not a second held copy
    again = await apply(store, scan("u1", "in_transit", at="2026-11-21T10:00:00Z", tracking="1ZOTHER"))
    assert again.status == OutcomeStatus.DUPLICATE
    assert await _inbox(store) == [("u1", "pending")]


async def test_shopify_events_naming_only_shopify_ids_wait_for_the_shopify_order(store: Store) -> None:
    fulfillment = await apply(
        store,
        event(
            "shopify:f1",
            "shipment.created",
            at="2026-11-21T09:00:00Z",
            source="shopify",
            tracking_number="1Z2345",
            status="pre_transit",
            data={"carrier": "UPS", "shopify_order_id": "450789469", "shopify_fulfillment_id": "255858046"},
        ),
    )
    scan_event = await apply(
        store,
        event(
            "shopify:fe1",
            "shipment.updated",
            source="shopify",
            status="in_transit",
            at="2026-11-22T09:00:00Z",
            data={"shopify_order_id": "450789469", "shopify_fulfillment_id": "255858046"},
        ),
    )
    refund = await apply(
        store, event("shopify:r1", "refund.created", source="shopify", data={"shopify_order_id": "450789469"})
    )
    assert [o.status for o in (fulfillment, scan_event, refund)] == [OutcomeStatus.HELD] * 3

    created = await apply(
        store,
        event(
            "shopify:o1",
            "order.created",
            source="shopify",
            order_number="1001",
            data={"order": new_order(), "shopify_order_id": "450789469"},
        ),
    )
    assert [r.event_id for r in created.released] == ["shopify:f1", "shopify:fe1", "shopify:r1"]
    stored = await details(store)
    assert [(s.tracking_number, s.status) for s in stored.shipments] == [("1Z2345", "in_transit")]
    assert stored.order.refund_status == "issued"
    assert "1001:refund_issued:-:shopify:r1" in keys(created)
