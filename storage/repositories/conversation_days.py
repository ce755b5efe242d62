"""Per-day conversation facts for the outcome report: one upsert per engine turn.

The row of (conversation, UTC day) is created by the day's first turn and updated by the others:
counts by turn kind add up, the first substantive intent and the first order named stay, the last
turn says whether the bot was left waiting. See :class:`storage.models.ConversationDay`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, text

from storage.bulk import sqlite_value
from storage.repositories.base import Repository, execute_sqlite
from storage.types import UTCDateTime

_COLUMNS = (
    "conversation_id",
    "day",
    "channel",
    "customer_id",
    "order_number",
    "party",
    "subject",
    "first_intent",
    "started_at",
    "last_at",
    "turns",
    "answers",
    "waits",
    "fallbacks",
    "smalltalk",
    "handoffs",
    "in_flow",
)
_COUNTS = ("answers", "waits", "fallbacks", "smalltalk", "handoffs")

#: the same statement on both databases; ``{marks}`` are ``?`` (SQLite driver) or ``:name`` (SQLAlchemy)
_UPSERT = (
    "INSERT INTO conversation_days (" + ", ".join(_COLUMNS) + ") VALUES ({marks})"
    " ON CONFLICT (conversation_id, day) DO UPDATE SET"
    " customer_id = COALESCE(conversation_days.customer_id, excluded.customer_id),"
    " party = CASE WHEN conversation_days.customer_id IS NULL THEN excluded.party"
    " ELSE conversation_days.party END,"
    " subject = CASE WHEN conversation_days.order_number IS NULL AND excluded.order_number IS NOT NULL"
    " THEN excluded.subject ELSE COALESCE(conversation_days.subject, excluded.subject) END,"
    " order_number = COALESCE(conversation_days.order_number, excluded.order_number),"
    " first_intent = COALESCE(conversation_days.first_intent, excluded.first_intent),"
    " last_at = excluded.last_at,"
    " turns = conversation_days.turns + 1,"
    + ",".join(f" {c} = conversation_days.{c} + excluded.{c}" for c in _COUNTS)
    + ", in_flow = excluded.in_flow"
)
_UPSERT_SQLITE = _UPSERT.format(marks=", ".join("?" for _ in _COLUMNS))
_UPSERT_CORE = text(_UPSERT.format(marks=", ".join(f":{c}" for c in _COLUMNS))).bindparams(
    bindparam("started_at", type_=UTCDateTime()), bindparam("last_at", type_=UTCDateTime())
)

#: the first message about a subject on a later day marks the earlier days of the same party as returned
_RETURNED = (
    "UPDATE conversation_days SET return_seconds = {seconds}"
    " WHERE party = {party} AND subject = {subject} AND day < {day} AND return_seconds IS NULL"
)
_RETURNED_SQLITE = _RETURNED.format(
    seconds="CAST(ROUND((julianday(?) - julianday(last_at)) * 86400) AS INTEGER)",
    party="?",
    subject="?",
    day="?",
)
_RETURNED_CORE = text(
    _RETURNED.format(
        seconds="CAST(EXTRACT(EPOCH FROM (:at - last_at)) AS INTEGER)",
        party=":party",
        subject=":subject",
        day=":day",
    )
).bindparams(bindparam("at", type_=UTCDateTime()))


@dataclass(frozen=True, slots=True)
class TurnFacts:
    """What one engine turn adds to its conversation's day (the counts are 0 or 1)."""

    conversation_id: int
    day: date
    at: datetime
    channel: str
    party: str
    customer_id: int | None = None
    order_number: str | None = None
    subject: str | None = None
    first_intent: str | None = None
    answers: int = 0
    waits: int = 0
    fallbacks: int = 0
    smalltalk: int = 0
    handoffs: int = 0
    in_flow: int = 0

    def values(self) -> dict[str, object]:
        """Column values of a new row (an update adds the counts and keeps the first facts)."""
        return {
            "conversation_id": self.conversation_id,
            "day": self.day,
            "channel": self.channel,
            "customer_id": self.customer_id,
            "order_number": self.order_number,
            "party": self.party,
            "subject": self.subject,
            "first_intent": self.first_intent,
            "started_at": self.at,
            "last_at": self.at,
            "turns": 1,
            "answers": self.answers,
            "waits": self.waits,
            "fallbacks": self.fallbacks,
            "smalltalk": self.smalltalk,
            "handoffs": self.handoffs,
            "in_flow": self.in_flow,
        }


class ConversationDayRepository(Repository):
    """Records turn facts (the hot path: one upsert per turn, and one indexed update when the turn
    names a subject, for the days it may be a return to)."""

    async def record(self, facts: TurnFacts) -> None:
        """Add one turn to its conversation's day (the row is created by the day's first turn); when
        the turn names a subject, earlier days of the same party about it get their ``return_seconds``."""
        values = facts.values()
        driver = await self.sqlite_driver()
        if driver is None:
            await self._session.execute(_UPSERT_CORE, values)
            if facts.subject is not None:
                returned = {"at": facts.at, "party": facts.party, "subject": facts.subject, "day": facts.day}
                await self._session.execute(_RETURNED_CORE, returned)
            return
        await execute_sqlite(driver, _UPSERT_SQLITE, [sqlite_value(values[c]) for c in _COLUMNS])
        if facts.subject is not None:
            params = (sqlite_value(facts.at), facts.party, facts.subject, sqlite_value(facts.day))
            await execute_sqlite(driver, _RETURNED_SQLITE, params)
