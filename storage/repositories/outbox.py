"""The outbox (messages to send) and the decision log (why they were sent or held)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case, func, or_, select, text, update

from storage.bulk import converted_once, executemany, sqlite_value, value_groups
from storage.models import DecisionLogEntry, Order, OutboxMessage, utcnow
from storage.repositories.base import Repository, fetch_one_sqlite
from storage.repositories.snapshots import (
    CHUNK,
    MessageRow,
    chunks,
    fetch_all_sqlite,
    marks,
    payload_category,
    payload_shipment_id,
    utc_from_sqlite,
)

#: :class:`MessageRow` columns as stored (the payload's two fields are added per dialect)
_MESSAGE_COLUMNS = (
    "id",
    "order_id",
    "customer_id",
    "dedupe_key",
    "kind",
    "channel",
    "recipient",
    "scheduled_at",
    "status",
    "last_error",
    "created_at",
)
#: :meth:`OutboxRepository.enqueue_many` on SQLite: ``{values}`` is one ``(?, ...)`` group per row
_ENQUEUE_COLUMNS = (
    "dedupe_key",
    "kind",
    "channel",
    "recipient",
    "payload",
    "scheduled_at",
    "order_id",
    "customer_id",
    "status",
    "last_error",
    "attempts",
    "created_at",
)
_ENQUEUE_SQLITE = (
    f"INSERT INTO outbox ({', '.join(_ENQUEUE_COLUMNS)}) VALUES {{values}}"
    " ON CONFLICT (dedupe_key) DO NOTHING RETURNING dedupe_key"
)
#: :meth:`OutboxRepository.cancel_each` on SQLite: one ``(?, ?)`` (id, reason) group per message
_CANCEL_EACH_SQLITE = (
    "WITH reasons(id, reason) AS (VALUES {values})"
    " UPDATE outbox SET status = 'cancelled', last_error = reasons.reason, claimed_by = NULL"
    " FROM reasons WHERE outbox.id = reasons.id AND outbox.status IN ({statuses}) RETURNING outbox.id"
)
#: :meth:`OutboxRepository.message_rows` on SQLite: SQLite reads the payload's two fields into a
#: small JSON array, decoded in Python (so their types are exactly what ``json`` would give)
_MESSAGE_ROWS_SQLITE = (
    "SELECT "
    + ", ".join(_MESSAGE_COLUMNS)
    + ", json_extract(payload, '$.category', '$.shipment_id')"
    + " FROM outbox WHERE order_id IN ({marks}) ORDER BY id"
)



@dataclass(frozen=True, slots=True)
class PushedMessage:
    """A proactive message sent to a chat: its outbox id, its order's number and its kind."""

    message_id: int
    order_number: str
    kind: str


#: the latest sent proactive message about one of a customer's orders, to one chat (orders by customer,
#: then their messages by order: both indexed)
_LAST_PUSHED_SQL = (
    "SELECT m.id, o.order_number, m.kind FROM orders AS o JOIN outbox AS m ON m.order_id = o.id"
    " WHERE o.customer_id = ? AND m.channel = ? AND m.recipient = ? AND m.status = 'sent' AND m.sent_at >= ?"
    " ORDER BY m.sent_at DESC, m.id DESC LIMIT 1"
)
_LAST_PUSHED = (
    select(OutboxMessage.id, Order.order_number, OutboxMessage.kind)
    .join(Order, Order.id == OutboxMessage.order_id)
    .where(
        Order.customer_id == bindparam("customer_id"),
        OutboxMessage.channel == bindparam("channel"),
        OutboxMessage.recipient == bindparam("recipient"),
        OutboxMessage.status == "sent",
        OutboxMessage.sent_at >= bindparam("since"),
    )
    .order_by(OutboxMessage.sent_at.desc(), OutboxMessage.id.desc())
    .limit(1)
)

