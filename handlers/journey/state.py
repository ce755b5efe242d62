"""Frozen snapshots of an order and its shipments, taken before and after an event.

Journey rules compare a "before" and an "after" snapshot; the database objects themselves are
refreshed in place by later reads, so rules never look at them across a write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from storage.domain import TERMINAL_SHIPMENT_STATUSES, OrderStatus, ShipmentStatus
from storage.models import Order, Shipment
from storage.repositories import OrderDetails
from storage.repositories.snapshots import ShipmentRow

#: stored status text -> status
_STATUS_OF_TEXT: dict[str, ShipmentStatus] = {status.value: status for status in ShipmentStatus}


def _shipment_status(value: str) -> ShipmentStatus:
    # a row written outside the contract: treat as a problem, never crash
    return _STATUS_OF_TEXT.get(value, ShipmentStatus.EXCEPTION)


@dataclass(frozen=True, slots=True)
class ShipmentState:
    """One parcel as it stood at a moment."""

    id: int
    tracking_number: str
    carrier: str
    status: ShipmentStatus
    tracking_url: str | None = None
    raw_status: str | None = None
    eta: date | None = None
    promised_by: date | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    last_event_at: datetime | None = None
    last_location: str | None = None
    skus: tuple[str, ...] = ()

    @classmethod
    def of(cls, shipment: Shipment | ShipmentRow) -> ShipmentState:
        """Snapshot of a stored shipment."""
        return cls(
            id=int(shipment.id or 0),
            tracking_number=shipment.tracking_number,
            carrier=shipment.carrier,
            status=_shipment_status(shipment.status),
            tracking_url=shipment.tracking_url,
            raw_status=shipment.raw_status,
            eta=shipment.eta,
            promised_by=shipment.promised_by,
            shipped_at=shipment.shipped_at,
            delivered_at=shipment.delivered_at,
            last_event_at=shipment.last_event_at,
            last_location=shipment.last_location,
            skus=tuple(shipment.skus or ()),
        )

    @property
    def finished(self) -> bool:
        """Delivered, returned to sender or lost: it no longer moves towards the shopper."""
        return self.status in TERMINAL_SHIPMENT_STATUSES


@dataclass(frozen=True, slots=True)
class OrderState:
    """The order-level facts rules compare."""

    status: OrderStatus
    refund_status: str | None = None
    backordered_until: date | None = None

    @classmethod
    def of(cls, order: Order) -> OrderState:
        """Snapshot of a stored order."""
        try:
            status = OrderStatus(order.status)
        except ValueError:
            status = OrderStatus.OPEN
        return cls(
            status=status, refund_status=order.refund_status, backordered_until=order.backordered_until
        )


def shipment_states(details: OrderDetails | None) -> dict[str, ShipmentState]:
    """Snapshots of the order's shipments by tracking number (empty for no order)."""
    if details is None:
        return {}
    return {s.tracking_number: ShipmentState.of(s) for s in details.shipments}
