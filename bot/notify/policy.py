"""The notification policy: send now, defer or suppress each proposed message, and say why.

Pure code over :class:`~bot.notify.facts.OrderFacts` (loaded in bulk by :mod:`bot.notify.facts`);
it fills a :class:`Plan` that :mod:`bot.notify.enqueue` writes in the caller's transaction.
For each proposal, in this order:

1. a dedupe key already decided (queued, sent or suppressed before) is a duplicate: nothing happens,
   except a delay suppressed only because the customer had no chat to push to and never queued:
   it is decided again once a chat is linked (the sweep proposes it while the parcel is overdue);
2. a message already superseded by the order's state is suppressed (an unsent "shipped" once the
   parcel is delivered; a setup guide before delivery; anything but cancellation news for a
   cancelled order);
   then a non-urgent shipping update for a customer in the holdout group (``HOLDOUT_PERCENT``,
   :func:`storage.repositories.reports.in_holdout`) is suppressed with the reason ``holdout``;
3. a category the customer opted out of (preferences, or every eligible identity) is suppressed;
4. the recipient is the customer's preferred verified identity that accepted updates and is
   reachable, else the next one; none -> suppressed with the reason;
5. a new shipping status for a shipment whose previous shipping message is still pending and less
   than 10 minutes old replaces it ("consolidated");
6. beyond ``max_touches_per_order`` proactive messages per order, non-urgent ones are suppressed;
7. timed messages wait for ``not_before``; a review request waits while the reputation guard
   holds; non-urgent messages wait out the customer's quiet hours (local time) -> deferred;
8. the message is rendered now and stored in the outbox payload.

Pending messages an event made stale are cancelled first (``supersede_pending``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.config import Settings
from bot.notify.facts import CustomerFacts, MessageView, OrderFacts
from bot.notify.guard import review_hold
from bot.notify.payload import reply_to_payload
from bot.notify.quiet_hours import customer_zone, parse_clock_time, quiet_until
from bot.notify.recipients import choose_recipient
from bot.notify.staff import STAFF_HANDOFF_KIND, STAFF_HANDOFF_MESSAGE_KIND
from bot.notify.staleness import superseded_reason
from bot.report.kinds import HOLDOUT_KINDS
from handlers.journey.proposals import CATEGORY_OF_KIND, URGENT_KINDS, MessageKind, ProposedMessage
from handlers.messages import Reply
from handlers.templates.errors import TemplatesError
from storage.repositories.outbox import NewDecision, NewOutboxRow
from storage.repositories.reports import in_holdout

log = logging.getLogger(__name__)

#: renders a message kind in a locale with the proposal's context (handlers.templates.render.render)
Renderer = Callable[[MessageKind, str, Mapping[str, Any]], Reply]

#: rapid scans of one shipment within this window are consolidated into one message
CONSOLIDATION_WINDOW = timedelta(minutes=10)
#: outbox kind of the Slack alert some proposals ask for (exception, lost, returned to sender)
STAFF_ALERT_KIND = "staff_alert"
#: outbox kinds addressed to staff in Slack, not to the shopper (never a touch, never superseded)
STAFF_KINDS = frozenset({STAFF_ALERT_KIND, STAFF_HANDOFF_KIND, STAFF_HANDOFF_MESSAGE_KIND})
STAFF_CHANNEL = "slack"
SHIPPING_CATEGORY = "shipping_updates"
#: the decision-log reason of a message held back from the holdout (control) group
HOLDOUT_REASON = "holdout"


class Decision(StrEnum):
    """What happened to a proposed (or queued) message; the decision log's ``decision`` column."""

    QUEUED = "queued"
    DEFERRED = "deferred"
    SUPPRESSED = "suppressed"
    DUPLICATE = "duplicate"
    CANCELLED = "cancelled"
    HELD = "held"
    REROUTED = "rerouted"
    RETRYING = "retrying"
    FAILED = "failed"
    #: a stopped process was sending it: recorded as sent, not sent again
    UNCONFIRMED = "unconfirmed"


