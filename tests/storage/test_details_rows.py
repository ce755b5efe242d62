"""The hot-path order look-up builds exactly the objects the ORM loads, on both databases."""

from __future__ import annotations

import json

from bot.imports.orders import import_orders
from storage.repositories.orders import OrderDetails
from storage.store import Store
from tests.builders import order_line


def _fields(details: OrderDetails) -> dict[str, object]:
    return {
        "order": details.order.model_dump(),
        "customer": details.customer.model_dump(),
        "items": [item.model_dump() for item in details.items],
        "shipments": [shipment.model_dump() for shipment in details.shipments],
    }


async def test_details_for_number_equals_orm_details_field_by_field(store: Store) -> None:
    items = [
        {"sku": "ZZ-1", "name": "Zest Grater", "category": "kitchen", "quantity": 2, "requires_setup": True},
        {"sku": "AA-9", "name": "Apron", "category": "apparel", "quantity": 1, "requires_setup": False},
    ]
    lines = [
        order_line("1001", items=items, shipment_status="delivered", expected_ship_date="2026-11-21"),
        order_line("1002", email="bob@example.com", shipment_status=None, phone=None),
    ]
    report = await import_orders(store, [json.dumps(line) for line in lines])
    assert report.rejected == 0
    for number in ("1001", "1002"):
        async with store.transaction() as repos:
            fast = await repos.orders.details_for_number(order_number=number)
        async with store.transaction() as repos:
            slow = await repos.orders.details_by_number(order_number=number)
        assert fast is not None and slow is not None
        assert _fields(fast) == _fields(slow)
    assert [item.sku for item in fast.items] == ["KT-200"]  # 1002
    assert fast.shipments == [] and fast.customer.phone is None
    async with store.transaction() as repos:
        first = await repos.orders.details_for_number(order_number="1001")
    assert first is not None
    assert [item.quantity for item in first.items] == [2, 1]
    assert first.items[0].requires_setup is True and first.items[1].requires_setup is False
    assert first.shipments[0].skus == ["ZZ-1", "AA-9"]
    assert first.shipments[0].delivered_at is not None and first.shipments[0].delivered_at.tzinfo is not None
    assert first.order.placed_at.isoformat() == "2026-11-20T14:03:00+00:00"
