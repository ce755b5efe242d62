"""The inbox: every received event or message once, and events waiting for their order."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from storage.bulk import sqlite_value, value_groups
from storage.domain import NormalizedEvent
from storage.models import InboxEntry, utcnow
from storage.repositories.base import Repository, execute_sqlite, fetch_all_sqlite
from storage.repositories.snapshots import chunks

_INBOX = InboxEntry.__table__  # type: ignore[attr-defined]
_RECORD_VALUES = {
    name: bindparam(f"p_{name}")
    for name in (
        "source",
        "external_id",
        "payload",
        "status",
        "order_number",
        "tracking_number",
        "received_at",
    )
}
#: built once per dialect: :meth:`InboxRepository.record` (every chat message goes through it)
_RECORD = {
    "sqlite": sqlite.insert(_INBOX)
    .values(**_RECORD_VALUES)
    .on_conflict_do_nothing(index_elements=["source", "external_id"]),
    "postgresql": postgresql.insert(_INBOX)
    .values(**_RECORD_VALUES)
    .on_conflict_do_nothing(index_elements=["source", "external_id"]),
}

#: the same statement as SQLite text, run on the driver connection
_RECORD_SQLITE = (
    "INSERT INTO inbox (source, external_id, payload, status, order_number, tracking_number, received_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, external_id) DO NOTHING"
)

#: :meth:`InboxRepository.record_many` as SQLite text: ``{values}`` is one ``(?, ...)`` group per row
_RECORD_MANY_SQLITE = (
    "INSERT INTO inbox (source, external_id, payload, status, order_number, tracking_number, received_at)"
    " VALUES {values} ON CONFLICT (source, external_id) DO NOTHING RETURNING source, external_id"
)

#: :meth:`InboxRepository.note_outcome` and :meth:`InboxRepository.note_duplicate` as SQLite text
_NOTE_OUTCOME_SQLITE = "UPDATE inbox SET outcome = ? WHERE source = ? AND external_id = ?"
_NOTE_DUPLICATE_SQLITE = (
    "UPDATE inbox SET duplicates = duplicates + 1, last_duplicate_at = ? WHERE source = ? AND external_id = ?"
)


@dataclass(frozen=True, slots=True)
class NewInboxEntry:
    """One entry for :meth:`InboxRepository.record_many`.

    ``payload_json``, when given, is the payload already written as JSON text (stored as is,
    saving a decode and encode); ``payload`` is then ignored.
    """

    source: str
    external_id: str
    payload: dict[str, Any] | None = None
    status: str = "processed"
    order_number: str | None = None
    tracking_number: str | None = None
    payload_json: str | None = None

    def payload_text(self) -> str:
        """The payload as JSON text (``null`` for none)."""
        return self.payload_json if self.payload_json is not None else json.dumps(self.payload)


class InboxRepository(Repository):
    """Drop redeliveries; keep events whose order has not arrived yet."""

    async def record(
        self,
        *,
        source: str,
        external_id: str,
        payload: dict[str, Any] | None = None,
        status: str = "processed",
        order_number: str | None = None,
        tracking_number: str | None = None,
    ) -> bool:
        """Store the entry; False when (source, external_id) was already received."""
        driver = await self.sqlite_driver()
        if driver is not None:
            params = (
                source,
                external_id,
                json.dumps(payload),  # None is stored as JSON null, as the JSON column type does
                status,
                order_number,
                tracking_number,
                sqlite_value(utcnow()),
            )
            return bool(await execute_sqlite(driver, _RECORD_SQLITE, params))
        result = await self._session.execute(
            _RECORD[self.dialect],
            {
                "p_source": source,
                "p_external_id": external_id,
                "p_payload": payload,
                "p_status": status,
                "p_order_number": order_number,
                "p_tracking_number": tracking_number,
                "p_received_at": utcnow(),
            },
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def record_event(self, *, event: NormalizedEvent) -> bool:
        """:meth:`record` for a normalized event (its JSON form is the payload); False when
        (source, event id) was already received."""
        return await self.record(
            source=event.source,
            external_id=event.event_id,
            payload=event.model_dump(mode="json"),
            order_number=event.order_number,
            tracking_number=event.tracking_number,
        )

    async def pending_for(self, *, order_number: str | None, tracking_numbers: list[str]) -> list[InboxEntry]:
        """Held events that name this order or one of these tracking numbers, oldest first."""
        conditions = []
        if order_number:
            conditions.append(InboxEntry.order_number == order_number)
        if tracking_numbers:
            conditions.append(InboxEntry.tracking_number.in_(tracking_numbers))
        if not conditions:
            return []
        result = await self._session.execute(
            select(InboxEntry).where(InboxEntry.status == "pending", or_(*conditions)).order_by(InboxEntry.id)
        )
        return list(result.scalars())

    async def mark_processed(self, *, entry_id: int) -> None:
        """A held event has been applied."""
        await self._session.execute(
            update(InboxEntry).where(InboxEntry.id == entry_id).values(status="processed")
        )

    async def mark_pending(self, *, source: str, external_id: str) -> None:
        """Hold an already recorded entry until its order arrives."""
        await self._session.execute(
            update(InboxEntry)
            .where(InboxEntry.source == source, InboxEntry.external_id == external_id)
            .values(status="pending")
        )

    async def note_outcome(self, *, source: str, external_id: str, outcome: str) -> None:
        """Keep why a recorded event changed nothing (shown in the order's timeline)."""
        driver = await self.flushed_sqlite_driver()
        if driver is not None:
            await execute_sqlite(driver, _NOTE_OUTCOME_SQLITE, (outcome[:200], source, external_id))
            return
        await self._session.execute(
            update(InboxEntry)
            .where(InboxEntry.source == source, InboxEntry.external_id == external_id)
            .values(outcome=outcome[:200])
        )

    async def note_duplicate(self, *, source: str, external_id: str, at: datetime) -> None:
        """Count one more arrival of an already recorded (source, external id)."""
        driver = await self.flushed_sqlite_driver()
        if driver is not None:
            await execute_sqlite(driver, _NOTE_DUPLICATE_SQLITE, (sqlite_value(at), source, external_id))
            return
        await self._session.execute(
            update(InboxEntry)
            .where(InboxEntry.source == source, InboxEntry.external_id == external_id)
            .values(duplicates=InboxEntry.duplicates + 1, last_duplicate_at=at)
        )

    # ---- references: provider ids learned from one event, needed to place a later one ----------
    async def remember_ref(
        self,
        *,
        namespace: str,
        external_id: str,
        order_number: str | None,
        tracking_number: str | None = None,
    ) -> None:
        """Remember what a provider's own id stands for (e.g. a Shopify order id -> order number).

        Stored as an inbox row with ``source = "ref:<namespace>"`` and status ``"ref"``; its
        ``order_number``/``tracking_number`` columns stay empty (the values live in the payload)
        so order-keyed inbox queries never see it. Remembering again overwrites.
        """
        values = {"order_number": order_number, "tracking_number": tracking_number}
        await self._session.execute(
            self.insert(InboxEntry)
            .values(
                source=f"ref:{namespace}",
                external_id=external_id,
                payload=values,
                status="ref",
                received_at=utcnow(),
            )
            .on_conflict_do_update(index_elements=["source", "external_id"], set_={"payload": values})
        )

    async def ref(self, *, namespace: str, external_id: str) -> dict[str, Any] | None:
        """What :meth:`remember_ref` stored for this id (``order_number``, ``tracking_number``), or None."""
        result = await self._session.execute(
            select(InboxEntry.payload).where(
                InboxEntry.source == f"ref:{namespace}", InboxEntry.external_id == external_id
            )
        )
        payload = result.scalar_one_or_none()
        return dict(payload) if payload else None

    async def pending_unaddressed(self, *, source: str, limit: int = 1000) -> list[InboxEntry]:
        """Held entries of ``source`` naming no order number (placed only by a provider id), oldest first."""
        result = await self._session.execute(
            select(InboxEntry)
            .where(
                InboxEntry.status == "pending",
                InboxEntry.source == source,
                InboxEntry.order_number.is_(None),
            )
            .order_by(InboxEntry.id)
            .limit(limit)
        )
        return list(result.scalars())

    async def for_order(self, *, order_number: str, tracking_numbers: list[str]) -> list[InboxEntry]:
        """Received events (applied or held) naming this order or one of these tracking numbers, oldest first."""
        conditions = [InboxEntry.order_number == order_number]
        if tracking_numbers:
            conditions.append(InboxEntry.tracking_number.in_(tracking_numbers))
        result = await self._session.execute(
            select(InboxEntry)
            .where(InboxEntry.status.in_(["processed", "pending"]), or_(*conditions))
            .order_by(InboxEntry.id)
        )
        return list(result.scalars())

    async def record_many(self, entries: Sequence[NewInboxEntry]) -> set[tuple[str, str]]:
        """Store several entries; returns the (source, external id) pairs that were new.

        A pair already received, or named twice in ``entries``, is stored once.
        """
        if not entries:
            return set()
        now = utcnow()
        driver = await self.flushed_sqlite_driver()
        if driver is not None:
            at = sqlite_value(now)
            new: set[tuple[str, str]] = set()
            for chunk in chunks(entries):
                params: list[Any] = []
                for e in chunk:
                    params += (
                        e.source,
                        e.external_id,
                        e.payload_text(),
                        e.status,
                        e.order_number,
                        e.tracking_number,
                        at,
                    )
                sql = _RECORD_MANY_SQLITE.format(values=value_groups(len(chunk), 7))
                new.update(
                    (source, external_id)
                    for source, external_id in await fetch_all_sqlite(driver, sql, params)
                )
            return new
        stmt = (
            self.insert(InboxEntry)
            .on_conflict_do_nothing(index_elements=["source", "external_id"])
            .returning(InboxEntry.source, InboxEntry.external_id)
        )
        result = await self._session.execute(
            stmt,
            [
                {
                    "source": e.source,
                    "external_id": e.external_id,
                    "payload": e.payload if e.payload_json is None else json.loads(e.payload_json),
                    "status": e.status,
                    "order_number": e.order_number,
                    "tracking_number": e.tracking_number,
                    "received_at": now,
                }
                for e in entries
            ],
        )
        return {(source, external_id) for source, external_id in result.all()}