@dataclass(frozen=True, slots=True)
class PolicyOutcome:
    """The policy's verdict on one proposal."""

    kind: str
    dedupe_key: str
    decision: Decision
    reason: str
    scheduled_at: datetime | None = None
    channel: str | None = None


@dataclass(slots=True)
class Plan:
    """Writes a batch of policy decisions needs: new rows, cancellations, decision log entries."""

    new_messages: list[tuple[MessageView, int]] = field(default_factory=list)
    cancellations: list[tuple[MessageView, int, str]] = field(default_factory=list)
    decisions: list[NewDecision] = field(default_factory=list)

    def log(self, now: datetime, order_id: int, kind: str, decision: Decision, reason: str, key: str) -> None:
        """Add a decision log entry."""
        self.decisions.append(
            NewDecision(
                kind=kind,
                decision=decision.value,
                reason=reason,
                created_at=now,
                order_id=order_id,
                dedupe_key=key,
            )
        )

    def cancel(self, message: MessageView, order_id: int, reason: str) -> None:
        """Cancel a pending message (an existing row, or one planned in this batch)."""
        message.status = "cancelled"
        message.last_error = reason
        self.cancellations.append((message, order_id, reason))

    def new_rows(self) -> list[NewOutboxRow]:
        """Outbox rows to insert, with their final status (a row cancelled in the batch stays cancelled)."""
        return [
            NewOutboxRow(
                dedupe_key=m.dedupe_key,
                kind=m.kind,
                channel=m.channel,
                recipient=m.recipient,
                payload=m.payload,
                scheduled_at=m.scheduled_at,
                created_at=m.created_at or m.scheduled_at,
                order_id=order_id,
                customer_id=m.customer_id,
                status=m.status,
                last_error=m.last_error,
            )
            for m, order_id in self.new_messages
        ]


def _when(at: datetime) -> str:
    return f"{at:%Y-%m-%d %H:%M} UTC"


def _quiet_window(customer: CustomerFacts, settings: Settings) -> tuple[str, str]:
    """The shopper's own quiet hours where they chose them, else the operator's."""
    pref = customer.preference
    start = pref.quiet_start if pref is not None else None
    end = pref.quiet_end if pref is not None else None
    return start or settings.quiet_hours_start, end or settings.quiet_hours_end


def quiet_end(customer: CustomerFacts, settings: Settings, at: datetime) -> datetime | None:
    """End of the customer's quiet hours (their preference, else the settings) if ``at`` is inside."""
    start, end = _quiet_window(customer, settings)
    zone = customer_zone(customer.customer.timezone)
    return quiet_until(at, zone=zone, start=parse_clock_time(start), end=parse_clock_time(end))


def quiet_label(customer: CustomerFacts, settings: Settings) -> str:
    """``"quiet hours 21:00-08:00 America/New_York"``."""
    start, end = _quiet_window(customer, settings)
    return f"quiet hours {start}-{end} {customer.customer.timezone or 'UTC'}"


