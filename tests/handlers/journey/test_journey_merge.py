"""merge_order: an update never loses stored facts nor moves a parcel backwards."""

from __future__ import annotations

from datetime import UTC, date, datetime

from handlers.journey.merge import merge_order
from storage.schemas import OrderIn
from tests.builders import order_line
from tests.handlers.journey.conftest import memory_order

AT = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def test_a_new_order_is_taken_as_is() -> None:
    incoming = OrderIn.model_validate(order_line("1001"))
    assert merge_order(incoming, None, occurred_at=AT) is incoming


def test_the_update_keeps_stored_facts_it_leaves_empty() -> None:
    stored = memory_order(
        refund_status="pending",
        backordered_until=date(2026, 12, 1),
        expected_ship_date=date(2026, 11, 21),
        ship_city="Boston",
        timezone="Europe/Berlin",
        shipments=[
            {"tracking_number": "1ZA", "status": "delivered", "delivered_at": AT, "eta": date(2026, 11, 22)}
        ],
    )
    stored.customer.phone = "+15550100"
    incoming = OrderIn.model_validate(
        {
            "order_number": "1001",
            "placed_at": "2026-11-20T14:03:00Z",
            "customer": {"email": "ann@example.com", "timezone": "UTC"},
            "shipments": [
                {"carrier": "UPS", "tracking_number": "1ZA", "status": "in_transit"},
                {"carrier": "DHL", "tracking_number": "1ZB", "status": "pre_transit"},
            ],
        }
    )
    merged = merge_order(incoming, stored, occurred_at=AT)
    assert (merged.refund_status, merged.backordered_until, merged.expected_ship_date) == (
        "pending",
        date(2026, 12, 1),
        date(2026, 11, 21),
    )
    assert merged.shipping_address is not None and merged.shipping_address.city == "Boston"
    assert (merged.customer.name, merged.customer.phone, merged.customer.timezone) == (
        "Ann Lee",
        "+15550100",
        "Europe/Berlin",
    )
    assert [i.sku for i in merged.items] == ["KT-200"]
    assert [(s.tracking_number, s.status.value, s.delivered_at, s.eta) for s in merged.shipments] == [
        ("1ZA", "delivered", AT, date(2026, 11, 22)),
        ("1ZB", "pre_transit", None, None),
    ]


def test_a_parcel_moving_on_takes_the_update_and_a_cancelled_order_stays_cancelled() -> None:
    stored = memory_order(status="cancelled", shipments=[{"tracking_number": "1ZA", "status": "in_transit"}])
    incoming = OrderIn.model_validate(order_line("1001", shipment_status="delivered", tracking_number="1ZA"))
    merged = merge_order(incoming, stored, occurred_at=AT)
    assert merged.status.value == "cancelled"
    assert [(s.status.value, s.delivered_at) for s in merged.shipments] == [
        ("delivered", datetime(2026, 11, 22, 15, 0, tzinfo=UTC))
    ]
