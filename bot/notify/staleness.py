"""When a proactive message no longer fits the order's state ("superseded").

A message is superseded when the shipment it talks about has moved past it (an unsent
"shipped" once the parcel is out for delivery or delivered), when the order was cancelled, or
when a setup guide's shipment is not delivered. The same predicate is used when a message is
queued and again right before it is sent.
"""

from __future__ import annotations

from handlers.journey.proposals import MessageKind
from storage.models import Shipment
from storage.repositories.orders import OrderDetails

#: how far along the way to the door each shipping message is
KIND_PROGRESS: dict[str, int] = {
    MessageKind.SHIPPED: 1,
    MessageKind.OUT_FOR_DELIVERY: 2,
    MessageKind.AVAILABLE_FOR_PICKUP: 2,
    MessageKind.ATTEMPT_FAILED: 2,
    MessageKind.DELIVERED: 3,
}

#: how far along each shipment status is
STATUS_PROGRESS: dict[str, int] = {
    "pre_transit": 0,
    "in_transit": 1,
    "delayed": 1,
    "exception": 1,
    "out_for_delivery": 2,
    "available_for_pickup": 2,
    "attempt_failed": 2,
    "delivered": 3,
    "returned_to_sender": 3,
    "lost": 3,
}

#: messages about a problem stop making sense once the shipment reached this progress
PROBLEM_KINDS_STALE_AT: dict[str, int] = {
    MessageKind.DELAYED: 2,
    MessageKind.EXCEPTION: 3,
}

#: messages about the order before it ships stop making sense once a shipment moves
PRE_SHIPPING_KINDS = frozenset({MessageKind.ORDER_CONFIRMED, MessageKind.BACKORDERED})

#: the only messages still sent for a cancelled order
CANCELLED_ORDER_KINDS = frozenset(
    {MessageKind.ORDER_CANCELLED, MessageKind.REFUND_ISSUED, MessageKind.RETURN_STARTED}
)


def _shipment(details: OrderDetails, shipment_id: int | None) -> Shipment | None:
    if shipment_id is None:
        return None
    return next((s for s in details.shipments if s.id == shipment_id), None)


def is_delivered(details: OrderDetails, shipment_id: int | None = None) -> bool:
    """Whether the shipment (or, without one, any shipment of the order) is delivered."""
    if shipment_id is not None:
        shipment = _shipment(details, shipment_id)
        return shipment is not None and shipment.status == "delivered"
    return any(s.status == "delivered" for s in details.shipments)


def superseded_reason(kind: str, shipment_id: int | None, details: OrderDetails) -> str | None:
    """Why a message of ``kind`` about ``shipment_id`` is stale given the order now, or None."""
    if details.order.status == "cancelled" and kind not in CANCELLED_ORDER_KINDS:
        return "superseded: the order was cancelled"
    if kind == MessageKind.SETUP_GUIDE and not is_delivered(details, shipment_id):
        return "setup guide waits for delivery"
    if kind in PRE_SHIPPING_KINDS:
        moved = [s for s in details.shipments if STATUS_PROGRESS.get(s.status, 0) >= 1]
        if moved:
            return f"superseded: shipment {moved[0].tracking_number} is already {moved[0].status}"
        return None
    shipment = _shipment(details, shipment_id)
    if shipment is None:
        return None
    progress = STATUS_PROGRESS.get(shipment.status, 0)
    if kind in KIND_PROGRESS and progress > KIND_PROGRESS[kind]:
        return f"superseded: shipment {shipment.tracking_number} is already {shipment.status}"
    stale_at = PROBLEM_KINDS_STALE_AT.get(kind)
    if stale_at is not None and progress >= stale_at:
        return f"superseded: shipment {shipment.tracking_number} is already {shipment.status}"
    return None
