"""Delivery reports (``statuses`` in a webhook) applied to the outbox rows of proactive messages.

A report names the message by the id WhatsApp gave it (the row's ``provider_message_id``); reports
for conversational replies (most reports) match no row and are ignored after one indexed query for
the whole notification (:meth:`~storage.repositories.outbox.OutboxRepository.known_provider_ids`).
``delivery_status`` only moves forward (sent -> delivered -> read); a report that arrives late
changes nothing, so a redelivered or reordered report is harmless.

A ``failed`` report is final for the message on WhatsApp, and what happens next depends on the
error (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes):

- 131026 undeliverable (blocked, not on WhatsApp) or 131030: the identity is marked unreachable and
  the message goes back to the queue, where the dispatcher's gate picks the customer's next
  channel (or cancels it with the reason when there is none), as a Telegram 403 does;
- 131047 re-engagement required: the window is taken as closed and the message queued again (the
  gate then sends the template, or holds it with ``no template``);
- 130429 / 131056 rate errors: queued again after ``RATE_RETRY``;
- anything else: the message is failed with the code and title.

Every one of these is written to the decision log.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.channels.whatsapp.adapter import CHANNEL, StatusReport
from bot.notify.gate import decision_for
from bot.notify.policy import Decision
from storage.models import OutboxMessage
from storage.repositories.outbox import NewDecision
from storage.store import Repositories, Store

log = logging.getLogger(__name__)

#: how far along each report is; a report never moves a message back
RANK = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}
UNREACHABLE_CODES = frozenset({131026, 131030})
WINDOW_CLOSED_CODE = 131047
RATE_CODES = frozenset({130429, 131056})
RATE_RETRY = timedelta(minutes=1)


def _failure_text(report: StatusReport) -> str:
    if not report.errors:
        return "whatsapp: delivery failed"
    return "; ".join(f"whatsapp {code}: {title}" for code, title in report.errors)[:300]


async def apply_statuses(store: Store, reports: Sequence[StatusReport], now: datetime) -> int:
    """Apply ``reports`` to their outbox rows in one transaction; answers how many messages were
    queued again (the dispatcher should be woken when that is not 0)."""
    requeued = 0
    async with store.transaction() as repos:
        known = await repos.outbox.known_provider_ids(
            channel=CHANNEL, provider_message_ids=[report.provider_message_id for report in reports]
        )
        decisions: list[NewDecision] = []
        for report in reports:
            if report.provider_message_id not in known:  # a conversational reply: not in the outbox
                continue
            row = await repos.outbox.by_provider_message_id(
                channel=CHANNEL, provider_message_id=report.provider_message_id
            )
            if row is None or RANK.get(report.status, 0) <= RANK.get(row.delivery_status or "", 0):
                continue
            if row.status != "sent":  # already queued again, cancelled or failed
                continue
            await repos.outbox.set_delivery_status(message_id=int(row.id or 0), delivery_status=report.status)
            if report.status == "failed":
                decision, again = await _failed(repos, row, report, now)
                decisions.append(decision)
                requeued += again
        if decisions:
            await repos.decisions.add_many(decisions)
    return requeued


async def _failed(
    repos: Repositories, row: OutboxMessage, report: StatusReport, now: datetime
) -> tuple[NewDecision, int]:
    """Settle a message WhatsApp could not deliver; answers the decision and 1 when it was queued again."""
    codes = {code for code, _ in report.errors}
    reason = _failure_text(report)
    message_id = int(row.id or 0)
    if codes & UNREACHABLE_CODES:
        await repos.identities.mark_unreachable_by_external(
            channel=CHANNEL, external_id=row.recipient, reason=reason
        )
        await repos.outbox.release(message_id=message_id, at=now, note=f"undeliverable on whatsapp: {reason}")
        return decision_for(
            row, Decision.RETRYING, f"undeliverable on whatsapp, trying another channel: {reason}", now
        ), 1
    if WINDOW_CLOSED_CODE in codes:
        await repos.identities.forget_last_message(channel=CHANNEL, external_id=row.recipient)
        await repos.outbox.release(message_id=message_id, at=now, note=reason)
        return decision_for(
            row, Decision.RETRYING, f"outside the 24-hour window, trying a template: {reason}", now
        ), 1
    if codes & RATE_CODES:
        at = now + RATE_RETRY
        await repos.outbox.release(message_id=message_id, at=at, note=reason)
        return decision_for(row, Decision.RETRYING, f"{reason}; retry at {at:%Y-%m-%d %H:%M:%S} UTC", now), 1
    await repos.outbox.mark_failed(message_id=message_id, error=reason)
    log.warning("whatsapp could not deliver outbox message %s: %s", message_id, reason)
    return decision_for(row, Decision.FAILED, reason, now), 0
