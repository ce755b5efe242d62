"""The inbox: every received event or message once, and events waiting for their order."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from storage.bulk import sqlite_value
from storage.models import InboxEntry, utcnow
from storage.repositories.base import Repository

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


@dataclass(frozen=True, slots=True)
class NewInboxEntry:
    """One entry for :meth:`InboxRepository.record_many`."""

    source: str
    external_id: str
    payload: dict[str, Any] | None = None
    status: str = "processed"
    order_number: str | None = None
    tracking_number: str | None = None


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
            cursor = await driver.execute(_RECORD_SQLITE, params)
            inserted = cursor.rowcount
            await cursor.close()
            return bool(inserted)
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
                    "payload": e.payload,
                    "status": e.status,
                    "order_number": e.order_number,
                    "tracking_number": e.tracking_number,
                    "received_at": now,
                }
                for e in entries
            ],
        )
        return {(source, external_id) for source, external_id in result.all()}