class NotificationPolicy:
    """Decides the fate of proposed messages (see the module docstring for the rules)."""

    def __init__(self, settings: Settings, renderer: Renderer) -> None:
        self._settings = settings
        self._render = renderer

    # ---- stale pending messages ----------------------------------------------------------------
    def supersede_pending(self, facts: OrderFacts, plan: Plan, now: datetime) -> None:
        """Cancel the order's pending messages that its current state has made stale."""
        for message in facts.messages:
            if message.status != "pending" or message.kind in STAFF_KINDS:
                continue
            reason = superseded_reason(message.kind, message.shipment_id, facts.details)
            if reason is not None:
                plan.cancel(message, facts.order_id, reason)
                if message.id is not None:
                    continue  # logged by the writer once the row is really cancelled
                plan.log(now, facts.order_id, message.kind, Decision.CANCELLED, reason, message.dedupe_key)

    # ---- one proposal --------------------------------------------------------------------------
    def decide(
        self, proposal: ProposedMessage, facts: OrderFacts, plan: Plan, now: datetime
    ) -> PolicyOutcome:
        """Decide one proposal, recording rows and decision log entries in ``plan``."""
        key = proposal.dedupe_key
        kind = proposal.kind.value
        if key in facts.waiting:
            # held back for want of a chat: decided again once there is one, silently until then
            customer = facts.customer
            category = CATEGORY_OF_KIND.get(proposal.kind, kind)
            if choose_recipient(customer.identities, customer.preference, category).identity is None:
                return PolicyOutcome(kind, key, Decision.DUPLICATE, "still no chat to send it to")
            facts.waiting.discard(key)
        elif key in facts.decided:
            return PolicyOutcome(kind, key, Decision.DUPLICATE, "already decided")
        facts.decided.add(key)
        outcome = self._decide(proposal, facts, plan, now)
        if proposal.alert_staff:
            self._staff_alert(proposal, facts, plan, now)
        return outcome

    def _suppress(
        self, proposal: ProposedMessage, facts: OrderFacts, plan: Plan, now: datetime, reason: str
    ) -> PolicyOutcome:
        kind = proposal.kind.value
        plan.log(now, facts.order_id, kind, Decision.SUPPRESSED, reason, proposal.dedupe_key)
        return PolicyOutcome(kind, proposal.dedupe_key, Decision.SUPPRESSED, reason)

    def _decide(
        self, proposal: ProposedMessage, facts: OrderFacts, plan: Plan, now: datetime
    ) -> PolicyOutcome:
        kind = proposal.kind
        kind_value = kind.value
        category = CATEGORY_OF_KIND.get(kind, kind_value)
        stale = superseded_reason(kind_value, proposal.shipment_id, facts.details)
        if stale is not None:
            return self._suppress(proposal, facts, plan, now, stale)
        if kind in HOLDOUT_KINDS and in_holdout(proposal.customer_id, self._settings.holdout_percent):
            return self._suppress(proposal, facts, plan, now, HOLDOUT_REASON)
        pref = facts.customer.preference
        if pref is not None and category in (pref.opted_out_categories or []):
            return self._suppress(proposal, facts, plan, now, f"opted out of {category}")
        choice = choose_recipient(facts.customer.identities, pref, category)
        if choice.identity is None:
            return self._suppress(proposal, facts, plan, now, choice.reason)
        try:
            reply = self._render(kind, facts.customer.customer.locale or "en", dict(proposal.context))
        except TemplatesError as exc:
            log.error("message %s not rendered: %s", proposal.dedupe_key, exc)
            return self._suppress(proposal, facts, plan, now, f"template error: {exc}")
        replaced = self._consolidated(proposal, facts, category, now)
        if kind not in URGENT_KINDS:
            touches = sum(
                1
                for m in facts.messages
                if m.counts_as_touch
                and m.kind not in URGENT_KINDS
                and m.kind not in STAFF_KINDS
                and m not in replaced
            )
            cap = self._settings.max_touches_per_order
            if touches >= cap:
                return self._suppress(proposal, facts, plan, now, f"touch cap reached ({touches} of {cap})")
        for message in replaced:
            plan.cancel(message, facts.order_id, f"consolidated into {kind_value}")
            if message.id is None:
                plan.log(
                    now,
                    facts.order_id,
                    message.kind,
                    Decision.CANCELLED,
                    f"consolidated into {kind_value}",
                    message.dedupe_key,
                )

        due, notes = self._timing(proposal, facts, now)
        identity = choice.identity
        payload = reply_to_payload(
            reply,
            category=category,
            shipment_id=proposal.shipment_id,
            locale=facts.customer.customer.locale or "en",
            due_at=due,
            identity_id=identity.id,
        )
        message = MessageView.planned(
            dedupe_key=proposal.dedupe_key,
            kind=kind_value,
            channel=identity.channel,
            recipient=identity.external_id,
            scheduled_at=due,
            created_at=now,
            payload=payload,
            customer_id=proposal.customer_id,
        )
        facts.messages.append(message)
        plan.new_messages.append((message, facts.order_id))
        target = f"to {identity.channel}"
        if due > now:
            reason = f"{target} at {_when(due)}: " + "; ".join(notes)
            decision = Decision.DEFERRED
        else:
            reason = target
            decision = Decision.QUEUED
        plan.log(now, facts.order_id, kind_value, decision, reason, proposal.dedupe_key)
        return PolicyOutcome(kind_value, proposal.dedupe_key, decision, reason, due, identity.channel)

    def _timing(
        self, proposal: ProposedMessage, facts: OrderFacts, now: datetime
    ) -> tuple[datetime, list[str]]:
        """When the message may go (not before, reputation guard, quiet hours) and why it waits."""
        due = max(now, proposal.not_before or now)
        notes: list[str] = []
        if proposal.not_before is not None and proposal.not_before > now:
            notes.append(f"not before {_when(proposal.not_before)}")
        if proposal.kind == MessageKind.REVIEW_REQUEST and facts.guard is not None:
            hold = review_hold(facts.details, facts.guard, now)
            if hold is not None and hold.until > due:
                due = hold.until
                notes.append(hold.reason)
        if proposal.kind not in URGENT_KINDS:
            quiet = quiet_end(facts.customer, self._settings, due)
            if quiet is not None:
                due = quiet
                notes.append(quiet_label(facts.customer, self._settings))
        return due, notes

    def _consolidated(
        self, proposal: ProposedMessage, facts: OrderFacts, category: str, now: datetime
    ) -> list[MessageView]:
        """Pending shipping messages of the same shipment younger than the window (to be replaced)."""
        if category != SHIPPING_CATEGORY or proposal.shipment_id is None:
            return []
        return [
            m
            for m in facts.messages
            if m.status == "pending"
            and m.category == SHIPPING_CATEGORY
            and m.shipment_id == proposal.shipment_id
            and m.created_at is not None
            and now - m.created_at < CONSOLIDATION_WINDOW
        ]

    # ---- staff alerts --------------------------------------------------------------------------
    def _staff_alert(self, proposal: ProposedMessage, facts: OrderFacts, plan: Plan, now: datetime) -> None:
        key = f"{proposal.dedupe_key}:staff"[:300]
        if key in facts.decided:
            return
        facts.decided.add(key)
        if not self._settings.slack_enabled:
            plan.log(
                now, facts.order_id, STAFF_ALERT_KIND, Decision.SUPPRESSED, "Slack is not configured", key
            )
            return
        text = staff_alert_text(proposal, facts)
        message = MessageView.planned(
            dedupe_key=key,
            kind=STAFF_ALERT_KIND,
            channel=STAFF_CHANNEL,
            recipient=self._settings.slack_support_channel,
            scheduled_at=now,
            created_at=now,
            payload={
                "text": text,
                "buttons": [],
                "links": [],
                "category": "staff",
                "about": proposal.kind.value,
            },
            customer_id=None,
        )
        facts.messages.append(message)
        plan.new_messages.append((message, facts.order_id))
        plan.log(now, facts.order_id, STAFF_ALERT_KIND, Decision.QUEUED, f"to Slack {message.recipient}", key)


def staff_alert_text(proposal: ProposedMessage, facts: OrderFacts) -> str:
    """A one-paragraph Slack alert for staff (no customer contact details)."""
    number = facts.details.order.order_number
    what = proposal.kind.value.replace("_", " ")
    lines = [f"Order {number}: {what}."]
    shipment = next((s for s in facts.details.shipments if s.id == proposal.shipment_id), None)
    if shipment is not None:
        raw = f" (carrier says: {shipment.raw_status})" if shipment.raw_status else ""
        lines.append(f"{shipment.carrier} {shipment.tracking_number} is {shipment.status}{raw}.")
    lines.append(f"Look into it: doorstep explain {number}")
    return " ".join(lines)
