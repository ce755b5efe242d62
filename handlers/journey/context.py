"""Template contexts: what each proactive message needs to be written, as JSON-safe values.

Every context has ``kind``, ``locale``, ``timezone`` (the customer's, for local dates),
``order_number``, ``customer_name`` (first name or ``None``), ``items``, ``help_url`` and
``support_url``; shipment messages add ``carrier``,
``tracking_number``, ``tracking_url``, ``status``, ``eta``, ``promised_by``, ``location`` and
``delivered_at``. Dates are ISO strings, so the context can be stored in the outbox as is.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from handlers.journey.config import JourneyConfig
from handlers.journey.proposals import MessageKind
from handlers.journey.state import ShipmentState
from storage.models import OrderItem
from storage.repositories import OrderDetails


def iso(value: date | datetime | None) -> str | None:
    """ISO text of a date or time, or None."""
    return value.isoformat() if value is not None else None


def first_name(full_name: str | None) -> str | None:
    """``"Ann Lee"`` -> ``"Ann"``; None when there is no usable name."""
    if not full_name or not full_name.strip():
        return None
    return full_name.strip().split()[0][:60]


def item_dicts(items: Iterable[OrderItem]) -> list[dict[str, Any]]:
    """Order lines as ``{"sku", "name", "quantity", "category", "requires_setup"}``."""
    return [
        {
            "sku": item.sku,
            "name": item.name,
            "quantity": item.quantity,
            "category": item.category,
            "requires_setup": bool(item.requires_setup),
        }
        for item in items
    ]


def items_in(details: OrderDetails, shipment: ShipmentState | None) -> list[OrderItem]:
    """The order lines travelling in ``shipment`` (all lines when it names no SKUs)."""
    if shipment is None or not shipment.skus:
        return list(details.items)
    skus = set(shipment.skus)
    inside = [item for item in details.items if item.sku in skus]
    return inside or list(details.items)


#: the shipment fields of a context, all empty (for a message about an order not shipped yet)
EMPTY_SHIPMENT_FIELDS: dict[str, Any] = {
    "carrier": None,
    "tracking_number": None,
    "tracking_url": None,
    "status": None,
    "eta": None,
    "promised_by": None,
    "location": None,
    "delivered_at": None,
}


def order_context(details: OrderDetails, kind: MessageKind, config: JourneyConfig) -> dict[str, Any]:
    """The fields every message has."""
    customer = details.customer
    return {
        "kind": kind.value,
        "locale": customer.locale or "en",
        "timezone": customer.timezone or "UTC",
        "order_number": details.number,
        "customer_name": first_name(customer.name),
        "items": item_dicts(details.items),
        "help_url": config.help_link(kind),
        "support_url": config.support_url,
    }


def shipment_context(
    details: OrderDetails, shipment: ShipmentState, kind: MessageKind, config: JourneyConfig
) -> dict[str, Any]:
    """Order fields plus the parcel's carrier, tracking, dates and place."""
    context = order_context(details, kind, config)
    context.update(
        {
            "items": item_dicts(items_in(details, shipment)),
            "carrier": shipment.carrier,
            "tracking_number": shipment.tracking_number,
            "tracking_url": shipment.tracking_url,
            "status": shipment.status.value,
            "eta": iso(shipment.eta),
            "promised_by": iso(shipment.promised_by),
            "location": shipment.last_location,
            "delivered_at": iso(shipment.delivered_at),
        }
    )
    return context
