"""Merging an order update from a provider into what doorstep already knows.

A shop's ``orders/updated`` carries the order as the shop sees it: no time zone, no refund
or backorder state, and shipment statuses that may lag behind the carrier's own scans. Written
as is, it would erase facts learned elsewhere and move parcels backwards. :func:`merge_order`
keeps, for every field the update leaves empty or can only make worse, what is stored.
"""

from __future__ import annotations

from datetime import datetime

from handlers.journey.progression import next_status
from handlers.journey.state import ShipmentState
from storage.domain import OrderStatus, ShipmentStatus
from storage.repositories import OrderDetails
from storage.schemas import CustomerIn, OrderIn, ShipmentIn

#: values a provider fills in when it does not know better
_DEFAULT_TIMEZONE = "UTC"
_DEFAULT_LOCALE = "en"


def _customer(incoming: CustomerIn, details: OrderDetails) -> CustomerIn:
    stored = details.customer
    if stored.email != incoming.email:
        return incoming  # the shop moved the order to another customer
    timezone = incoming.timezone
    if timezone == _DEFAULT_TIMEZONE and stored.timezone:
        timezone = stored.timezone
    locale = incoming.locale
    if locale == _DEFAULT_LOCALE and stored.locale:
        locale = stored.locale
    return incoming.model_copy(
        update={
            "name": incoming.name or stored.name,
            "phone": incoming.phone or stored.phone,
            "timezone": timezone,
            "locale": locale,
        }
    )


def _stored_shipment(state: ShipmentState) -> ShipmentIn:
    return ShipmentIn(
        carrier=state.carrier,
        tracking_number=state.tracking_number,
        tracking_url=state.tracking_url,
        status=state.status,
        eta=state.eta,
        promised_by=state.promised_by,
        shipped_at=state.shipped_at,
        delivered_at=state.delivered_at,
        skus=list(state.skus),
    )


def _shipment(incoming: ShipmentIn, stored: ShipmentState, occurred_at: datetime) -> ShipmentIn:
    status = next_status(
        stored.status, incoming.status, occurred_at=occurred_at, last_event_at=stored.last_event_at
    )
    delivered_at = stored.delivered_at
    if status == ShipmentStatus.DELIVERED and delivered_at is None:
        delivered_at = incoming.delivered_at or occurred_at
    return ShipmentIn(
        carrier=incoming.carrier if incoming.carrier != "unknown" else stored.carrier,
        tracking_number=stored.tracking_number,
        tracking_url=incoming.tracking_url or stored.tracking_url,
        status=status,
        eta=incoming.eta or stored.eta,
        promised_by=incoming.promised_by or stored.promised_by,
        shipped_at=stored.shipped_at or incoming.shipped_at,
        delivered_at=delivered_at,
        skus=incoming.skus or list(stored.skus),
    )


def merge_order(incoming: OrderIn, existing: OrderDetails | None, *, occurred_at: datetime) -> OrderIn:
    """The order to store: ``incoming`` with the stored facts it would lose or regress kept.

    - customer name, phone, time zone and locale the update leaves empty or at a default;
    - the address, expected ship date, refund and backorder state it leaves empty;
    - the items when it lists none; every stored parcel (an update never deletes one);
    - per parcel, a status only where it may follow the stored one (see ``progression``);
    - a cancelled order stays cancelled.
    """
    if existing is None:
        return incoming
    order = existing.order
    stored = {s.tracking_number: ShipmentState.of(s) for s in existing.shipments}
    shipments = [
        _shipment(s, stored[s.tracking_number], occurred_at) if s.tracking_number in stored else s
        for s in incoming.shipments
    ]
    named = {s.tracking_number for s in incoming.shipments}
    shipments.extend(_stored_shipment(state) for number, state in stored.items() if number not in named)
    status = incoming.status
    if order.status == OrderStatus.CANCELLED.value:
        status = OrderStatus.CANCELLED
    address = incoming.shipping_address.model_dump() if incoming.shipping_address else None
    if address is None and (order.ship_line1 or order.ship_city or order.ship_postcode or order.ship_country):
        address = {
            "line1": order.ship_line1,
            "city": order.ship_city,
            "postcode": order.ship_postcode,
            "country": order.ship_country,
        }
    items = [i.model_dump() for i in incoming.items] or [
        {
            "sku": i.sku,
            "name": i.name,
            "category": i.category,
            "quantity": i.quantity,
            "requires_setup": i.requires_setup,
        }
        for i in existing.items
    ]
    return OrderIn.model_validate(
        {
            **incoming.model_dump(),
            "status": status,
            "customer": _customer(incoming.customer, existing).model_dump(),
            "shipping_address": address,
            "items": items,
            "shipments": [s.model_dump() for s in shipments],
            "expected_ship_date": incoming.expected_ship_date or order.expected_ship_date,
            "refund_status": incoming.refund_status or order.refund_status,
            "backordered_until": incoming.backordered_until or order.backordered_until,
        }
    )
