"""Applying a normalized event to order and shipment state, inside the caller's transaction.

    async with store.transaction() as repos:
        outcome = await apply_event(repos, event, now, config=config)
        ...  # the notification policy turns outcome.proposals into outbox rows, same transaction

Steps: the inbox first (a second copy of ``(source, event_id)`` is a no-op); then the state
change; then the journey rules compare before and after and propose messages. An event whose
order or parcel doorstep does not know yet is *held*: its inbox row is marked pending and
it is applied when the order or parcel arrives (an ``order.created`` or ``shipment.created``
event releases what waited for it; the order import calls :func:`release_held`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum

from pydantic import ValidationError

from handlers.journey.config import JourneyConfig
from handlers.journey.errors import InvalidEvent
from handlers.journey.merge import merge_order
from handlers.journey.progression import is_stale, next_status
from handlers.journey.proposals import ProposedMessage
from handlers.journey.rules import order_proposals, refund_proposals, return_proposals, shipment_proposals
from handlers.journey.state import OrderState, ShipmentState, shipment_states
from storage.domain import EventType, NormalizedEvent, OrderStatus, ShipmentStatus, normalize_order_number
from storage.models import InboxEntry, Shipment
from storage.repositories import OrderDetails
from storage.repositories.snapshots import ShipmentRow
from storage.schemas import OrderIn
from storage.store import Repositories

log = logging.getLogger(__name__)

#: reference namespaces (inbox ``ref:`` rows) for provider ids that place later events
SHOPIFY_ORDER_REF = "shopify_order"
SHOPIFY_FULFILLMENT_REF = "shopify_fulfillment"
#: why a scan older than the parcel's latest left it as it was
STALE_REASON = "older than the current state"
#: why a scan repeating the parcel's status (and date) changed nothing
SAME_STATUS_REASON = "same status"
#: statuses that open a case for support staff, and the case kind
CASE_KIND_OF_STATUS = {
    ShipmentStatus.EXCEPTION: "carrier_exception",
    ShipmentStatus.LOST: "lost",
    ShipmentStatus.RETURNED_TO_SENDER: "returned_to_sender",
}


class OutcomeStatus(StrEnum):
    """What became of one event."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"
    HELD = "held"
    IGNORED = "ignored"


@dataclass(slots=True)
class ApplyOutcome:
    """What :func:`apply_event` did with one event.

    ``proposals`` holds every proposed message, *including* those of the held events this one
    released, each dedupe key once (``released`` lists their outcomes for reporting and their
    ``order_id``; don't process their proposals a second time).
    """

    applied: bool
    held: bool
    reason: str
    proposals: list[ProposedMessage] = field(default_factory=list)
    order_id: int | None = None
    shipment_id: int | None = None
    duplicate: bool = False
    event_id: str = ""
    source: str = ""
    released: list[ApplyOutcome] = field(default_factory=list)
    #: False when the event changed nothing (``reason`` says why; kept on its inbox row)
    changed: bool = True

    @property
    def status(self) -> OutcomeStatus:
        """applied, duplicate, held or ignored."""
        if self.applied:
            return OutcomeStatus.APPLIED
        if self.duplicate:
            return OutcomeStatus.DUPLICATE
        return OutcomeStatus.HELD if self.held else OutcomeStatus.IGNORED


@dataclass(slots=True)
class _Known:
    """Order numbers, tracking numbers and provider ids that became known (may release held events)."""

    order_numbers: set[str] = field(default_factory=set)
    tracking_numbers: set[str] = field(default_factory=set)
    shopify_orders: set[str] = field(default_factory=set)
    shopify_fulfillments: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(
            self.order_numbers or self.tracking_numbers or self.shopify_orders or self.shopify_fulfillments
        )

    def add(self, other: _Known) -> None:
        self.order_numbers |= other.order_numbers
        self.tracking_numbers |= other.tracking_numbers
        self.shopify_orders |= other.shopify_orders
        self.shopify_fulfillments |= other.shopify_fulfillments


