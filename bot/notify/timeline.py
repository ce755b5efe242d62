"""An order's timeline: every event, scan, decision and message, in time order, with reasons.

Used by ``doorstep explain ORDER`` (readable lines) and ``GET /api/orders/{number}/timeline``
(JSON). Entries carry no email, phone or address; a message names its channel and chat id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.notify.errors import UnknownOrderError
from storage.domain import normalize_order_number
from storage.models import InboxEntry
from storage.store import Repositories

#: why a redelivered event changed nothing
DUPLICATE_REASON = "duplicate"
#: entries at the same instant are listed in this order
_TYPE_ORDER = {"event": 0, "scan": 1, "decision": 2, "message": 3, "case": 4, "handoff": 5}


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One line of the timeline."""

    at: datetime
    type: str
    summary: str
    details: dict[str, Any] = field(default_factory=dict)
    sequence: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"at": self.at.isoformat(), "type": self.type, "summary": self.summary, **self.details}

    def line(self) -> str:
        """``2026-11-22 10:00:05  decision  queued shipped: to telegram``."""
        return f"{self.at.astimezone(UTC):%Y-%m-%d %H:%M:%S}  {self.type:<8}  {self.summary}"


@dataclass(frozen=True, slots=True)
class Timeline:
    """The timeline of one order."""

    order_number: str
    status: str
    entries: list[TimelineEntry]

    def to_dict(self) -> dict[str, Any]:
        """JSON form: ``{"order_number", "status", "entries": [...]}``."""
        return {
            "order_number": self.order_number,
            "status": self.status,
            "entries": [e.to_dict() for e in self.entries],
        }

    def lines(self) -> list[str]:
        """Readable lines, a header first."""
        header = f"order {self.order_number} ({self.status}): {len(self.entries)} entries"
        return [header, *(e.line() for e in self.entries)]


def _time(value: object, fallback: datetime) -> datetime:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return fallback
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return fallback


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _event_entries(entry: InboxEntry) -> list[TimelineEntry]:
    """An inbox event as a timeline entry, with why it changed nothing (``outcome``), and one
    more entry, at the last redelivery, when it arrived again (``duplicate``)."""
    payload = entry.payload or {}
    received = entry.received_at or _EPOCH
    what = " ".join(str(v) for v in (payload.get("type"), payload.get("status")) if v) or "event"
    title = f"{what} from {entry.source} ({entry.external_id})"
    held = " (held: waiting for its order)" if entry.status == "pending" else ""
    noop = f": no change, {entry.outcome}" if entry.outcome else ""
    details: dict[str, Any] = {
        "source": entry.source,
        "event_id": entry.external_id,
        "event_type": payload.get("type"),
        "status": payload.get("status"),
        "received_at": received.isoformat(),
        "held": entry.status == "pending",
    }
    if entry.outcome:
        details["outcome"] = entry.outcome
    sequence = int(entry.id or 0)
    found = [
        TimelineEntry(
            at=_time(payload.get("occurred_at"), received),
            type="event",
            summary=f"{title}{held}{noop}",
            details=details,
            sequence=sequence,
        )
    ]
    if entry.duplicates:
        found.append(
            TimelineEntry(
                at=entry.last_duplicate_at or received,
                type="event",
                summary=f"{title}: received again ({entry.duplicates} times), no change, {DUPLICATE_REASON}",
                details={**details, "outcome": DUPLICATE_REASON, "duplicates": entry.duplicates},
                sequence=sequence,
            )
        )
    return found


