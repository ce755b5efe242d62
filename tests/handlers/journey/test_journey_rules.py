"""Every journey rule, on orders held in memory (the rules never touch the database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from handlers.journey.config import JourneyConfig
from handlers.journey.proposals import MessageKind, dedupe_key
from handlers.journey.rules import (
    order_proposals,
    overdue_proposals,
    refund_proposals,
    return_proposals,
    shipment_proposals,
)
from handlers.journey.state import OrderState, ShipmentState
from storage.domain import OrderStatus, ShipmentStatus
from tests.handlers.journey.conftest import event, memory_order

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
CONFIG = JourneyConfig()
OPEN = OrderState(status=OrderStatus.OPEN)


def _parcel(status: str = "in_transit", **fields: object) -> tuple:
    details = memory_order(shipments=[{"status": status, **fields}])
    return details, ShipmentState.of(details.shipments[0])


def _kinds(proposals: list) -> list[str]:
    return [p.kind.value for p in proposals]


def test_dedupe_key_format() -> None:
    assert dedupe_key("1001", MessageKind.SHIPPED, "1Z9", None) == "1001:shipped:1Z9:-"
    assert dedupe_key("1001", MessageKind.ORDER_CONFIRMED) == "1001:order_confirmed:-:-"
    assert dedupe_key("1001", MessageKind.DELAYED, "1Z9", "delayed") == "1001:delayed:1Z9:delayed"
    assert len(dedupe_key("1" * 64, MessageKind.REFUND_ISSUED, "T" * 100, "x" * 400)) == 300


# ---------------------------------------------------------------- order level
def test_a_new_open_order_is_confirmed_once() -> None:
    details = memory_order()
    [confirmed] = order_proposals(details, None, OPEN, CONFIG)
    assert (confirmed.kind, confirmed.dedupe_key, confirmed.order_id, confirmed.customer_id) == (
        MessageKind.ORDER_CONFIRMED,
        "1001:order_confirmed:-:-",
        3,
        7,
    )
    assert confirmed.alert_staff is False and confirmed.not_before is None
    assert order_proposals(details, OPEN, OPEN, CONFIG) == []  # known before: nothing to confirm


def test_no_confirmation_for_an_order_that_arrives_delivered_or_cancelled() -> None:
    delivered, _ = _parcel("delivered")
    assert order_proposals(delivered, None, OPEN, CONFIG) == []
    assert (
        order_proposals(memory_order(status="cancelled"), None, OrderState(OrderStatus.CANCELLED), CONFIG)
        == []
    )


def test_cancellation_is_announced_on_the_change_only() -> None:
    details = memory_order(status="cancelled")
    cancelled = OrderState(OrderStatus.CANCELLED, refund_status="issued")
    [message] = order_proposals(details, OPEN, cancelled, CONFIG)
    assert (message.kind, message.dedupe_key) == (MessageKind.ORDER_CANCELLED, "1001:order_cancelled:-:-")
    assert message.context["refund_status"] == "issued"
    assert order_proposals(details, cancelled, cancelled, CONFIG) == []


def test_backorder_is_announced_per_new_date_with_the_items_named() -> None:
    details = memory_order(
        items=[
            {"sku": "KT-200", "name": "Kettle Pro 200", "category": "kitchen-appliance"},
            {"sku": "MG-12", "name": "Stoneware Mug Set of 4", "category": "homeware"},
        ]
    )
    until = date(2026, 12, 8)
    late = OrderState(OrderStatus.OPEN, backordered_until=until)
    backorder = event(
        "b1", "item.backordered", order_number="1001", data={"until": "2026-12-08", "skus": ["MG-12"]}
    )
    [message] = order_proposals(details, OPEN, late, CONFIG, event=backorder)
    assert message.dedupe_key == "1001:backordered:-:2026-12-08"
    assert message.context["backordered_until"] == "2026-12-08"
    assert [i["sku"] for i in message.context["items"]] == ["MG-12"]
    assert message.context["help_url"] == "https://help.doorstep-demo.shop/articles/backorders"
    assert order_proposals(details, late, late, CONFIG) == []


def test_refund_and_return_messages_are_one_per_refund_and_return() -> None:
    details = memory_order()
    refund = event(
        "r1", "refund.created", order_number="1001", data={"amount": "12.50", "shopify_refund_id": "99"}
    )
    [refunded] = refund_proposals(details, refund, CONFIG)
    assert (refunded.dedupe_key, refunded.context["amount"], refunded.context["currency"]) == (
        "1001:refund_issued:-:99",
        "12.50",
        None,
    )
    returned = event("t1", "return.created", order_number="1001", data={"skus": ["KT-200"]})
    [started] = return_proposals(details, returned, "R5", CONFIG)
    assert started.dedupe_key == "1001:return_started:-:R5"
    assert started.context["help_url"] == "https://help.doorstep-demo.shop/articles/return-status"


# ---------------------------------------------------------------- shipments
def test_a_new_parcel_is_shipped_with_its_tracking_link() -> None:
    details, parcel = _parcel("pre_transit", tracking_url="https://t.example/1Z1", eta=date(2026, 11, 24))
    [shipped] = shipment_proposals(details, None, parcel, CONFIG, NOW)
    assert (shipped.kind, shipped.dedupe_key, shipped.shipment_id) == (
        MessageKind.SHIPPED,
        "1001:shipped:1Z1:-",
        1,
    )
    assert shipped.context["tracking_url"] == "https://t.example/1Z1"
    assert shipped.context["eta"] == "2026-11-24"
    assert shipped.context["carrier"] == "UPS"


def test_the_first_scan_of_an_imported_parcel_is_shipped_too() -> None:
    details, moving = _parcel("in_transit")
    before = replace(moving, status=ShipmentStatus.PRE_TRANSIT)
    assert _kinds(shipment_proposals(details, before, moving, CONFIG, NOW)) == ["shipped"]
    assert shipment_proposals(details, moving, moving, CONFIG, NOW) == []


@pytest.mark.parametrize(
    ("status", "kind", "staff"),
    [
        ("out_for_delivery", MessageKind.OUT_FOR_DELIVERY, False),
        ("available_for_pickup", MessageKind.AVAILABLE_FOR_PICKUP, False),
        ("attempt_failed", MessageKind.ATTEMPT_FAILED, False),
        ("delayed", MessageKind.DELAYED, False),
        ("exception", MessageKind.EXCEPTION, True),
        ("lost", MessageKind.LOST, True),
        ("returned_to_sender", MessageKind.RETURNED_TO_SENDER, True),
    ],
)
def test_each_status_reached_has_its_message(status: str, kind: MessageKind, staff: bool) -> None:
    details, after = _parcel(status, last_location="Boston, MA, US")
    before = replace(after, status=ShipmentStatus.IN_TRANSIT)
    [message] = shipment_proposals(details, before, after, CONFIG, NOW)
    assert (message.kind, message.dedupe_key, message.alert_staff) == (
        kind,
        f"1001:{kind.value}:1Z1:{status}",
        staff,
    )
    assert message.context["location"] == "Boston, MA, US"
    assert message.context["help_url"] == CONFIG.help_link(kind)


def test_a_carrier_delay_and_a_slipped_eta_share_the_sweep_delay_key() -> None:
    details, late = _parcel("delayed", eta=date(2026, 11, 27))
    [carrier] = shipment_proposals(
        details, replace(late, status=ShipmentStatus.IN_TRANSIT), late, CONFIG, NOW
    )
    assert (carrier.dedupe_key, carrier.context["delay_reason"], carrier.context["eta"]) == (
        "1001:delayed:1Z1:delayed",
        "carrier",
        "2026-11-27",
    )
    details, moved = _parcel("in_transit", eta=date(2026, 11, 27), promised_by=date(2026, 11, 25))
    [slipped] = shipment_proposals(details, replace(moved, eta=date(2026, 11, 24)), moved, CONFIG, NOW)
    assert (slipped.dedupe_key, slipped.context["delay_reason"]) == (
        "1001:delayed:1Z1:delayed",
        "eta_revised",
    )
    overdue = memory_order(shipments=[{"eta": date(2026, 11, 20)}])
    [swept] = overdue_proposals(overdue, NOW)
    assert swept.dedupe_key == carrier.dedupe_key
    # an earlier date is good news, not a delay
    assert shipment_proposals(details, replace(moved, eta=date(2026, 11, 28)), moved, CONFIG, NOW) == []


def test_delivery_times_the_setup_guide_per_category_and_the_review_request() -> None:
    delivered_at = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
    details = memory_order(
        items=[
            {
                "sku": "SD-140",
                "name": "LiftDesk Standing Desk 140",
                "category": "furniture",
                "requires_setup": True,
            },
            {"sku": "MG-12", "name": "Stoneware Mug Set of 4", "category": "homeware"},
        ],
        shipments=[{"status": "delivered", "delivered_at": delivered_at}],
    )
    after = ShipmentState.of(details.shipments[0])
    delivered, setup, review = shipment_proposals(
        details, replace(after, status=ShipmentStatus.OUT_FOR_DELIVERY), after, CONFIG, NOW
    )
    assert delivered.dedupe_key == "1001:delivered:1Z1:delivered"
    assert (setup.kind, setup.dedupe_key) == (MessageKind.SETUP_GUIDE, "1001:setup_guide:1Z1:delivered")
    assert setup.not_before == delivered_at + timedelta(hours=24)  # furniture waits a day
    assert setup.context["help_url"] == "https://help.doorstep-demo.shop/articles/sd-140-setup"
    assert [i["sku"] for i in setup.context["setup_items"]] == ["SD-140"]
    assert (review.dedupe_key, review.not_before) == (
        "1001:review_request:-:-",
        delivered_at + timedelta(days=14),
    )
    assert review.context["review_url"] == "https://doorstep-demo.shop/orders/1001/review"
    tuned = JourneyConfig(setup_guide_delay=timedelta(hours=5), setup_guide_delay_by_category={})
    _, setup, _ = shipment_proposals(
        details, replace(after, status=ShipmentStatus.IN_TRANSIT), after, tuned, NOW
    )
    assert setup.not_before == delivered_at + timedelta(hours=5)


def test_no_setup_guide_without_setup_items_and_no_review_while_a_parcel_travels() -> None:
    details = memory_order(
        items=[{"sku": "MG-12", "name": "Stoneware Mug Set of 4", "category": "homeware"}],
        shipments=[{"status": "delivered", "delivered_at": NOW}, {"status": "in_transit"}],
    )
    after = ShipmentState.of(details.shipments[0])
    proposals = shipment_proposals(
        details, replace(after, status=ShipmentStatus.IN_TRANSIT), after, CONFIG, NOW
    )
    assert _kinds(proposals) == ["delivered"]


def test_a_cancelled_order_gets_no_parcel_messages() -> None:
    details = memory_order(status="cancelled", shipments=[{"status": "returned_to_sender"}])
    after = ShipmentState.of(details.shipments[0])
    assert (
        shipment_proposals(details, replace(after, status=ShipmentStatus.IN_TRANSIT), after, CONFIG, NOW)
        == []
    )


# ---------------------------------------------------------------- the sweep
def test_the_sweep_counts_days_in_the_shoppers_time_zone() -> None:
    details = memory_order(
        shipments=[{"eta": date(2026, 11, 24), "last_event_at": datetime(2026, 11, 24, 1, tzinfo=UTC)}]
    )
    # 03:00 UTC on the 25th is still the 24th in New York: not late yet
    assert overdue_proposals(details, datetime(2026, 11, 25, 3, 0, tzinfo=UTC)) == []
    [late] = overdue_proposals(details, datetime(2026, 11, 25, 6, 0, tzinfo=UTC))
    assert (late.kind, late.dedupe_key) == (MessageKind.DELAYED, "1001:delayed:1Z1:delayed")
    assert (late.context["delay_reason"], late.context["overdue_since"]) == ("overdue", "2026-11-24")


def test_the_sweep_uses_the_promise_when_there_is_no_eta_and_ignores_delivered_parcels() -> None:
    details = memory_order(
        shipments=[
            {"promised_by": date(2026, 11, 20), "last_event_at": NOW},
            {"status": "delivered", "eta": date(2026, 11, 1)},
        ]
    )
    assert [p.dedupe_key for p in overdue_proposals(details, NOW)] == ["1001:delayed:1Z1:delayed"]


def test_the_sweep_finds_stalled_parcels_and_unshipped_orders() -> None:
    stalled = memory_order(shipments=[{"last_event_at": NOW - timedelta(days=6)}])
    [message] = overdue_proposals(stalled, NOW)
    assert message.context["delay_reason"] == "stalled"
    assert overdue_proposals(memory_order(shipments=[{"last_event_at": NOW - timedelta(days=4)}]), NOW) == []
    unshipped = memory_order(expected_ship_date=date(2026, 11, 20))
    [waiting] = overdue_proposals(unshipped, NOW)
    assert (waiting.dedupe_key, waiting.context["delay_reason"], waiting.context["tracking_url"]) == (
        "1001:delayed:-:delayed",
        "not_shipped",
        None,
    )
    backordered = memory_order(expected_ship_date=date(2026, 11, 20), backordered_until=date(2026, 12, 1))
    assert overdue_proposals(backordered, NOW) == []
    assert (
        overdue_proposals(memory_order(status="cancelled", expected_ship_date=date(2026, 11, 1)), NOW) == []
    )