_Result = tuple[ApplyOutcome, _Known]
_Handler = Callable[[Repositories, NormalizedEvent, datetime, JourneyConfig], Awaitable[_Result]]


# ---------------------------------------------------------------- validation
def _data_text(event: NormalizedEvent, key: str) -> str | None:
    value = event.data.get(key)
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


def _order_in(event: NormalizedEvent) -> OrderIn | None:
    raw = event.data.get("order")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise InvalidEvent("data.order: expected an object in the order import format")
    try:
        order = OrderIn.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidEvent(f"data.order.{where}: {first['msg']}") from None
    if event.order_number and event.order_number != order.order_number:
        raise InvalidEvent("order_number differs from data.order.order_number")
    return order


def _backorder_date(event: NormalizedEvent) -> date | None:
    raw = event.data.get("until")
    if raw is None:
        return event.eta
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw)[:10])
    except ValueError:
        raise InvalidEvent("data.until: expected a date like 2026-12-01") from None


def _placeable(event: NormalizedEvent) -> bool:
    return bool(
        event.order_number
        or event.tracking_number
        or _data_text(event, "shopify_order_id")
        or _data_text(event, "shopify_fulfillment_id")
    )


def check_event(event: NormalizedEvent) -> None:
    """Raise :class:`InvalidEvent` when the event lacks what its type needs.

    - ``order.created``/``order.updated``: ``data.order`` in the order import format;
    - ``order.cancelled``: ``data.order`` (valid) or something naming the order;
    - ``shipment.updated``: a tracking number (or a Shopify fulfillment id);
    - ``item.backordered``: ``data.until`` (or ``eta``) as a date;
    - every event: something that names its order or parcel.
    """
    order = _order_in(event)
    if event.type in (EventType.ORDER_CREATED, EventType.ORDER_UPDATED) and order is None:
        raise InvalidEvent(f"{event.type.value}: data.order is required (an order in the import format)")
    if order is None and not _placeable(event):
        raise InvalidEvent(f"{event.type.value}: needs order_number or tracking_number")
    if (
        event.type == EventType.SHIPMENT_UPDATED
        and not event.tracking_number
        and not _data_text(event, "shopify_fulfillment_id")
    ):
        raise InvalidEvent("shipment.updated: tracking_number is required")
    if event.type == EventType.ITEM_BACKORDERED and _backorder_date(event) is None:
        raise InvalidEvent("item.backordered: data.until (the new date) is required")


# ---------------------------------------------------------------- finding the order and parcel
async def _referenced_order(repos: Repositories, event: NormalizedEvent) -> str | None:
    shopify_id = _data_text(event, "shopify_order_id")
    if event.source != "shopify" or shopify_id is None:
        return None
    ref = await repos.inbox.ref(namespace=SHOPIFY_ORDER_REF, external_id=shopify_id)
    return str(ref["order_number"]) if ref and ref.get("order_number") else None


async def _find_shipment(repos: Repositories, event: NormalizedEvent) -> Shipment | None:
    if event.tracking_number:
        return await repos.orders.current_shipment(tracking_number=event.tracking_number)
    fulfillment = _data_text(event, "shopify_fulfillment_id")
    if event.source == "shopify" and fulfillment is not None:
        ref = await repos.inbox.ref(namespace=SHOPIFY_FULFILLMENT_REF, external_id=fulfillment)
        if ref and ref.get("tracking_number"):
            return await repos.orders.current_shipment(tracking_number=str(ref["tracking_number"]))
    return None


async def _find_order_id(repos: Repositories, event: NormalizedEvent) -> int | None:
    """The order an event is about: by its parcel, its number, then a provider's order id."""
    if event.tracking_number:
        shipment = await repos.orders.current_shipment(tracking_number=event.tracking_number)
        if shipment is not None:
            return shipment.order_id
    for number in (event.order_number, await _referenced_order(repos, event)):
        if number:
            order = await repos.orders.by_number(order_number=normalize_order_number(number))
            if order is not None:
                return order.id
    return None


