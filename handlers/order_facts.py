"""Facts about an order that several handlers need: shipped or not, late or not, what is where."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from handlers.wording import local_date
from storage.domain import OrderStatus, ShipmentStatus
from storage.models import OrderItem, Shipment
from storage.repositories.orders import OrderDetails

#: statuses after which the parcel is no longer travelling towards the shopper
_SETTLED = frozenset({ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED_TO_SENDER, ShipmentStatus.LOST})


def has_shipped(details: OrderDetails) -> bool:
    """Whether any parcel of the order has left the warehouse (or at least been handed a label)."""
    return any(s.shipped_at is not None or s.status != ShipmentStatus.PRE_TRANSIT for s in details.shipments)


def is_cancelled(details: OrderDetails) -> bool:
    """Whether the order was cancelled."""
    return details.order.status == OrderStatus.CANCELLED


def is_coming_back(details: OrderDetails) -> bool:
    """Whether every parcel not delivered is on its way back to us (and there is one)."""
    undelivered = {s.status for s in details.shipments} - {ShipmentStatus.DELIVERED}
    return undelivered == {ShipmentStatus.RETURNED_TO_SENDER}


def shipment_items(details: OrderDetails, shipment: Shipment) -> list[OrderItem]:
    """The order lines travelling in ``shipment`` (all lines when the shipment lists no SKUs)."""
    if not shipment.skus:
        return list(details.items)
    skus = set(shipment.skus)
    return [item for item in details.items if item.sku in skus]


def unshipped_items(details: OrderDetails) -> list[OrderItem]:
    """Order lines no shipment carries yet."""
    if not details.shipments:
        return list(details.items)
    if any(not s.skus for s in details.shipments):
        return []
    carried = {sku for s in details.shipments for sku in s.skus}
    return [item for item in details.items if item.sku not in carried]


def item_names(items: list[OrderItem]) -> list[str]:
    """Item names with a quantity prefix when more than one."""
    return [f"{item.quantity} × {item.name}" if item.quantity > 1 else item.name for item in items]


def shipment_of(details: OrderDetails, sku: str) -> Shipment | None:
    """The shipment carrying ``sku``, if any."""
    for shipment in details.shipments:
        if not shipment.skus or sku in shipment.skus:
            return shipment
    return None


def delivered_on(details: OrderDetails, sku: str) -> date | None:
    """The day the item was delivered, in the shopper's time zone, or None."""
    shipment = shipment_of(details, sku)
    if shipment is None or shipment.status != ShipmentStatus.DELIVERED or shipment.delivered_at is None:
        return None
    return local_date(shipment.delivered_at, details.customer.timezone)


@dataclass(frozen=True, slots=True)
class Lateness:
    """How late a parcel is: promised by one day, now expected another (or unknown)."""

    promised_by: date
    new_eta: date | None


def lateness(shipment: Shipment, today: date) -> Lateness | None:
    """The parcel's lateness against ``promised_by``, or None when it is on time (or settled)."""
    if shipment.status in _SETTLED or shipment.promised_by is None:
        return None
    eta = shipment.eta
    overdue = shipment.promised_by < today
    slipping = eta is not None and eta > shipment.promised_by
    if not (overdue or slipping or shipment.status == ShipmentStatus.DELAYED):
        return None
    if shipment.status == ShipmentStatus.DELAYED and not (overdue or slipping):
        return Lateness(promised_by=shipment.promised_by, new_eta=eta)
    new_eta = eta if eta is not None and eta >= today else None
    return Lateness(promised_by=shipment.promised_by, new_eta=new_eta)


def is_late(details: OrderDetails, today: date) -> bool:
    """Whether a parcel of the order is later than promised."""
    return any(lateness(shipment, today) is not None for shipment in details.shipments)


def is_open(details: OrderDetails) -> bool:
    """Open and not everything delivered yet: what "my open orders" means to a shopper."""
    if details.order.status != OrderStatus.OPEN:
        return False
    if not details.shipments:
        return True
    return bool(unshipped_items(details)) or any(
        s.status != ShipmentStatus.DELIVERED for s in details.shipments
    )
