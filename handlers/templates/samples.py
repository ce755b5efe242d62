"""Realistic sample contexts, made by the journey rules themselves from an in-memory order.

Because the samples come out of the same rules as real messages, a template that uses a field
the rules do not provide fails ``check_templates`` instead of failing at send time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from handlers.journey.config import JourneyConfig
from handlers.journey.proposals import MessageKind, ProposedMessage
from handlers.journey.rules import (
    order_proposals,
    overdue_proposals,
    refund_proposals,
    return_proposals,
    shipment_proposals,
)
from handlers.journey.state import OrderState, ShipmentState
from storage.domain import EventType, NormalizedEvent, OrderStatus, ShipmentStatus
from storage.models import Customer, Order, OrderItem, Shipment
from storage.repositories import OrderDetails

SAMPLE_NOW = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
_TRACKING = "1Z999AA10123456784"


def _details(locale: str) -> OrderDetails:
    customer = Customer(
        id=1, email="ann@example.com", name="Ann Lee", timezone="America/New_York", locale=locale
    )
    order = Order(
        id=1,
        order_number="1001",
        customer_id=1,
        placed_at=datetime(2026, 11, 20, 14, 3, tzinfo=UTC),
        status=OrderStatus.OPEN.value,
    )
    items = [
        OrderItem(
            id=1,
            order_id=1,
            sku="ES-900",
            name="Barista Pro Espresso Machine",
            category="kitchen-appliance",
            quantity=1,
            requires_setup=True,
        ),
        OrderItem(
            id=2, order_id=1, sku="MG-12", name="Stoneware Mug Set of 4", category="homeware", quantity=2
        ),
    ]
    shipment = Shipment(
        id=1,
        order_id=1,
        carrier="UPS",
        tracking_number=_TRACKING,
        tracking_url=f"https://www.ups.com/track?tracknum={_TRACKING}",
        status=ShipmentStatus.IN_TRANSIT.value,
        eta=date(2026, 11, 24),
        promised_by=date(2026, 11, 25),
        shipped_at=datetime(2026, 11, 21, 9, 0, tzinfo=UTC),
        last_event_at=datetime(2026, 11, 23, 6, 10, tzinfo=UTC),
        last_location="Boston, MA, US",
        skus=["ES-900", "MG-12"],
    )
    return OrderDetails(order=order, customer=customer, items=items, shipments=[shipment])


def _moved(details: OrderDetails, status: ShipmentStatus, **changes: Any) -> ShipmentState:
    shipment = details.shipments[0]
    shipment.status = status.value
    for key, value in changes.items():
        setattr(shipment, key, value)
    return ShipmentState.of(shipment)


def _event(kind: EventType, **data: Any) -> NormalizedEvent:
    return NormalizedEvent(
        event_id="sample", source="api", occurred_at=SAMPLE_NOW, type=kind, order_number="1001", data=data
    )


def _proposals(kind: MessageKind, details: OrderDetails, config: JourneyConfig) -> list[ProposedMessage]:
    open_order = OrderState(status=OrderStatus.OPEN)
    in_transit = ShipmentState.of(details.shipments[0])
    if kind == MessageKind.ORDER_CONFIRMED:
        return order_proposals(details, None, open_order, config)
    if kind == MessageKind.ORDER_CANCELLED:
        details.order.status = OrderStatus.CANCELLED.value
        return order_proposals(details, open_order, OrderState(status=OrderStatus.CANCELLED), config)
    if kind == MessageKind.BACKORDERED:
        until = date(2026, 12, 8)
        event = _event(EventType.ITEM_BACKORDERED, until=until.isoformat(), skus=["ES-900"])
        return order_proposals(
            details,
            open_order,
            OrderState(status=OrderStatus.OPEN, backordered_until=until),
            config,
            event=event,
        )
    if kind == MessageKind.REFUND_ISSUED:
        event = _event(EventType.REFUND_CREATED, amount="549.00", currency="USD", refund_id="r-1")
        return refund_proposals(details, event, config)
    if kind == MessageKind.RETURN_STARTED:
        event = _event(
            EventType.RETURN_CREATED, skus=["MG-12"], label_url="https://doorstep-demo.shop/returns/r-7/label"
        )
        return return_proposals(details, event, "r-7", config)
    if kind == MessageKind.SHIPPED:
        return shipment_proposals(details, None, in_transit, config, SAMPLE_NOW)
    if kind in (MessageKind.SETUP_GUIDE, MessageKind.REVIEW_REQUEST):
        after = _moved(details, ShipmentStatus.DELIVERED, delivered_at=SAMPLE_NOW)
        return shipment_proposals(details, in_transit, after, config, SAMPLE_NOW)
    if kind == MessageKind.DELAYED:
        late = _moved(details, ShipmentStatus.DELAYED, eta=date(2026, 11, 27))
        return shipment_proposals(details, in_transit, late, config, SAMPLE_NOW)
    status = ShipmentStatus(kind.value)
    raw = "held_at_customs" if status == ShipmentStatus.EXCEPTION else None
    return shipment_proposals(
        details, in_transit, _moved(details, status, raw_status=raw), config, SAMPLE_NOW
    )


def sample_context(
    kind: MessageKind, locale: str = "en", *, config: JourneyConfig | None = None
) -> dict[str, Any]:
    """The context the journey rules give a ``kind`` message about a sample order (#1001)."""
    config = config or JourneyConfig()
    details = _details(locale)
    for proposal in _proposals(kind, details, config):
        if proposal.kind == kind:
            return proposal.context
    raise LookupError(
        f"the journey rules proposed no {kind.value} message for the sample"
    )  # pragma: no cover


def sample_contexts(kind: MessageKind, locale: str = "en") -> list[dict[str, Any]]:
    """Every variant of ``kind`` worth rendering: for ``delayed``, each delay reason."""
    contexts = [sample_context(kind, locale)]
    if kind == MessageKind.DELAYED:
        late = _details(locale)
        late.shipments[0].last_event_at = SAMPLE_NOW - timedelta(days=1)
        contexts.extend(p.context for p in overdue_proposals(late, SAMPLE_NOW + timedelta(days=3)))
        stalled = _details(locale)
        stalled.shipments[0].eta = None
        stalled.shipments[0].promised_by = None
        contexts.extend(p.context for p in overdue_proposals(stalled, SAMPLE_NOW + timedelta(days=7)))
        unshipped = _details(locale)
        unshipped.shipments.clear()
        unshipped.order.expected_ship_date = date(2026, 11, 22)
        contexts.extend(p.context for p in overdue_proposals(unshipped, SAMPLE_NOW))
    return contexts