def _held(event: NormalizedEvent, what: str) -> _Result:
    return ApplyOutcome(applied=False, held=True, reason=f"held: {what} not known yet"), _Known()


def _unknown(event: NormalizedEvent) -> str:
    if event.order_number:
        return f"order {event.order_number}"
    if event.tracking_number:
        return "tracking number"
    return "order"


async def _remember_refs(
    repos: Repositories, event: NormalizedEvent, details: OrderDetails, known: _Known
) -> None:
    if event.source != "shopify":
        return
    shopify_order = _data_text(event, "shopify_order_id")
    if shopify_order is not None:
        await repos.inbox.remember_ref(
            namespace=SHOPIFY_ORDER_REF, external_id=shopify_order, order_number=details.number
        )
        known.shopify_orders.add(shopify_order)
    fulfillment = _data_text(event, "shopify_fulfillment_id")
    if fulfillment is not None and event.tracking_number:
        await repos.inbox.remember_ref(
            namespace=SHOPIFY_FULFILLMENT_REF,
            external_id=fulfillment,
            order_number=details.number,
            tracking_number=event.tracking_number,
        )
        known.shopify_fulfillments.add(fulfillment)


async def _details(repos: Repositories, order_id: int) -> OrderDetails:
    details = await repos.orders.current_details(order_id=order_id)
    if details is None:  # pragma: no cover - the id was read in this transaction
        raise InvalidEvent(f"order {order_id} vanished")
    return details


def _applied(
    details: OrderDetails, reason: str, proposals: list[ProposedMessage], shipment_id: int | None = None
) -> ApplyOutcome:
    return ApplyOutcome(
        applied=True,
        held=False,
        reason=reason,
        proposals=proposals,
        order_id=details.order.id,
        shipment_id=shipment_id,
    )


# ---------------------------------------------------------------- orders
async def _record_shipment_changes(
    repos: Repositories,
    event: NormalizedEvent,
    before: dict[str, ShipmentState],
    after: dict[str, ShipmentState],
) -> None:
    for number, state in after.items():
        old = before.get(number)
        if old is None or old.status != state.status:
            await repos.orders.add_tracking_event(
                shipment_id=state.id,
                occurred_at=event.occurred_at,
                status=state.status.value,
                substatus=None,
                raw_status=None,
                location=None,
                source=event.source,
                event_id=event.event_id,
            )


async def _upsert_order(
    repos: Repositories, event: NormalizedEvent, incoming: OrderIn, now: datetime, config: JourneyConfig
) -> _Result:
    if event.type == EventType.ORDER_CANCELLED:
        incoming = incoming.model_copy(update={"status": OrderStatus.CANCELLED})
    found = await repos.orders.by_number(order_number=incoming.order_number)
    existing = await repos.orders.current_details(order_id=found.id) if found is not None else None  # type: ignore[arg-type]
    before_order = OrderState.of(existing.order) if existing is not None else None
    before_ships = shipment_states(existing)
    await repos.orders.upsert_many([merge_order(incoming, existing, occurred_at=event.occurred_at)])
    order = await repos.orders.by_number(order_number=incoming.order_number)
    details = await _details(repos, int(order.id))  # type: ignore[union-attr, arg-type]
    after_ships = shipment_states(details)
    await _record_shipment_changes(repos, event, before_ships, after_ships)
    known = _Known(order_numbers={details.number}, tracking_numbers=set(after_ships) - set(before_ships))
    await _remember_refs(repos, event, details, known)
    proposals = order_proposals(details, before_order, OrderState.of(details.order), config, event=event)
    for number, after in after_ships.items():
        before = before_ships.get(number)
        if before is None or before.status != after.status or before.eta != after.eta:
            proposals.extend(shipment_proposals(details, before, after, config, now))
    reason = "order created" if existing is None else "order updated"
    return _applied(details, reason, proposals), known


