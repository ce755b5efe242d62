"""Everything the notification policy looks at, loaded in a few queries for many orders at once.

The policy itself is pure (:mod:`bot.notify.policy`); this module reads the orders, their
customers' identities and preferences, the messages already queued or sent and the dedupe keys
already decided, and (only for review requests) what the reputation guard needs.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.notify.recipients import NO_CHAT_REASONS
from handlers.journey.proposals import MessageKind
from storage.models import ChannelIdentity, Customer, NotificationPreference, OutboxMessage
from storage.repositories.orders import OrderDetails
from storage.repositories.snapshots import (
    CustomerRow,
    IdentityRow,
    MessageRow,
    PreferenceRow,
    payload_category,
    payload_shipment_id,
)
from storage.store import Repositories

#: return requests in these states are over; any other state counts as an open return
CLOSED_RETURN_STATUSES = frozenset({"closed", "completed", "refunded", "cancelled", "rejected", "done"})


@dataclass(slots=True)
class MessageView:
    """One outbox message of an order, as the policy sees it (``id`` None: written by this batch).

    ``category`` and ``shipment_id`` are the payload's (see :meth:`of`). ``payload`` is the
    whole payload for messages planned in this batch and for :meth:`of`; messages read in bulk
    (:meth:`of_row`) carry only those two fields of it.
    """

    id: int | None
    dedupe_key: str
    kind: str
    status: str
    channel: str
    recipient: str
    scheduled_at: datetime
    created_at: datetime | None
    payload: dict[str, object] = field(default_factory=dict)
    customer_id: int | None = None
    last_error: str | None = None
    #: the message's preference category (the payload's ``category`` when a string)
    category: str | None = None
    #: the shipment the message is about (the payload's ``shipment_id`` when an integer)
    shipment_id: int | None = None

    @property
    def counts_as_touch(self) -> bool:
        """Queued, being sent or sent (cancelled and failed messages did not reach the shopper)."""
        return self.status in ("pending", "sending", "sent")

    @classmethod
    def planned(
        cls,
        *,
        dedupe_key: str,
        kind: str,
        channel: str,
        recipient: str,
        scheduled_at: datetime,
        created_at: datetime,
        payload: dict[str, object],
        customer_id: int | None,
    ) -> MessageView:
        """A new pending message (category and shipment read from ``payload``)."""
        return cls(
            id=None,
            dedupe_key=dedupe_key,
            kind=kind,
            status="pending",
            channel=channel,
            recipient=recipient,
            scheduled_at=scheduled_at,
            created_at=created_at,
            payload=payload,
            customer_id=customer_id,
            category=payload_category(payload),
            shipment_id=payload_shipment_id(payload),
        )

    @classmethod
    def of(cls, row: OutboxMessage) -> MessageView:
        """View of a stored outbox row."""
        payload = dict(row.payload or {})
        return cls._stored(
            row, payload=payload, category=payload_category(payload), shipment_id=payload_shipment_id(payload)
        )

    @classmethod
    def of_row(cls, row: MessageRow) -> MessageView:
        """View of a stored outbox row read in bulk (no payload beyond category and shipment)."""
        return cls._stored(row, payload={}, category=row.category, shipment_id=row.shipment_id)

    @classmethod
    def _stored(
        cls,
        row: OutboxMessage | MessageRow,
        *,
        payload: dict[str, object],
        category: str | None,
        shipment_id: int | None,
    ) -> MessageView:
        """The columns every stored message has, with its payload facts as given."""
        return cls(
            id=row.id,
            dedupe_key=row.dedupe_key,
            kind=row.kind,
            status=row.status,
            channel=row.channel,
            recipient=row.recipient,
            scheduled_at=row.scheduled_at,
            created_at=row.created_at,
            payload=payload,
            customer_id=row.customer_id,
            last_error=row.last_error,
            category=category,
            shipment_id=shipment_id,
        )


@dataclass(slots=True)
class CustomerFacts:
    """A customer with the chat identities verified for them and their preferences."""

    customer: Customer | CustomerRow
    identities: Sequence[ChannelIdentity | IdentityRow]
    preference: NotificationPreference | PreferenceRow | None


@dataclass(frozen=True, slots=True)
class GuardFacts:
    """What the reputation guard weighs before a review request."""

    open_case_kinds: tuple[str, ...] = ()
    open_returns: int = 0
    open_handoff: bool = False
    last_contact_at: datetime | None = None


@dataclass(slots=True)
class OrderFacts:
    """One order and everything about it the policy needs."""

    details: OrderDetails
    customer: CustomerFacts
    messages: list[MessageView]
    decided: set[str]
    guard: GuardFacts | None = None
    #: decided keys held back only because the customer had no chat to push to, never queued:
    #: the policy decides them again once there is one
    waiting: set[str] = field(default_factory=set)

    @property
    def order_id(self) -> int:
        """The order's id."""
        return int(self.details.order.id or 0)


