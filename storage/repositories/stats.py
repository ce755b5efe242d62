"""Counts for operators' metrics: what is queued, sent, held and open."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.models import DecisionLogEntry, Handoff, InboxEntry, Order, OutboxMessage
from storage.repositories.base import Repository


class StatsRepository(Repository):
    """Aggregate counts (a handful of grouped queries, cheap enough for a scrape)."""

    async def snapshot(self) -> dict[str, dict[str, int]]:
        """Counts by family and label, e.g. ``{"outbox": {"sent": 10, "pending": 2}, ...}``."""
        out: dict[str, dict[str, int]] = {}
        out["orders"] = {
            "all": int((await self._session.execute(select(func.count()).select_from(Order))).scalar_one())
        }
        for family, column in (
            ("outbox", OutboxMessage.status),
            ("handoffs", Handoff.status),
            ("inbox", InboxEntry.status),
            ("decisions", DecisionLogEntry.decision),
        ):
            rows = await self._session.execute(select(column, func.count()).group_by(column))
            out[family] = {str(label): int(count) for label, count in rows.all()}
        return out