async def _order_event(
    repos: Repositories, event: NormalizedEvent, now: datetime, config: JourneyConfig
) -> _Result:
    incoming = _order_in(event)
    if incoming is not None:
        return await _upsert_order(repos, event, incoming, now, config)
    # order.cancelled naming only the order
    order_id = await _find_order_id(repos, event)
    if order_id is None:
        return _held(event, _unknown(event))
    before = await _details(repos, order_id)
    before_state = OrderState.of(before.order)
    already = before_state.status == OrderStatus.CANCELLED
    if not already:
        await repos.orders.set_status(order_id=order_id, status=OrderStatus.CANCELLED.value)
    details = await _details(repos, order_id)
    known = _Known()
    await _remember_refs(repos, event, details, known)
    proposals = order_proposals(details, before_state, OrderState.of(details.order), config, event=event)
    if already:
        outcome = _applied(details, f"{SAME_STATUS_REASON}: already cancelled", proposals)
        outcome.changed = False
        return outcome, known
    return _applied(details, "order cancelled", proposals), known


# ---------------------------------------------------------------- shipments
def _log_raw_status(event: NormalizedEvent) -> None:
    if event.raw_status:
        log.warning(
            "%s sent an unknown shipment status %r (event %s): kept as exception",
            event.source,
            event.raw_status,
            event.event_id,
        )


async def _open_case(
    repos: Repositories, details: OrderDetails, status: ShipmentStatus, tracking: str
) -> None:
    kind = CASE_KIND_OF_STATUS.get(status)
    if kind is None:
        return
    if any(case.kind == kind for case in await repos.cases.open_for_order(order_id=int(details.order.id))):  # type: ignore[arg-type]
        return
    await repos.cases.open(
        order_id=int(details.order.id),  # type: ignore[arg-type]
        customer_id=details.customer.id,
        kind=kind,
        description=f"carrier reported {status.value} for parcel {tracking}",
    )


async def _create_shipment(
    repos: Repositories, event: NormalizedEvent, order_id: int, tracking_number: str
) -> Shipment:
    status = event.status or ShipmentStatus.PRE_TRANSIT
    skus = event.data.get("skus")
    shipment = await repos.orders.add_shipment(
        order_id=order_id,
        carrier=_data_text(event, "carrier") or "unknown",
        tracking_number=tracking_number,
        tracking_url=_data_text(event, "tracking_url"),
        status=status.value,
        eta=event.eta,
        skus=[str(s) for s in skus] if isinstance(skus, list) else [],
        shipped_at=event.occurred_at,
    )
    await repos.orders.update_shipment(
        shipment_id=int(shipment.id),  # type: ignore[arg-type]
        raw_status=event.raw_status,
        location=event.location,
        event_at=event.occurred_at,
        delivered_at=event.occurred_at if status == ShipmentStatus.DELIVERED else None,
    )
    return shipment


async def _track(
    repos: Repositories, event: NormalizedEvent, shipment: Shipment, before: ShipmentState
) -> tuple[str, ShipmentState]:
    """Apply a scan to an existing parcel; returns the reason text and the parcel after it.

    A scan older than the parcel's latest is kept out unless its status ends the journey
    (``progression.ends_the_journey``: clocks differ between sources); applied, it never moves
    the parcel's latest scan time back, nor its date.
    """
    new_status = next_status(
        before.status, event.status, occurred_at=event.occurred_at, last_event_at=before.last_event_at
    )
    stale = is_stale(event.occurred_at, before.last_event_at)
    if stale and new_status == before.status:
        reason = f"{STALE_REASON}: kept {before.status.value}"
    elif event.status is not None and new_status != event.status:
        reason = f"{event.status.value} may not follow {before.status.value}: kept"
    else:
        # what the scan changes (None: unchanged)
        status = new_status if new_status != before.status else None
        raw_status = event.raw_status if event.status is not None else None
        delivered_at = (
            event.occurred_at
            if new_status == ShipmentStatus.DELIVERED and before.status != ShipmentStatus.DELIVERED
            else None
        )
        tracking_url = None if before.tracking_url else _data_text(event, "tracking_url")
        eta, event_at = (None, None) if stale else (event.eta, event.occurred_at)
        await repos.orders.update_shipment(
            shipment_id=before.id,
            status=None if status is None else status.value,
            raw_status=raw_status,
            eta=eta,
            location=event.location,
            event_at=event_at,
            delivered_at=delivered_at,
            tracking_url=tracking_url,
        )
        changed = {
            "status": status,
            "raw_status": raw_status,
            "eta": eta,
            "last_location": event.location,
            "last_event_at": event_at,
            "delivered_at": delivered_at,
            "tracking_url": tracking_url,
        }
        return "shipment updated", replace(before, **{k: v for k, v in changed.items() if v is not None})
    log.info("event %s for parcel %s: %s", event.event_id, before.tracking_number, reason)
    return reason, before