async def load_guards(repos: Repositories, details: Sequence[OrderDetails]) -> dict[int, GuardFacts]:
    """Open cases, open returns, open handoffs and last support contact, for several orders at once."""
    if not details:
        return {}
    order_ids = [int(d.order.id or 0) for d in details]
    customer_ids = sorted({int(d.customer.id or 0) for d in details})
    cases = await repos.cases.open_for_orders(order_ids=order_ids)
    returns = await repos.returns.for_orders(order_ids=order_ids)
    open_handoffs = await repos.handoffs.open_customers(customer_ids=customer_ids)
    contacts = await repos.handoffs.last_contacts(customer_ids=customer_ids)
    guards: dict[int, GuardFacts] = {}
    for d in details:
        oid, cid = int(d.order.id or 0), int(d.customer.id or 0)
        guards[oid] = GuardFacts(
            open_case_kinds=tuple(c.kind for c in cases.get(oid, [])),
            open_returns=sum(1 for r in returns.get(oid, []) if r.status not in CLOSED_RETURN_STATUSES),
            open_handoff=cid in open_handoffs,
            last_contact_at=contacts.get(cid),
        )
    return guards


def _any_pending(messages: Iterable[MessageView]) -> bool:
    return any(m.status == "pending" for m in messages)


async def load_facts(
    repos: Repositories,
    order_ids: Sequence[int],
    *,
    guard_for: Collection[int] = (),
    decide_for: Collection[int] | None = None,
    waiting_for: Collection[int] = (),
) -> dict[int, OrderFacts]:
    """Facts of these orders (missing orders are absent); ``guard_for`` orders also get guard facts,
    ``waiting_for`` orders their delays held back for want of a chat (:attr:`OrderFacts.waiting`).

    ``decide_for``, when given, names the orders the policy will decide proposals for; the
    others get only what superseding their pending messages needs (details and messages: no
    identities or preferences, and ``decided`` holds only their messages' keys), and only when
    they have a pending message (nothing else can be superseded).
    """
    messages: dict[int, list[MessageView]] = {}
    for row in await repos.outbox.message_rows(order_ids=order_ids):
        messages.setdefault(row.order_id or 0, []).append(MessageView.of_row(row))
    if decide_for is not None:
        order_ids = [i for i in order_ids if i in decide_for or _any_pending(messages.get(i, ()))]
    details = await repos.orders.detail_rows(order_ids=order_ids)
    if not details:
        return {}
    full = details if decide_for is None else [d for d in details if d.order.id in decide_for]
    full_ids = [int(d.order.id or 0) for d in full]
    customer_ids = sorted({int(d.customer.id or 0) for d in full})
    identities = await repos.identities.verified_rows(customer_ids=customer_ids) if customer_ids else {}
    preferences = (
        await repos.preferences.rows_for_customers(customer_ids=customer_ids) if customer_ids else {}
    )
    decided = await repos.decisions.decided_keys(order_ids=full_ids) if full_ids else {}
    guards = await load_guards(repos, [d for d in full if d.order.id in guard_for]) if guard_for else {}
    held = (
        await repos.decisions.suppressed_keys(
            order_ids=[i for i in full_ids if i in waiting_for],
            kinds=[MessageKind.DELAYED.value],
            reasons=sorted(NO_CHAT_REASONS),
        )
        if waiting_for
        else {}
    )
    customers: dict[int, CustomerFacts] = {}
    for d in details:
        cid = int(d.customer.id or 0)
        if cid not in customers:
            customers[cid] = CustomerFacts(
                customer=d.customer, identities=identities.get(cid, []), preference=preferences.get(cid)
            )
    facts: dict[int, OrderFacts] = {}
    for d in details:
        oid = int(d.order.id or 0)
        views = messages.get(oid, [])
        keys = decided.get(oid)
        known = {m.dedupe_key for m in views}
        facts[oid] = OrderFacts(
            details=d,
            customer=customers[int(d.customer.id or 0)],
            messages=views,
            decided=known | keys if keys else known,
            guard=guards.get(oid),
            waiting=held.get(oid, set()) - known,
        )
    return facts