async def order_timeline(repos: Repositories, order_number: str) -> Timeline:
    """The order's timeline; raises :class:`UnknownOrderError` when there is no such order.

    ``order_number`` is read as the import format reads it (``" #1001"`` is order ``1001``).
    """
    typed, order_number = order_number, normalize_order_number(order_number)
    details = await repos.orders.details_by_number(order_number=order_number) if order_number else None
    if details is None or details.order.id is None:
        raise UnknownOrderError(typed)
    order_id = details.order.id
    tracking = {s.id: s.tracking_number for s in details.shipments}
    entries: list[TimelineEntry] = []

    for entry in await repos.inbox.for_order(
        order_number=order_number, tracking_numbers=list(tracking.values())
    ):
        entries.extend(_event_entries(entry))

    for scan in await repos.orders.tracking_events(shipment_ids=[s for s in tracking if s is not None]):
        where = f" at {scan.location}" if scan.location else ""
        raw = f" (carrier: {scan.raw_status})" if scan.raw_status and scan.raw_status != scan.status else ""
        entries.append(
            TimelineEntry(
                at=scan.occurred_at,
                type="scan",
                summary=f"{tracking.get(scan.shipment_id, '?')} {scan.status}{where}{raw}",
                details={
                    "tracking_number": tracking.get(scan.shipment_id),
                    "status": scan.status,
                    "raw_status": scan.raw_status,
                    "location": scan.location,
                    "source": scan.source,
                },
                sequence=int(scan.id or 0),
            )
        )

    for decision in await repos.decisions.for_order(order_id=order_id):
        entries.append(
            TimelineEntry(
                at=decision.created_at or _EPOCH,
                type="decision",
                summary=f"{decision.decision} {decision.kind}: {decision.reason}",
                details={
                    "decision": decision.decision,
                    "kind": decision.kind,
                    "reason": decision.reason,
                    "dedupe_key": decision.dedupe_key,
                },
                sequence=int(decision.id or 0),
            )
        )

    for message in await repos.outbox.for_order(order_id=order_id):
        at = message.sent_at if message.status == "sent" and message.sent_at else message.created_at or _EPOCH
        summary = f"{message.status} {message.kind} via {message.channel} to {message.recipient}"
        if message.status == "pending":
            summary += f", due {message.scheduled_at:%Y-%m-%d %H:%M} UTC"
        if message.last_error:  # on a sent message: why its delivery is unconfirmed
            summary += f" ({message.last_error})"
        entries.append(
            TimelineEntry(
                at=at,
                type="message",
                summary=summary,
                details={
                    "message_status": message.status,
                    "kind": message.kind,
                    "channel": message.channel,
                    "recipient": message.recipient,
                    "scheduled_at": message.scheduled_at.isoformat(),
                    "sent_at": message.sent_at.isoformat() if message.sent_at else None,
                    "attempts": message.attempts,
                    "last_error": message.last_error,
                    "text": (message.payload or {}).get("text"),
                    "dedupe_key": message.dedupe_key,
                },
                sequence=int(message.id or 0),
            )
        )

    entries += await _case_entries(repos, order_id)
    entries += await _handoff_entries(repos, order_id)
    entries.sort(key=lambda e: (e.at, _TYPE_ORDER.get(e.type, 9), e.sequence))
    return Timeline(order_number=order_number, status=details.order.status, entries=entries)


async def _case_entries(repos: Repositories, order_id: int) -> list[TimelineEntry]:
    """A line when a case was opened and one each time the shopper asked about it again.

    The shopper's own words are left out (they may hold contact details).
    """
    entries: list[TimelineEntry] = []
    for case in await repos.cases.for_order(order_id=order_id):
        opened = case.created_at or _EPOCH
        common = {"case_id": case.id, "case_status": case.status}
        entries.append(
            TimelineEntry(
                at=opened,
                type="case",
                summary=f"case #{case.id} opened: {case.kind}",
                details={**common, "change": "opened", "kind": case.kind},
                sequence=int(case.id or 0),
            )
        )
        for number, update in enumerate(case.updates or [], start=1):
            kind = str(update.get("kind") or case.kind)
            entries.append(
                TimelineEntry(
                    at=_time(update.get("at"), opened),
                    type="case",
                    summary=f"case #{case.id} updated: {kind}, the shopper asked again ({number})",
                    details={**common, "change": "updated", "kind": kind},
                    sequence=int(case.id or 0),
                )
            )
    return entries


#: how the end of a handoff reads in the timeline
_HANDOFF_ENDS = {"resolved": "resolved by staff", "returned": "back with the bot"}


async def _handoff_entries(repos: Repositories, order_id: int) -> list[TimelineEntry]:
    """A line when the shopper was handed to a person about this order, and one when that ended.

    The reason names the topic and the order; the summary (the shopper's words) is left out.
    """
    entries: list[TimelineEntry] = []
    for handoff in await repos.handoffs.for_order(order_id=order_id):
        common = {"handoff_id": handoff.id, "handoff_status": handoff.status}
        entries.append(
            TimelineEntry(
                at=handoff.created_at or _EPOCH,
                type="handoff",
                summary=f"handoff #{handoff.id} opened: {handoff.reason}",
                details={**common, "change": "opened", "reason": handoff.reason},
                sequence=int(handoff.id or 0),
            )
        )
        if handoff.resolved_at is not None and handoff.status in _HANDOFF_ENDS:
            entries.append(
                TimelineEntry(
                    at=handoff.resolved_at,
                    type="handoff",
                    summary=f"handoff #{handoff.id} ended: {_HANDOFF_ENDS[handoff.status]}",
                    details={**common, "change": "ended"},
                    sequence=int(handoff.id or 0),
                )
            )
    return entries