def _needs_order(event: NormalizedEvent) -> bool:
    """Whether applying the event needs the order loaded even when nothing moved (references)."""
    return event.source == "shopify" and (
        _data_text(event, "shopify_order_id") is not None
        or _data_text(event, "shopify_fulfillment_id") is not None
    )


#: the events applied to a parcel (the others read their order)
_SCANS = frozenset({EventType.SHIPMENT_CREATED, EventType.SHIPMENT_UPDATED})


def may_need_order(events: Iterable[NormalizedEvent]) -> Callable[[Shipment | ShipmentRow], bool]:
    """For loading a batch's parcels ahead: whether applying ``events`` may read a parcel's order.

    A scan that repeats the parcel's status and date reads no order (see :func:`_shipment_event`);
    any other event about the parcel may. This only saves reading orders ahead that no rule asks
    for: an order left out is read when a rule asks for it.
    """
    by_tracking: dict[str, list[NormalizedEvent]] = {}
    for event in events:
        if event.tracking_number:
            by_tracking.setdefault(event.tracking_number, []).append(event)

    def needs(shipment: Shipment | ShipmentRow) -> bool:
        return any(
            event.type not in _SCANS
            or _needs_order(event)
            or (event.status is not None and event.status.value != shipment.status)
            or (event.eta is not None and event.eta != shipment.eta)
            for event in by_tracking.get(shipment.tracking_number, ())
        )

    return needs


async def _shipment_event(
    repos: Repositories, event: NormalizedEvent, now: datetime, config: JourneyConfig
) -> _Result:
    shipment = await _find_shipment(repos, event)
    known = _Known()
    before: ShipmentState | None = None
    if shipment is None:
        if not event.tracking_number:
            if event.type == EventType.SHIPMENT_CREATED:
                return ApplyOutcome(applied=False, held=False, reason="ignored: no tracking number"), known
            return _held(event, "parcel")
        order_id = await _find_order_id(repos, event)
        if order_id is None:
            return _held(event, _unknown(event))
        shipment = await _create_shipment(repos, event, order_id, event.tracking_number)
        known.tracking_numbers.add(event.tracking_number)
        reason, after = "shipment created", None
    else:
        before = ShipmentState.of(shipment)
        reason, after = await _track(repos, event, shipment, before)
    shipment_id, order_id = int(shipment.id), int(shipment.order_id)  # type: ignore[arg-type]
    _log_raw_status(event)
    await repos.orders.add_tracking_event(
        shipment_id=shipment_id,
        occurred_at=event.occurred_at,
        status=(event.status or (before.status if before else ShipmentStatus.PRE_TRANSIT)).value,
        substatus=event.substatus,
        raw_status=event.raw_status,
        location=event.location,
        source=event.source,
        event_id=event.event_id,
    )
    moved = before is None or after is None or after.status != before.status or after.eta != before.eta
    # a scan repeating the status, date and place changes nothing (it only refreshes the time)
    same_place = before is not None and after is not None and after.last_location == before.last_location
    noop = same_place and not moved
    if noop and reason == "shipment updated":
        reason = f"{SAME_STATUS_REASON}: {before.status.value}"  # type: ignore[union-attr]
    if not moved and not _needs_order(event):
        # a scan that changes neither status nor date proposes nothing: skip loading the order
        return ApplyOutcome(
            applied=True,
            held=False,
            reason=reason,
            order_id=order_id,
            shipment_id=shipment_id,
            changed=not noop,
        ), known
    details = await _details(repos, order_id)
    if after is None:
        after = next(ShipmentState.of(s) for s in details.shipments if s.id == shipment_id)
    await _remember_refs(repos, event, details, known)
    if before is None or after.status != before.status:
        await _open_case(repos, details, after.status, shipment.tracking_number)
    proposals = shipment_proposals(details, before, after, config, now) if moved else []
    outcome = _applied(details, reason, proposals, shipment_id=shipment_id)
    outcome.changed = not noop
    return outcome, known


