"""Helpers for journey tests: normalized events, seeded orders and applying in one transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from handlers.journey.apply import ApplyOutcome, apply_event, release_held
from handlers.journey.config import JourneyConfig
from storage.domain import NormalizedEvent
from storage.repositories import OrderDetails
from storage.schemas import OrderIn
from storage.store import Store
from tests.builders import order_line

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
TRACKING = "1Z999AA10000001001"  # what order_line("1001") gives its parcel


def event(event_id: str, type: str, *, at: str = "2026-11-22T10:00:00Z", **fields: Any) -> NormalizedEvent:
    """A normalized event from the ``api`` source (override with ``source=``)."""
    values: dict[str, Any] = {"event_id": event_id, "source": "api", "occurred_at": at, "type": type}
    values.update(fields)
    return NormalizedEvent.model_validate(values)


def scan(event_id: str, status: str, *, at: str, tracking: str = TRACKING, **fields: Any) -> NormalizedEvent:
    """A ``shipment.updated`` carrier scan."""
    return event(event_id, "shipment.updated", at=at, tracking_number=tracking, status=status, **fields)


async def seed(store: Store, *lines: dict[str, Any]) -> None:
    """Import orders (order_line dicts) the way ``doorstep import orders`` does."""
    async with store.transaction() as repos:
        await repos.orders.upsert_many([OrderIn.model_validate(line) for line in lines])


async def apply(
    store: Store, evt: NormalizedEvent, *, now: datetime = NOW, config: JourneyConfig | None = None
) -> ApplyOutcome:
    """``apply_event`` in its own committed transaction."""
    async with store.transaction() as repos:
        return await apply_event(repos, evt, now, config=config)


async def release(store: Store, *numbers: str, now: datetime = NOW) -> list[ApplyOutcome]:
    """``release_held`` in its own committed transaction."""
    async with store.transaction() as repos:
        return await release_held(repos, list(numbers), now)


async def details(store: Store, number: str = "1001") -> OrderDetails:
    """The stored order (fresh transaction)."""
    async with store.transaction() as repos:
        found = await repos.orders.details_by_number(order_number=number)
    assert found is not None
    return found


def keys(outcome: ApplyOutcome) -> list[str]:
    """The dedupe keys an outcome proposes, in order."""
    return [p.dedupe_key for p in outcome.proposals]


def new_order(number: str = "1001", **overrides: Any) -> dict[str, Any]:
    """An order line for an ``order.created`` event (no parcel yet unless given)."""
    overrides.setdefault("shipment_status", None)
    return order_line(number, **overrides)


def memory_order(
    *,
    shipments: list[dict[str, Any]] | None = None,
    items: list[dict[str, Any]] | None = None,
    status: str = "open",
    timezone: str = "America/New_York",
    **order_fields: Any,
) -> OrderDetails:
    """An order held in memory only (for the pure journey rules)."""
    from storage.models import Customer, Order, OrderItem, Shipment

    customer = Customer(id=7, email="ann@example.com", name="Ann Lee", timezone=timezone, locale="en")
    order = Order(
        id=3,
        order_number="1001",
        customer_id=7,
        placed_at=datetime(2026, 11, 20, 14, 3, tzinfo=UTC),
        status=status,
        **order_fields,
    )
    lines = items or [
        {"sku": "KT-200", "name": "Kettle Pro 200", "category": "kitchen-appliance", "requires_setup": True}
    ]
    order_items = [OrderItem(id=i + 1, order_id=3, quantity=1, **line) for i, line in enumerate(lines)]
    parcels = [
        Shipment(
            id=i + 1,
            order_id=3,
            **{
                "carrier": "UPS",
                "tracking_number": f"1Z{i + 1}",
                "status": "in_transit",
                "skus": [],
                **fields,
            },
        )
        for i, fields in enumerate(shipments or [])
    ]
    return OrderDetails(order=order, customer=customer, items=order_items, shipments=parcels)
