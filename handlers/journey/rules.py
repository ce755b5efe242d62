"""Journey rules: from what changed in an order to the proactive messages worth proposing.

Pure functions of snapshots (no database, no clock: ``now`` is passed in). Each proposal's
``dedupe_key`` is unique per (order, kind, shipment, status), so proposing the same thing
twice (a redelivered event, a carrier delay and a sweep delay of one parcel) yields one key
and the outbox keeps one message. The notification policy decides what is actually sent.

- :func:`order_proposals`: order confirmed, cancelled, backordered (per new date);
- :func:`shipment_proposals`: shipped, out for delivery, available for pickup, attempt failed,
  delayed (carrier status or a slipped ETA), exception / lost / returned to sender (staff are
  alerted), delivered, then the setup guide and the review request, timed after delivery;
- :func:`refund_proposals`, :func:`return_proposals`: refund issued, return started;
- :func:`overdue_proposals`: the scheduler's sweep, a ``delayed`` for every parcel past its
  date (or without a scan for too long) and every order past its ship date.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from handlers.journey.config import JourneyConfig
from handlers.journey.context import (
    EMPTY_SHIPMENT_FIELDS,
    iso,
    item_dicts,
    items_in,
    order_context,
    shipment_context,
)
from handlers.journey.proposals import MessageKind, ProposedMessage, dedupe_key
from handlers.journey.state import OrderState, ShipmentState
from storage.domain import NormalizedEvent, OrderStatus, ShipmentStatus
from storage.repositories import OrderDetails

#: shipment status reached -> the message announcing it
KIND_OF_STATUS: Mapping[ShipmentStatus, MessageKind] = {
    ShipmentStatus.OUT_FOR_DELIVERY: MessageKind.OUT_FOR_DELIVERY,
    ShipmentStatus.AVAILABLE_FOR_PICKUP: MessageKind.AVAILABLE_FOR_PICKUP,
    ShipmentStatus.ATTEMPT_FAILED: MessageKind.ATTEMPT_FAILED,
    ShipmentStatus.DELAYED: MessageKind.DELAYED,
    ShipmentStatus.EXCEPTION: MessageKind.EXCEPTION,
    ShipmentStatus.LOST: MessageKind.LOST,
    ShipmentStatus.RETURNED_TO_SENDER: MessageKind.RETURNED_TO_SENDER,
    ShipmentStatus.DELIVERED: MessageKind.DELIVERED,
}
#: kinds that also alert support staff (in Slack) and open a case
STAFF_ALERT_KINDS = frozenset({MessageKind.EXCEPTION, MessageKind.LOST, MessageKind.RETURNED_TO_SENDER})
#: why a parcel counts as delayed (``delay_reason`` in the context)
DELAY_REASONS = ("carrier", "eta_revised", "overdue", "stalled", "not_shipped")


def _ids(details: OrderDetails) -> tuple[int, int]:
    return int(details.order.id or 0), int(details.customer.id or 0)


def _propose(
    details: OrderDetails,
    kind: MessageKind,
    context: dict[str, Any],
    *,
    tracking_number: str | None = None,
    status: str | None = None,
    shipment_id: int | None = None,
    not_before: datetime | None = None,
) -> ProposedMessage:
    order_id, customer_id = _ids(details)
    return ProposedMessage(
        kind=kind,
        order_id=order_id,
        customer_id=customer_id,
        dedupe_key=dedupe_key(details.number, kind, tracking_number, status),
        context=context,
        shipment_id=shipment_id,
        not_before=not_before,
        alert_staff=kind in STAFF_ALERT_KINDS,
    )


def _is_cancelled(details: OrderDetails) -> bool:
    return details.order.status == OrderStatus.CANCELLED.value


# ---------------------------------------------------------------- order level
def order_proposals(
    details: OrderDetails,
    before: OrderState | None,
    after: OrderState,
    config: JourneyConfig,
    *,
    event: NormalizedEvent | None = None,
) -> list[ProposedMessage]:
    """Messages for an order-level change (``before`` is None for an order new to doorstep)."""
    proposals: list[ProposedMessage] = []
    delivered_any = any(s.status == ShipmentStatus.DELIVERED.value for s in details.shipments)
    if before is None and after.status == OrderStatus.OPEN and not delivered_any:
        context = order_context(details, MessageKind.ORDER_CONFIRMED, config)
        proposals.append(_propose(details, MessageKind.ORDER_CONFIRMED, context))
    if (
        before is not None
        and before.status != OrderStatus.CANCELLED
        and after.status == OrderStatus.CANCELLED
    ):
        context = order_context(details, MessageKind.ORDER_CANCELLED, config)
        context["refund_status"] = after.refund_status
        proposals.append(_propose(details, MessageKind.ORDER_CANCELLED, context))
    until = after.backordered_until
    was = before.backordered_until if before else None
    if until is not None and until != was and after.status == OrderStatus.OPEN:
        proposals.append(_backordered(details, until, config, event))
    return proposals


def _backordered(
    details: OrderDetails, until: date, config: JourneyConfig, event: NormalizedEvent | None
) -> ProposedMessage:
    context = order_context(details, MessageKind.BACKORDERED, config)
    skus = event.data.get("skus") if event is not None else None
    if isinstance(skus, list) and skus:
        wanted = {str(s) for s in skus}
        context["items"] = item_dicts(i for i in details.items if i.sku in wanted) or context["items"]
    context["backordered_until"] = until.isoformat()
    return _propose(details, MessageKind.BACKORDERED, context, status=until.isoformat())


# ---------------------------------------------------------------- shipments
def shipment_proposals(
    details: OrderDetails,
    before: ShipmentState | None,
    after: ShipmentState,
    config: JourneyConfig,
    now: datetime,
) -> list[ProposedMessage]:
    """Messages for a parcel that is new (``before`` None) or changed.

    The same key may be proposed again later (``shipped`` when the label is made and again at
    the first carrier scan): the outbox keeps the first.
    """
    if _is_cancelled(details):
        return []
    proposals: list[ProposedMessage] = []
    old_status = before.status if before is not None else None
    changed = after.status != old_status
    starts_moving = before is None or (
        old_status == ShipmentStatus.PRE_TRANSIT and after.status == ShipmentStatus.IN_TRANSIT
    )
    if starts_moving and not after.finished:
        proposals.append(_shipment_message(details, after, MessageKind.SHIPPED, config, status=None))
    kind = KIND_OF_STATUS.get(after.status)
    if changed and kind is not None:
        proposals.append(_status_message(details, after, kind, config))
    elif before is not None and _eta_slipped(before, after):
        proposals.append(_delayed(details, after, config, reason="eta_revised"))
    if changed and after.status == ShipmentStatus.DELIVERED:
        proposals.extend(_after_delivery(details, after, config, now))
    return proposals


def _shipment_message(
    details: OrderDetails,
    shipment: ShipmentState,
    kind: MessageKind,
    config: JourneyConfig,
    *,
    status: str | None,
) -> ProposedMessage:
    return _propose(
        details,
        kind,
        shipment_context(details, shipment, kind, config),
        tracking_number=shipment.tracking_number,
        status=status,
        shipment_id=shipment.id,
    )


def _status_message(
    details: OrderDetails, shipment: ShipmentState, kind: MessageKind, config: JourneyConfig
) -> ProposedMessage:
    if kind == MessageKind.DELAYED:
        return _delayed(details, shipment, config, reason="carrier")
    message = _shipment_message(details, shipment, kind, config, status=shipment.status.value)
    if kind in STAFF_ALERT_KINDS:
        message.context["raw_status"] = shipment.raw_status  # for the staff alert, not the shopper
    return message


def _delayed(
    details: OrderDetails, shipment: ShipmentState, config: JourneyConfig, *, reason: str
) -> ProposedMessage:
    """One ``delayed`` key per parcel, whoever noticed the delay (carrier or sweep)."""
    message = _shipment_message(
        details, shipment, MessageKind.DELAYED, config, status=ShipmentStatus.DELAYED.value
    )
    message.context.update(_delay_fields(reason))
    return message


def _delay_fields(reason: str) -> dict[str, Any]:
    return {"delay_reason": reason, "overdue_since": None, "last_scan_at": None, "expected_ship_date": None}


def _eta_slipped(before: ShipmentState, after: ShipmentState) -> bool:
    """The carrier moved the date later than the shopper was told (or past the promise)."""
    if after.finished or after.eta is None:
        return False
    if before.eta is not None and after.eta > before.eta:
        return True
    promise = after.promised_by
    return promise is not None and after.eta > promise and (before.eta is None or before.eta <= promise)


def _after_delivery(
    details: OrderDetails, shipment: ShipmentState, config: JourneyConfig, now: datetime
) -> list[ProposedMessage]:
    delivered_at = shipment.delivered_at or shipment.last_event_at or now
    proposals: list[ProposedMessage] = []
    setup_items = [item for item in items_in(details, shipment) if item.requires_setup]
    if setup_items:
        context = shipment_context(details, shipment, MessageKind.SETUP_GUIDE, config)
        context["setup_items"] = [
            {"sku": i.sku, "name": i.name, "url": config.setup_links.get(i.sku)} for i in setup_items
        ]
        first_link = next(
            (config.setup_links[i.sku] for i in setup_items if i.sku in config.setup_links), None
        )
        context["help_url"] = first_link or context["help_url"]
        delay = config.setup_delay([i.category for i in setup_items])
        proposals.append(
            _propose(
                details,
                MessageKind.SETUP_GUIDE,
                context,
                tracking_number=shipment.tracking_number,
                status=ShipmentStatus.DELIVERED.value,
                shipment_id=shipment.id,
                not_before=delivered_at + delay,
            )
        )
    others_delivered = all(
        s.status == ShipmentStatus.DELIVERED.value for s in details.shipments if s.id != shipment.id
    )
    if others_delivered:
        last = max(
            [
                delivered_at,
                *(s.delivered_at for s in details.shipments if s.delivered_at and s.id != shipment.id),
            ]
        )
        context = order_context(details, MessageKind.REVIEW_REQUEST, config)
        context["review_url"] = config.review_url.format(order_number=details.number)
        context["delivered_at"] = iso(last)
        proposals.append(
            _propose(
                details, MessageKind.REVIEW_REQUEST, context, not_before=last + config.review_request_delay
            )
        )
    return proposals


# ---------------------------------------------------------------- refunds and returns
def refund_proposals(
    details: OrderDetails, event: NormalizedEvent, config: JourneyConfig
) -> list[ProposedMessage]:
    """``refund_issued`` for a ``refund.created`` event (one per refund id)."""
    data = event.data
    refund_id = data.get("shopify_refund_id") or data.get("refund_id") or event.event_id
    context = order_context(details, MessageKind.REFUND_ISSUED, config)
    context["amount"] = _text(data.get("amount"))
    context["currency"] = _text(data.get("currency"))
    return [_propose(details, MessageKind.REFUND_ISSUED, context, status=str(refund_id))]


def return_proposals(
    details: OrderDetails, event: NormalizedEvent, return_id: str, config: JourneyConfig
) -> list[ProposedMessage]:
    """``return_started`` for a ``return.created`` event (one per return)."""
    context = order_context(details, MessageKind.RETURN_STARTED, config)
    skus = event.data.get("skus")
    if isinstance(skus, list) and skus:
        wanted = {str(s) for s in skus}
        context["items"] = item_dicts(i for i in details.items if i.sku in wanted) or context["items"]
    context["return_label_url"] = _text(event.data.get("label_url"))
    return [_propose(details, MessageKind.RETURN_STARTED, context, status=return_id)]


def _text(value: object) -> str | None:
    return None if value is None else str(value)


# ---------------------------------------------------------------- the scheduler's sweep
def _local_today(details: OrderDetails, now: datetime) -> date:
    try:
        zone = ZoneInfo(details.customer.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return now.astimezone(zone).date()


def overdue_proposals(
    details: OrderDetails, now: datetime, *, config: JourneyConfig | None = None
) -> list[ProposedMessage]:
    """``delayed`` proposals for what is late at ``now`` with no carrier saying so.

    - a parcel not yet delivered whose date (the ETA the shopper was told, else the promise)
      is over in the shopper's time zone: ``delay_reason`` ``overdue``;
    - a parcel on its way without any scan for ``config.stalled_after``: ``stalled``;
    - an open order with nothing shipped past its expected ship date: ``not_shipped``
      (key ``<order>:delayed:-:delayed``).

    A parcel uses the same key as a carrier-reported delay, so the shopper hears it once.
    """
    config = config or JourneyConfig()
    if details.order.status != OrderStatus.OPEN.value:
        return []
    today = _local_today(details, now)
    proposals: list[ProposedMessage] = []
    for shipment in details.shipments:
        state = ShipmentState.of(shipment)
        if state.finished:
            continue
        deadline = state.eta or state.promised_by
        if deadline is not None and today > deadline:
            message = _delayed(details, state, config, reason="overdue")
            message.context["overdue_since"] = deadline.isoformat()
            proposals.append(message)
            continue
        last_seen = state.last_event_at or state.shipped_at
        if last_seen is not None and now - last_seen > config.stalled_after:
            message = _delayed(details, state, config, reason="stalled")
            message.context["last_scan_at"] = last_seen.isoformat()
            proposals.append(message)
    ship_by = details.order.expected_ship_date
    if not details.shipments and ship_by is not None and today > ship_by:
        backordered = details.order.backordered_until
        if backordered is None or backordered < today:
            context = order_context(details, MessageKind.DELAYED, config)
            context.update(EMPTY_SHIPMENT_FIELDS)
            context.update(_delay_fields("not_shipped"))
            context["expected_ship_date"] = ship_by.isoformat()
            proposals.append(
                _propose(details, MessageKind.DELAYED, context, status=ShipmentStatus.DELAYED.value)
            )
    return proposals