# ---------------------------------------------------------------- refunds, returns, backorders
async def _refund_event(
    repos: Repositories, event: NormalizedEvent, now: datetime, config: JourneyConfig
) -> _Result:
    order_id = await _find_order_id(repos, event)
    if order_id is None:
        return _held(event, _unknown(event))
    await repos.orders.set_refund_status(order_id=order_id, refund_status="issued")
    details = await _details(repos, order_id)
    return _applied(details, "refund recorded", refund_proposals(details, event, config)), _Known()


async def _return_event(
    repos: Repositories, event: NormalizedEvent, now: datetime, config: JourneyConfig
) -> _Result:
    order_id = await _find_order_id(repos, event)
    if order_id is None:
        return _held(event, _unknown(event))
    details = await _details(repos, order_id)
    skus = event.data.get("skus")
    await repos.returns.create(
        order_id=order_id,
        customer_id=details.customer.id,
        skus=[str(s) for s in skus] if isinstance(skus, list) else [],
        reason=(_data_text(event, "reason") or "")[:500] or None,
    )
    return_id = _data_text(event, "return_id") or event.event_id
    return _applied(details, "return recorded", return_proposals(details, event, return_id, config)), _Known()


async def _backorder_event(
    repos: Repositories, event: NormalizedEvent, now: datetime, config: JourneyConfig
) -> _Result:
    order_id = await _find_order_id(repos, event)
    if order_id is None:
        return _held(event, _unknown(event))
    before = await _details(repos, order_id)
    before_state = OrderState.of(before.order)
    await repos.orders.set_backordered(order_id=order_id, until=_backorder_date(event))
    details = await _details(repos, order_id)
    proposals = order_proposals(details, before_state, OrderState.of(details.order), config, event=event)
    return _applied(details, "backorder recorded", proposals), _Known()


_HANDLERS: dict[EventType, _Handler] = {
    EventType.ORDER_CREATED: _order_event,
    EventType.ORDER_UPDATED: _order_event,
    EventType.ORDER_CANCELLED: _order_event,
    EventType.SHIPMENT_CREATED: _shipment_event,
    EventType.SHIPMENT_UPDATED: _shipment_event,
    EventType.REFUND_CREATED: _refund_event,
    EventType.RETURN_CREATED: _return_event,
    EventType.ITEM_BACKORDERED: _backorder_event,
}


# ---------------------------------------------------------------- held events
async def _pending_entries(repos: Repositories, known: _Known) -> list[InboxEntry]:
    found: dict[int, InboxEntry] = {}
    for number in sorted(known.order_numbers):
        for entry in await repos.inbox.pending_for(order_number=number, tracking_numbers=[]):
            found[int(entry.id)] = entry  # type: ignore[arg-type]
    if known.tracking_numbers:
        for entry in await repos.inbox.pending_for(
            order_number=None, tracking_numbers=sorted(known.tracking_numbers)
        ):
            found[int(entry.id)] = entry  # type: ignore[arg-type]
    if known.shopify_orders or known.shopify_fulfillments:
        for entry in await repos.inbox.pending_unaddressed(source="shopify"):
            data = (entry.payload or {}).get("data") or {}
            if (
                str(data.get("shopify_order_id")) in known.shopify_orders
                or str(data.get("shopify_fulfillment_id")) in known.shopify_fulfillments
            ):
                found[int(entry.id)] = entry  # type: ignore[arg-type]
    return [found[key] for key in sorted(found)]