@dataclass(frozen=True, slots=True)
class NewOutboxRow:
    """One message for :meth:`OutboxRepository.enqueue_many` (``created_at`` from the caller's clock)."""

    dedupe_key: str
    kind: str
    channel: str
    recipient: str
    payload: dict[str, Any]
    scheduled_at: datetime
    created_at: datetime
    order_id: int | None = None
    customer_id: int | None = None
    #: ``pending``, or ``cancelled`` for a message superseded before it was ever written
    status: str = "pending"
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class NewDecision:
    """One entry for :meth:`DecisionLogRepository.add_many`."""

    kind: str
    decision: str
    reason: str
    created_at: datetime
    order_id: int | None = None
    dedupe_key: str | None = None


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message the provider accepted, for :meth:`OutboxRepository.mark_sent_many`."""

    message_id: int
    provider_message_id: str | None
    sent_at: datetime


class OutboxRepository(Repository):
    """Enqueue, claim and settle outgoing messages."""

    async def enqueue(
        self,
        *,
        dedupe_key: str,
        kind: str,
        channel: str,
        recipient: str,
        payload: dict[str, Any],
        scheduled_at: datetime,
        order_id: int | None = None,
        customer_id: int | None = None,
    ) -> bool:
        """Add a message; False (and nothing written) when the dedupe key already exists."""
        result = await self._session.execute(
            self.insert(OutboxMessage)
            .values(
                dedupe_key=dedupe_key,
                kind=kind,
                channel=channel,
                recipient=recipient,
                payload=payload,
                scheduled_at=scheduled_at,
                order_id=order_id,
                customer_id=customer_id,
                status="pending",
                attempts=0,
                created_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def exists(self, *, dedupe_key: str) -> bool:
        """Whether a message with this dedupe key was ever enqueued."""
        result = await self._session.execute(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
        )
        return result.first() is not None

    async def status_of(self, *, dedupe_key: str) -> str | None:
        """The status of the message with this dedupe key (``pending``, ``sending``, ``sent``...), or None."""
        result = await self._session.execute(
            select(OutboxMessage.status).where(OutboxMessage.dedupe_key == dedupe_key)
        )
        return result.scalar_one_or_none()

    async def claim_due(
        self, *, now: datetime, worker: str, limit: int = 50, lease: timedelta = timedelta(seconds=60)
    ) -> list[OutboxMessage]:
        """Atomically take up to ``limit`` due messages for ``worker``.

        Rows left in ``sending`` by a worker that died are taken again once their lease
        has expired. On PostgreSQL the rows are locked with ``FOR UPDATE SKIP LOCKED`` so
        several dispatchers never take the same row.
        """
        due = or_(
            (OutboxMessage.status == "pending") & (OutboxMessage.scheduled_at <= now),
            (OutboxMessage.status == "sending") & (OutboxMessage.claimed_at < now - lease),
        )
        candidates = (
            select(OutboxMessage.id)
            .where(due)
            .order_by(OutboxMessage.scheduled_at, OutboxMessage.id)
            .limit(limit)
        )
        if self.dialect == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        chosen = candidates.cte("chosen")
        stmt = (
            update(OutboxMessage)
            .where(OutboxMessage.id == chosen.c.id)
            .values(
                status="sending",
                claimed_by=worker,
                claimed_at=now,
                send_started_at=None,
                attempts=OutboxMessage.attempts + 1,
            )
            .returning(OutboxMessage)
            .execution_options(synchronize_session=False)
        )
        result = await self._session.execute(stmt)
        rows = list(result.scalars())
        rows.sort(key=lambda r: (r.scheduled_at, r.id))
        return rows

    async def settle_interrupted(
        self, *, now: datetime, lease: timedelta, note: str, except_channels: Sequence[str] = ()
    ) -> list[OutboxMessage]:
        """Record as ``sent`` (``sent_at`` = its claim, ``last_error`` = ``note``) every message
        left ``sending`` by a worker whose lease ran out after its send had begun
        (:meth:`mark_send_started`): the worker stopped during the send, so the provider may have
        delivered it. Returns them; rows of ``except_channels``, and rows that were claimed but
        never started, are left for :meth:`claim_due` to take again."""
        stale = (
            (OutboxMessage.status == "sending")
            & (OutboxMessage.claimed_at < now - lease)
            & OutboxMessage.send_started_at.is_not(None)
        )
        if except_channels:
            stale = stale & OutboxMessage.channel.not_in(list(except_channels))
        candidates = select(OutboxMessage.id).where(stale)
        if self.dialect == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        chosen = candidates.cte("interrupted")
        stmt = (
            update(OutboxMessage)
            .where(OutboxMessage.id == chosen.c.id)
            .values(status="sent", sent_at=OutboxMessage.claimed_at, last_error=note[:500])
            .returning(OutboxMessage)
            .execution_options(synchronize_session=False)
        )
        return sorted((await self._session.execute(stmt)).scalars(), key=lambda row: row.id or 0)

    async def mark_send_started(self, *, message_ids: Sequence[int], at: datetime, worker: str) -> set[int]:
        """The sends of these messages, claimed by ``worker``, begin now (commit before calling the
        provider). Answers the ids still claimed by ``worker``: a row missing from the answer was
        taken by another dispatcher once its lease ran out, and must not be sent.

        On PostgreSQL the commit does not wait for the disk (``synchronous_commit`` off for this
        transaction): the mark must survive the sending process, not the database server, and the
        send should not wait an fsync.
        """
        if not message_ids:
            return set()
        if self.dialect == "postgresql":
            await self._session.execute(text("SET LOCAL synchronous_commit = off"))
        result = await self._session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(list(message_ids)),
                OutboxMessage.status == "sending",
                OutboxMessage.claimed_by == worker,
            )
            .values(send_started_at=at)
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)
        )
        return {int(message_id) for message_id in result.scalars()}

    async def clear_send_started(self, *, message_ids: Sequence[int]) -> None:
        """The sends of these claimed messages did not begin after all."""
        if not message_ids:
            return
        await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(list(message_ids)), OutboxMessage.status == "sending")
            .values(send_started_at=None)
            .execution_options(synchronize_session=False)
        )

    async def mark_sent(self, *, message_id: int, provider_message_id: str | None, at: datetime) -> None:
        """The provider accepted the message."""
        await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(status="sent", provider_message_id=provider_message_id, sent_at=at, last_error=None)
        )

    async def mark_retry(self, *, message_id: int, error: str, retry_at: datetime) -> None:
        """A transient failure: try again at ``retry_at``."""
        await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(status="pending", last_error=error[:500], scheduled_at=retry_at, claimed_by=None)
        )

    async def mark_failed(self, *, message_id: int, error: str) -> None:
        """A permanent failure, with its reason."""
        await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(status="failed", last_error=error[:500])
        )

    async def reroute(self, *, message_id: int, channel: str, recipient: str, at: datetime) -> None:
        """Send the message on another channel (fallback after the first was unreachable)."""
        await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(status="pending", channel=channel, recipient=recipient, scheduled_at=at, claimed_by=None)
        )

    async def cancel_pending(
        self, *, order_id: int, kinds: Sequence[str], reason: str
    ) -> list[OutboxMessage]:
        """Cancel unsent messages of these kinds for the order; returns what was cancelled."""
        if not kinds:
            return []
        stmt = (
            update(OutboxMessage)
            .where(
                OutboxMessage.order_id == order_id,
                OutboxMessage.kind.in_(list(kinds)),
                OutboxMessage.status == "pending",
            )
            .values(status="cancelled", last_error=reason[:500])
            .returning(OutboxMessage)
            .execution_options(synchronize_session=False)
        )
        return list((await self._session.execute(stmt)).scalars())

    async def for_order(self, *, order_id: int) -> list[OutboxMessage]:
        """Every message of the order, oldest first."""
        result = await self._session.execute(
            select(OutboxMessage).where(OutboxMessage.order_id == order_id).order_by(OutboxMessage.id)
        )
        return list(result.scalars())

    async def count_touches(self, *, order_id: int, exempt_kinds: Sequence[str]) -> int:
        """Proactive messages sent or queued for the order, not counting exempt kinds."""
        result = await self._session.execute(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.order_id == order_id,
                OutboxMessage.status.in_(["pending", "sending", "sent"]),
                OutboxMessage.kind.not_in(list(exempt_kinds)),
            )
        )
        return int(result.scalar_one())

    async def last_pushed(
        self, *, customer_id: int, channel: str, recipient: str, since: datetime
    ) -> PushedMessage | None:
        """The latest proactive message about one of the customer's orders sent to this chat since
        ``since``, with its order's number (a reply to it continues about that order)."""
        params = (customer_id, channel, recipient, sqlite_value(since))
        driver = await self.sqlite_driver()
        if driver is not None:
            row = await fetch_one_sqlite(driver, _LAST_PUSHED_SQL, params)
        else:
            row = (
                await self._session.execute(
                    _LAST_PUSHED, {"customer_id": customer_id, "channel": channel, "recipient": recipient, "since": since}
                )
            ).first()
        return None if row is None else PushedMessage(message_id=int(row[0]), order_number=str(row[1]), kind=str(row[2]))

    async def by_status(self, *, status: str) -> list[OutboxMessage]:
        """Messages in this status (for operators and tests)."""
        result = await self._session.execute(
            select(OutboxMessage).where(OutboxMessage.status == status).order_by(OutboxMessage.id)
        )
        return list(result.scalars())

    async def next_due_at(self) -> datetime | None:
        """When the earliest pending message falls due, or None."""
        result = await self._session.execute(
            select(func.min(OutboxMessage.scheduled_at)).where(OutboxMessage.status == "pending")
        )
        return result.scalar_one_or_none()

    # ---- bulk and dispatcher helpers (notification pipeline) ---------------------------
    async def enqueue_many(self, rows: Sequence[NewOutboxRow]) -> set[str]:
        """Add several messages; returns the dedupe keys actually written (existing keys are skipped)."""
        if not rows:
            return set()
        driver = await self.flushed_sqlite_driver()
        if driver is not None:
            return await self._enqueue_many_sqlite(driver, rows)
        stmt = (
            self.insert(OutboxMessage)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(OutboxMessage.dedupe_key)
        )
        values = [
            {
                "dedupe_key": row.dedupe_key,
                "kind": row.kind,
                "channel": row.channel,
                "recipient": row.recipient,
                "payload": row.payload,
                "scheduled_at": row.scheduled_at,
                "order_id": row.order_id,
                "customer_id": row.customer_id,
                "status": row.status,
                "last_error": None if row.last_error is None else row.last_error[:500],
                "attempts": 0,
                "created_at": row.created_at,
            }
            for row in rows
        ]
        result = await self._session.execute(stmt, values)
        return set(result.scalars())

    async def _enqueue_many_sqlite(self, driver: Any, rows: Sequence[NewOutboxRow]) -> set[str]:
        """:meth:`enqueue_many` on the SQLite driver connection, a few hundred rows per statement."""
        inserted: set[str] = set()
        at = converted_once(sqlite_value)
        dumps = json.dumps
        for chunk in chunks(rows):
            params: list[Any] = []
            for row in chunk:
                params += (
                    row.dedupe_key,
                    row.kind,
                    row.channel,
                    row.recipient,
                    dumps(row.payload),
                    at(row.scheduled_at),
                    row.order_id,
                    row.customer_id,
                    row.status,
                    None if row.last_error is None else row.last_error[:500],
                    0,
                    at(row.created_at),
                )
            sql = _ENQUEUE_SQLITE.format(values=value_groups(len(chunk), len(_ENQUEUE_COLUMNS)))
            inserted.update(key for (key,) in await fetch_all_sqlite(driver, sql, params))
        return inserted

    async def for_orders(self, *, order_ids: Sequence[int]) -> list[OutboxMessage]:
        """Every message of these orders, oldest first."""
        if not order_ids:
            return []
        result = await self._session.execute(
            select(OutboxMessage)
            .where(OutboxMessage.order_id.in_(list(order_ids)))
            .order_by(OutboxMessage.id)
        )
        return list(result.scalars())

    async def message_rows(self, *, order_ids: Sequence[int]) -> list[MessageRow]:
        """Every message of these orders as light rows (no payload: its ``category`` and
        ``shipment_id`` only), oldest first; what the notification policy needs."""
        wanted = list(dict.fromkeys(order_ids))
        if not wanted:
            return []
        found: list[MessageRow] = []
        driver = await self.flushed_sqlite_driver()
        table = OutboxMessage.__table__  # type: ignore[attr-defined]
        for chunk in chunks(wanted):
            if driver is not None:
                at = converted_once(utc_from_sqlite)
                for row in await fetch_all_sqlite(
                    driver, _MESSAGE_ROWS_SQLITE.format(marks=marks(len(chunk))), chunk
                ):
                    values = list(row)
                    for position in (7, 10):  # scheduled_at, created_at
                        values[position] = at(values[position])
                    category, shipment_id = json.loads(values.pop())
                    values.append(category if isinstance(category, str) else None)
                    values.append(int(shipment_id) if isinstance(shipment_id, int) else None)
                    found.append(MessageRow(*values))
                continue
            result = await self._session.execute(
                select(*(table.c[c] for c in _MESSAGE_COLUMNS), table.c.payload).where(
                    table.c.order_id.in_(chunk)
                )
            )
            for row in result.all():
                payload = row[-1]
                found.append(MessageRow(*row[:-1], payload_category(payload), payload_shipment_id(payload)))
        if driver is None or len(wanted) > CHUNK:
            found.sort(key=lambda m: m.id)
        return found

    async def cancel(
        self, *, message_ids: Sequence[int], reason: str, statuses: Sequence[str] = ("pending",)
    ) -> list[int]:
        """Cancel these messages if they are still in one of ``statuses``; returns the ids cancelled."""
        if not message_ids:
            return []
        stmt = (
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(list(message_ids)), OutboxMessage.status.in_(list(statuses)))
            .values(status="cancelled", last_error=reason[:500], claimed_by=None)
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)
        )
        return sorted((await self._session.execute(stmt)).scalars())

    async def cancel_each(
        self, *, reasons: Mapping[int, str], statuses: Sequence[str] = ("pending",)
    ) -> list[int]:
        """Cancel several messages, each with its own reason, if still in one of ``statuses``;
        returns the ids cancelled."""
        cancelled: list[int] = []
        ids = list(reasons)
        driver = await self.flushed_sqlite_driver() if ids else None
        if driver is not None:
            for chunk in chunks(ids):
                params: list[Any] = []
                for i in chunk:
                    params += (i, reasons[i][:500])
                params.extend(statuses)
                sql = _CANCEL_EACH_SQLITE.format(
                    values=value_groups(len(chunk), 2), statuses=marks(len(statuses))
                )
                cancelled.extend(row[0] for row in await fetch_all_sqlite(driver, sql, params))
            return sorted(cancelled)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            reason = case({i: reasons[i][:500] for i in chunk}, value=OutboxMessage.id)
            stmt = (
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(chunk), OutboxMessage.status.in_(list(statuses)))
                .values(status="cancelled", last_error=reason, claimed_by=None)
                .returning(OutboxMessage.id)
                .execution_options(synchronize_session=False)
            )
            cancelled.extend((await self._session.execute(stmt)).scalars())
        return sorted(cancelled)

    async def release(self, *, message_id: int, at: datetime, note: str) -> None:
        """Give a claimed message back, due at ``at``, without counting the claim as an attempt."""
        await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(
                status="pending",
                scheduled_at=at,
                last_error=note[:500],
                claimed_by=None,
                attempts=case((OutboxMessage.attempts > 0, OutboxMessage.attempts - 1), else_=0),
            )
            .execution_options(synchronize_session=False)
        )

    async def mark_sent_many(self, sent: Sequence[SentMessage]) -> None:
        """Mark several messages sent in one statement."""
        if not sent:
            return
        table = OutboxMessage.__table__  # type: ignore[attr-defined]
        await self._session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(
                status="sent",
                provider_message_id=bindparam("b_provider_id"),
                sent_at=bindparam("b_sent_at"),
                last_error=None,
            ),
            [
                {"b_id": s.message_id, "b_provider_id": s.provider_message_id, "b_sent_at": s.sent_at}
                for s in sent
            ],
            execution_options={"synchronize_session": False},
        )

    async def known_provider_ids(self, *, channel: str, provider_message_ids: Sequence[str]) -> set[str]:
        """Which of ``provider_message_ids`` name a message of ``channel`` in the outbox (one indexed
        query per :data:`CHUNK` ids). Status callbacks ask this first: most report on conversational
        replies, which have no outbox row and need nothing more."""
        ids = list(dict.fromkeys(provider_message_ids))
        found: set[str] = set()
        if not ids:
            return found
        driver = await self.flushed_sqlite_driver()
        for chunk in chunks(ids):
            if driver is not None:
                sql = (
                    "SELECT DISTINCT provider_message_id FROM outbox"
                    f" WHERE channel = ? AND provider_message_id IN ({marks(len(chunk))})"
                )
                found.update(row[0] for row in await fetch_all_sqlite(driver, sql, (channel, *chunk)))
                continue
            result = await self._session.execute(
                select(OutboxMessage.provider_message_id)
                .where(OutboxMessage.channel == channel, OutboxMessage.provider_message_id.in_(chunk))
                .distinct()
            )
            found.update(str(value) for value in result.scalars())
        return found

    async def by_provider_message_id(self, *, channel: str, provider_message_id: str) -> OutboxMessage | None:
        """The message of ``channel`` the provider knows by this id (a status callback's subject), or None."""
        result = await self._session.execute(
            select(OutboxMessage)
            .where(OutboxMessage.provider_message_id == provider_message_id, OutboxMessage.channel == channel)
            .order_by(OutboxMessage.id.desc())
            .limit(1)
            .execution_options(populate_existing=True)
        )
        return result.scalar_one_or_none()

    async def set_delivery_status(self, *, message_id: int, delivery_status: str) -> None:
        """Record what the provider reported after the send (``delivered``, ``read``, ``failed``)."""
        await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(delivery_status=delivery_status[:16])
            .execution_options(synchronize_session=False)
        )

    async def get(self, *, message_id: int) -> OutboxMessage | None:
        """The message with this id (fresh from the database)."""
        result = await self._session.execute(
            select(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .execution_options(populate_existing=True)
        )
        return result.scalar_one_or_none()


class DecisionLogRepository(Repository):
    """Record and read notification decisions."""

    async def add(
        self, *, order_id: int | None, kind: str, decision: str, reason: str, dedupe_key: str | None = None
    ) -> None:
        """Append one decision (sent, deferred or suppressed) with its reason."""
        self._session.add(
            DecisionLogEntry(
                order_id=order_id,
                kind=kind,
                decision=decision,
                reason=reason[:300],
                dedupe_key=dedupe_key,
                created_at=utcnow(),
            )
        )

    async def for_order(self, *, order_id: int) -> list[DecisionLogEntry]:
        """Every decision about the order, oldest first."""
        result = await self._session.execute(
            select(DecisionLogEntry)
            .where(DecisionLogEntry.order_id == order_id)
            .order_by(DecisionLogEntry.id)
        )
        return list(result.scalars())

    async def add_many(self, entries: Sequence[NewDecision]) -> None:
        """Append several decisions with their own timestamps."""
        await executemany(
            self._session,
            "decision_log",
            ("order_id", "kind", "decision", "reason", "dedupe_key", "created_at"),
            [(e.order_id, e.kind, e.decision, e.reason[:300], e.dedupe_key, e.created_at) for e in entries],
        )

    async def suppressed_keys(
        self, *, order_ids: Sequence[int], kinds: Sequence[str], reasons: Sequence[str]
    ) -> dict[int, set[str]]:
        """Dedupe keys of these kinds suppressed for one of these reasons, per order."""
        if not order_ids or not kinds or not reasons:
            return {}
        keys: dict[int, set[str]] = {}
        for chunk in chunks(list(order_ids)):
            result = await self._session.execute(
                select(DecisionLogEntry.order_id, DecisionLogEntry.dedupe_key).where(
                    DecisionLogEntry.order_id.in_(chunk),
                    DecisionLogEntry.kind.in_(list(kinds)),
                    DecisionLogEntry.decision == "suppressed",
                    DecisionLogEntry.reason.in_(list(reasons)),
                    DecisionLogEntry.dedupe_key.is_not(None),
                )
            )
            for order_id, key in result.all():
                keys.setdefault(order_id, set()).add(key)
        return keys

    async def decided_keys(self, *, order_ids: Sequence[int]) -> dict[int, set[str]]:
        """Dedupe keys that already have a decision, per order."""
        if not order_ids:
            return {}
        keys: dict[int, set[str]] = {}
        driver = await self.flushed_sqlite_driver()
        for chunk in chunks(list(order_ids)):
            if driver is not None:
                rows = await fetch_all_sqlite(
                    driver,
                    "SELECT order_id, dedupe_key FROM decision_log"
                    f" WHERE order_id IN ({marks(len(chunk))}) AND dedupe_key IS NOT NULL",
                    chunk,
                )
            else:
                result = await self._session.execute(
                    select(DecisionLogEntry.order_id, DecisionLogEntry.dedupe_key).where(
                        DecisionLogEntry.order_id.in_(chunk), DecisionLogEntry.dedupe_key.is_not(None)
                    )
                )
                rows = result.all()
            for order_id, key in rows:
                found = keys.get(order_id)
                if found is None:
                    keys[order_id] = {key}
                else:
                    found.add(key)
        return keys
