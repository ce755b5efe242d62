"""The last look before sending: is a claimed message still right to send, and to whom?

A message may have waited hours (quiet hours) or weeks (review request) since the policy queued
it. Right before it goes, the dispatcher re-checks it against the order and the customer as they
are now: superseded messages and opted-out categories are cancelled (a shopper's /stop counts at
once), the recipient is chosen again (a blocked chat or a new preferred channel reroutes it), a
review request is held while the reputation guard says so, and non-urgent messages wait out quiet
hours. A message every eligible channel refuses for now (WhatsApp outside its 24-hour window with no
template for the kind) is held and looked at again every ``REFUSAL_RECHECK``. Everything decided
here is written to the decision log with its reason (a repeated hold for the same reason once).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.channels.senders import SenderRegistry
from bot.config import Settings
from bot.notify.facts import load_facts
from bot.notify.guard import GIVE_UP_AFTER, review_hold
from bot.notify.payload import payload_time
from bot.notify.policy import STAFF_ALERT_KIND, Decision, quiet_end, quiet_label
from bot.notify.recipients import choose_recipient, refusals
from bot.notify.staleness import superseded_reason
from handlers.journey.proposals import URGENT_KINDS, MessageKind
from storage.models import OutboxMessage
from storage.repositories.outbox import NewDecision
from storage.store import Repositories

#: a message every channel refuses for now is looked at again after this long
REFUSAL_RECHECK = timedelta(hours=1)


def decision_for(row: OutboxMessage, decision: Decision, reason: str, now: datetime) -> NewDecision:
    """The decision-log entry for what happened to outbox ``row`` at ``now``, and why."""
    return NewDecision(
        kind=row.kind,
        decision=decision.value,
        reason=reason,
        created_at=now,
        order_id=row.order_id,
        dedupe_key=row.dedupe_key,
    )


@dataclass(slots=True)
class Screening:
    """What the gate let through and what it did with the rest."""

    send: list[OutboxMessage] = field(default_factory=list)
    cancelled: int = 0
    held: int = 0
    rerouted: int = 0


class DispatchGate:
    """Re-validates claimed messages right before they are sent."""

    def __init__(self, settings: Settings, senders: SenderRegistry | None = None) -> None:
        self._settings = settings
        #: channels whose senders refuse some messages for now (see :func:`~bot.notify.recipients.refusals`)
        self._senders = senders

    async def screen(self, repos: Repositories, rows: Sequence[OutboxMessage], now: datetime) -> Screening:
        """Split claimed ``rows`` into those to send now and those cancelled, held or rerouted."""
        screening = Screening()
        customer_rows = [r for r in rows if r.order_id is not None and r.customer_id is not None]
        reviews = {r.order_id for r in customer_rows if r.kind == MessageKind.REVIEW_REQUEST}
        facts = await load_facts(
            repos, sorted({int(r.order_id or 0) for r in customer_rows}), guard_for=reviews
        )
        decisions: list[NewDecision] = []

        def note(row: OutboxMessage, decision: Decision, reason: str) -> None:
            decisions.append(decision_for(row, decision, reason, now))

        for row in rows:
            order = facts.get(int(row.order_id or 0)) if row.customer_id is not None else None
            if order is None or row.kind == STAFF_ALERT_KIND:
                screening.send.append(row)
                continue
            payload = row.payload or {}
            shipment_id = payload.get("shipment_id")
            category = str(payload.get("category") or row.kind)
            stale = superseded_reason(
                row.kind, shipment_id if isinstance(shipment_id, int) else None, order.details
            )
            pref = order.customer.preference
            if stale is None and pref is not None and category in (pref.opted_out_categories or []):
                stale = f"opted out of {category}"
            refused = (
                await refusals(repos, self._senders, order.customer.identities, row, now)
                if stale is None
                else {}
            )
            choice = choose_recipient(order.customer.identities, pref, category, refused=refused)
            if stale is None and choice.identity is None and choice.waiting:
                until = now + REFUSAL_RECHECK
                await repos.outbox.release(message_id=int(row.id or 0), at=until, note=choice.reason)
                if row.last_error != choice.reason[:500]:
                    note(row, Decision.HELD, f"until {until:%Y-%m-%d %H:%M} UTC: {choice.reason}")
                screening.held += 1
                continue
            if stale is None and choice.identity is None:
                stale = choice.reason
            if stale is not None:
                await repos.outbox.cancel(message_ids=[int(row.id or 0)], reason=stale, statuses=("sending",))
                note(row, Decision.CANCELLED, stale)
                screening.cancelled += 1
                continue
            identity = choice.identity
            assert identity is not None
            if (identity.channel, identity.external_id) != (row.channel, row.recipient):
                # said before the reroute, which updates ``row`` in the session
                why = next(
                    (
                        f"{row.channel}: {refused[int(i.id or 0)]}"
                        for i in order.customer.identities
                        if (i.channel, i.external_id) == (row.channel, row.recipient)
                        and int(i.id or 0) in refused
                    ),
                    f"{row.channel} no longer takes it",
                )
                await repos.outbox.reroute(
                    message_id=int(row.id or 0),
                    channel=identity.channel,
                    recipient=identity.external_id,
                    at=now,
                )
                note(row, Decision.REROUTED, f"to {identity.channel}: {why}")
                screening.rerouted += 1
                continue
            hold_until: datetime | None = None
            hold_reason = ""
            if row.kind == MessageKind.REVIEW_REQUEST and order.guard is not None:
                hold = review_hold(order.details, order.guard, now)
                if hold is not None:
                    due = payload_time(payload, "due_at") or row.scheduled_at
                    if now > due + GIVE_UP_AFTER:
                        reason = f"{hold.reason}, still after {GIVE_UP_AFTER.days} days"
                        await repos.outbox.cancel(
                            message_ids=[int(row.id or 0)], reason=reason, statuses=("sending",)
                        )
                        note(row, Decision.CANCELLED, reason)
                        screening.cancelled += 1
                        continue
                    hold_until, hold_reason = hold.until, hold.reason
            if hold_until is None and row.kind not in URGENT_KINDS:
                quiet = quiet_end(order.customer, self._settings, now)
                if quiet is not None:
                    hold_until, hold_reason = quiet, quiet_label(order.customer, self._settings)
            if hold_until is not None:
                await repos.outbox.release(message_id=int(row.id or 0), at=hold_until, note=hold_reason)
                note(row, Decision.HELD, f"until {hold_until:%Y-%m-%d %H:%M} UTC: {hold_reason}")
                screening.held += 1
                continue
            screening.send.append(row)
        await repos.decisions.add_many(decisions)
        return screening