async def _release(
    repos: Repositories, known: _Known, now: datetime, config: JourneyConfig
) -> list[ApplyOutcome]:
    """Apply held events that ``known`` makes placeable, oldest first, until none is left."""
    released: list[ApplyOutcome] = []
    tried: set[int] = set()
    while known:
        entries = [e for e in await _pending_entries(repos, known) if e.id not in tried]
        known = _Known()
        for entry in entries:
            tried.add(int(entry.id))  # type: ignore[arg-type]
            event = NormalizedEvent.model_validate(entry.payload)
            outcome, more = await _HANDLERS[event.type](repos, event, now, config)
            if outcome.held:
                continue
            await repos.inbox.mark_processed(entry_id=int(entry.id))  # type: ignore[arg-type]
            outcome.event_id, outcome.source = event.event_id, event.source
            outcome.reason = f"released: {outcome.reason}"
            log.info("held event %s/%s released: %s", event.source, event.event_id, outcome.reason)
            released.append(outcome)
            known.add(more)
    return released


async def release_held(
    repos: Repositories, order_numbers: Iterable[str], now: datetime, *, config: JourneyConfig | None = None
) -> list[ApplyOutcome]:
    """Apply the held events waiting for these orders (or their parcels), in arrival order.

    For the order import: call it in a transaction after the orders are written, and hand
    every returned outcome's proposals to the notification policy.
    """
    config = config or JourneyConfig()
    known = _Known()
    for number in order_numbers:
        known.order_numbers.add(number)
        order = await repos.orders.by_number(order_number=number)
        details = await repos.orders.current_details(order_id=order.id) if order and order.id else None
        if details is not None:
            known.tracking_numbers.update(s.tracking_number for s in details.shipments)
    return await _release(repos, known, now, config)


# ---------------------------------------------------------------- the entry point
async def apply_event(
    repos: Repositories, event: NormalizedEvent, now: datetime, *, config: JourneyConfig | None = None
) -> ApplyOutcome:
    """Record ``event`` in the inbox, update order/shipment state and propose messages.

    Runs inside the caller's transaction and commits nothing itself. A second copy of the
    same ``(source, event_id)`` is ``duplicate`` with no proposals (counted on the first copy's
    inbox row). An event naming an order or parcel not known yet is ``held`` (kept pending). An
    event that changes nothing keeps its reason on its inbox row, for the order's timeline. Raises :class:`InvalidEvent` (before
    writing anything) when the event lacks what its type needs; call :func:`check_event` first
    to answer 400 without a transaction.
    """
    config = config or JourneyConfig()
    check_event(event)
    fresh = await repos.inbox.record_event(event=event)
    if not fresh:
        await repos.inbox.note_duplicate(source=event.source, external_id=event.event_id, at=now)
        return ApplyOutcome(
            applied=False,
            held=False,
            duplicate=True,
            reason="duplicate",
            event_id=event.event_id,
            source=event.source,
        )
    outcome, known = await _HANDLERS[event.type](repos, event, now, config)
    outcome.event_id, outcome.source = event.event_id, event.source
    if not outcome.held and (not outcome.applied or not outcome.changed):
        await repos.inbox.note_outcome(
            source=event.source, external_id=event.event_id, outcome=outcome.reason
        )
    if outcome.held:
        await repos.inbox.mark_pending(source=event.source, external_id=event.event_id)
        log.info("event %s/%s (%s) %s", event.source, event.event_id, event.type.value, outcome.reason)
        return outcome
    if known:
        outcome.released = await _release(repos, known, now, config)
        keys = {p.dedupe_key for p in outcome.proposals}
        for released in outcome.released:
            for proposal in released.proposals:
                if proposal.dedupe_key not in keys:
                    keys.add(proposal.dedupe_key)
                    outcome.proposals.append(proposal)
    return outcome
