"""Grouped counts for the outcome report and the metrics, computed by the database.

Every method runs one aggregate query and returns its groups (a few hundred rows at most,
however many conversations, orders or messages there are). The definitions they implement are
in docs/REPORT.md; the caller (``bot.report``) turns the groups into rates and intervals.

The same SQL text runs on SQLite and PostgreSQL except for two fragments: the UTC day of a
timestamp and the position of a character in a string (see :class:`_Dialect`). Grouping is by day
where it can be (the rows come in day order from an index), with one conditional sum per class,
because SQLite groups by sorting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, bindparam, text
from sqlalchemy.sql.elements import TextClause

from storage.repositories.base import Repository
from storage.types import UTCDateTime

#: Knuth's multiplicative hash: a customer is in the holdout when ``hash mod 2^32 * 100 < percent * 2^32``
HOLDOUT_MULTIPLIER = 2654435761
HOLDOUT_MODULUS = 4294967296
#: a conversation is not contained when the shopper comes back within this many hours ...
RETURN_HOURS = 72
#: ... and not durably contained when they come back within this many
DURABLE_HOURS = 168


def holdout_threshold(percent: int) -> int:
    """The bound ``hash * 100`` must stay under for a customer to be in a ``percent`` holdout."""
    return int(percent) * HOLDOUT_MODULUS


def in_holdout(customer_id: int, percent: int) -> bool:
    """Whether the customer is in the control group: the SQL of :meth:`ReportRepository` computes the same."""
    return (customer_id * HOLDOUT_MULTIPLIER) % HOLDOUT_MODULUS * 100 < holdout_threshold(percent)


def _holdout_sql(customer: str) -> str:
    return f"(({customer} * {HOLDOUT_MULTIPLIER}) % {HOLDOUT_MODULUS}) * 100 < :threshold"


@dataclass(frozen=True, slots=True)
class _Dialect:
    """The SQL fragments that differ between SQLite and PostgreSQL."""

    name: str

    def utc_day(self, column: str) -> str:
        """The UTC calendar day of a timestamp column."""
        if self.name == "postgresql":
            return f"CAST(timezone('UTC', {column}) AS DATE)"
        return f"substr({column}, 1, 10)"

    def position(self, needle: str, haystack: str) -> str:
        """1-based position of ``needle`` (a SQL string literal) in ``haystack``, 0 when absent."""
        if self.name == "postgresql":
            return f"strpos({haystack}, {needle})"
        return f"instr({haystack}, {needle})"

    def reason_family(self, column: str) -> str:
        """A reason's leading words: cut at the first ``:`` and then at the first `` (``."""
        colon = self.position("':'", column)
        head = f"CASE WHEN {colon} > 0 THEN substr({column}, 1, {colon} - 1) ELSE {column} END"
        paren = self.position("' ('", f"({head})")
        return f"CASE WHEN {paren} > 0 THEN substr(({head}), 1, {paren} - 1) ELSE ({head}) END"


def _day(value: Any) -> date:
    """A day as either database returns it (SQLite: text, PostgreSQL: date)."""
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _in_list(name: str, values: Sequence[str]) -> tuple[str, dict[str, str]]:
    """``IN (:name_0, :name_1, ...)`` and its parameters (``IN ('')`` when empty: matches nothing)."""
    if not values:
        return "IN ('')", {}
    params = {f"{name}_{i}": value for i, value in enumerate(values)}
    return "IN (" + ", ".join(f":{key}" for key in params) + ")", params


@dataclass(frozen=True, slots=True)
class Period:
    """The report's period: UTC days ``since`` to ``until`` included, i.e. ``[start, end)``."""

    since: date
    until: date
    start: datetime
    end: datetime


#: the outcome classes, in the order :meth:`ReportRepository.outcomes` numbers them (1 to 4)
OUTCOME_CLASSES = ("contained", "escalated", "unresolved", "informational")


@dataclass(frozen=True, slots=True)
class OutcomeGroup:
    """Conversations started on one day: how many in each outcome class, and how many durably contained."""

    day: date
    counts: dict[str, int]
    durable: int


#: how a WISMO contact stands to proactive messages, and which group its customer is in
CONTACT_SPLITS = ("after", "without", "unknown")
CONTACT_GROUPS = ("treated", "holdout", "none")


@dataclass(frozen=True, slots=True)
class ContactGroup:
    """WISMO contacts of one day, proactive split (``after``/``without``/``unknown``) and holdout group."""

    day: date
    split: str
    group: str
    count: int


@dataclass(frozen=True, slots=True)
class ShipmentGroup:
    """Shipments shipped on one day, whether their order was sent a proactive message, and group."""

    day: date
    with_proactive: bool
    group: str
    count: int


@dataclass(frozen=True, slots=True)
class DecisionGroup:
    """Decision-log entries of one kind and decision; with a reason family, only those with that reason."""

    kind: str
    decision: str
    reason: str | None
    count: int


class ReportRepository(Repository):
    """The report's grouped queries (see the module docstring)."""

    @property
    def _sql(self) -> _Dialect:
        return _Dialect(self.dialect)

    async def _rows(self, sql: str, params: dict[str, Any], *, dates: Sequence[str] = ()) -> list[Any]:
        statement: TextClause = text(sql)
        binds = [bindparam(name, type_=UTCDateTime()) for name in ("start", "end") if f":{name}" in sql]
        binds += [bindparam(name, type_=Date()) for name in dates]
        if binds:
            statement = statement.bindparams(*binds)
        result = await self._session.execute(statement, params)
        return list(result.all())

    async def outcomes(self, *, since: date, until: date) -> list[OutcomeGroup]:
        """Conversations started on days ``since`` to ``until``, by day and outcome class, with the
        durably contained ones (one pass in day order: no sort)."""
        returned = f"return_seconds <= {RETURN_HOURS * 3600}"
        durable = f"(return_seconds IS NULL OR return_seconds > {DURABLE_HOURS * 3600})"
        sql = f"""
            SELECT day,
              SUM(CASE WHEN o = 1 THEN 1 ELSE 0 END), SUM(CASE WHEN o = 2 THEN 1 ELSE 0 END),
              SUM(CASE WHEN o = 3 THEN 1 ELSE 0 END), SUM(CASE WHEN o = 4 THEN 1 ELSE 0 END),
              SUM(CASE WHEN o = 1 AND {durable} THEN 1 ELSE 0 END)
            FROM (
              SELECT day, return_seconds,
                CASE WHEN handoffs > 0 THEN 2
                     WHEN answers = 0 AND waits = 0 AND fallbacks = 0 THEN 4
                     WHEN answers = 0 OR in_flow = 1 OR {returned} THEN 3
                     ELSE 1 END AS o
              FROM conversation_days
              WHERE day >= :since AND day <= :until
            ) classed
            GROUP BY day
        """
        rows = await self._rows(sql, {"since": since, "until": until}, dates=("since", "until"))
        return [
            OutcomeGroup(
                day=_day(r[0]),
                counts={name: int(r[1 + i] or 0) for i, name in enumerate(OUTCOME_CLASSES)},
                durable=int(r[5] or 0),
            )
            for r in rows
        ]

    async def intents(self, *, since: date, until: date) -> dict[str | None, int]:
        """Conversations started on days ``since`` to ``until`` by first substantive intent (None: none)."""
        sql = """
            SELECT first_intent, COUNT(*) FROM conversation_days
            WHERE day >= :since AND day <= :until GROUP BY first_intent
        """
        rows = await self._rows(sql, {"since": since, "until": until}, dates=("since", "until"))
        return {r[0]: int(r[1]) for r in rows}

    async def wismo_contacts(
        self,
        *,
        period: Period,
        wismo_intents: Sequence[str],
        proactive_kinds: Sequence[str],
        holdout_percent: int,
    ) -> list[ContactGroup]:
        """WISMO contacts started in the period by day, proactive split and holdout group."""
        intents, intent_params = _in_list("intent", wismo_intents)
        kinds, kind_params = _in_list("kind", proactive_kinds)
        customer = "COALESCE(s.customer_id, o.customer_id)"
        sql = f"""
            SELECT day, cell, COUNT(*) FROM (
              SELECT s.day AS day,
                (CASE WHEN o.id IS NULL THEN 2
                      WHEN EXISTS (
                        SELECT 1 FROM outbox m WHERE m.order_id = o.id AND m.status = 'sent'
                        AND m.kind {kinds} AND m.sent_at < s.started_at
                      ) THEN 0 ELSE 1 END) * 3
                + (CASE WHEN {customer} IS NULL THEN 2 WHEN {_holdout_sql(customer)} THEN 1 ELSE 0 END) AS cell
              FROM conversation_days s LEFT JOIN orders o ON o.order_number = s.order_number
              WHERE s.first_intent {intents} AND s.day >= :since AND s.day <= :until
            ) contacts
            GROUP BY day, cell
        """
        params = {
            "since": period.since,
            "until": period.until,
            "threshold": holdout_threshold(holdout_percent),
            **intent_params,
            **kind_params,
        }
        rows = await self._rows(sql, params, dates=("since", "until"))
        return [
            ContactGroup(
                day=_day(r[0]),
                split=CONTACT_SPLITS[int(r[1]) // 3],
                group=CONTACT_GROUPS[int(r[1]) % 3],
                count=int(r[2]),
            )
            for r in rows
        ]

    async def shipments(
        self, *, period: Period, proactive_kinds: Sequence[str], holdout_percent: int
    ) -> list[ShipmentGroup]:
        """Shipments shipped in the period by day, whether their order was sent a proactive message
        by the period's end, and holdout group."""
        d = self._sql
        kinds, kind_params = _in_list("kind", proactive_kinds)
        sql = f"""
            SELECT day, cell, COUNT(*) FROM (
              SELECT {d.utc_day("sh.shipped_at")} AS day,
                (CASE WHEN EXISTS (
                   SELECT 1 FROM outbox m WHERE m.order_id = sh.order_id AND m.status = 'sent'
                   AND m.kind {kinds} AND m.sent_at < :end
                 ) THEN 2 ELSE 0 END)
                + (CASE WHEN {_holdout_sql("o.customer_id")} THEN 1 ELSE 0 END) AS cell
              FROM shipments sh JOIN orders o ON o.id = sh.order_id
              WHERE sh.shipped_at >= :start AND sh.shipped_at < :end
            ) shipped
            GROUP BY day, cell
        """
        params = {
            "start": period.start,
            "end": period.end,
            "threshold": holdout_threshold(holdout_percent),
            **kind_params,
        }
        rows = await self._rows(sql, params)
        return [
            ShipmentGroup(
                day=_day(r[0]),
                with_proactive=int(r[1]) >= 2,
                group="holdout" if int(r[1]) % 2 else "treated",
                count=int(r[2]),
            )
            for r in rows
        ]

    async def sent_by_kind(self, *, period: Period, kinds: Sequence[str]) -> dict[str, int]:
        """Outbox messages of these kinds sent in the period, by kind."""
        listed, params = _in_list("kind", kinds)
        sql = f"""
            SELECT kind, COUNT(*) FROM outbox
            WHERE status = 'sent' AND sent_at >= :start AND sent_at < :end AND kind {listed}
            GROUP BY kind
        """
        rows = await self._rows(sql, {"start": period.start, "end": period.end, **params})
        return {str(r[0]): int(r[1]) for r in rows}

    async def decisions(self, *, period: Period, kinds: Sequence[str]) -> list[DecisionGroup]:
        """Decision-log entries of these kinds written in the period, by decision and kind (``reason``
        None), and the suppressions and failures again by reason family (:meth:`_Dialect.reason_family`):
        two queries along the ``(decision, kind, created_at)`` index."""
        listed, params = _in_list("kind", kinds)
        family = self._sql.reason_family("reason")
        where = f"created_at >= :start AND created_at < :end AND kind {listed}"
        counts = f"SELECT decision, kind, COUNT(*) FROM decision_log WHERE {where} GROUP BY decision, kind"
        reasons = f"""
            SELECT decision, kind, why, COUNT(*) FROM (
              SELECT decision, kind, {family} AS why FROM decision_log
              WHERE decision IN ('suppressed', 'failed') AND {where}
            ) decided
            GROUP BY decision, kind, why
        """
        values = {"start": period.start, "end": period.end, **params}
        found = [
            DecisionGroup(kind=str(r[1]), decision=str(r[0]), reason=None, count=int(r[2]))
            for r in await self._rows(counts, values)
        ]
        found += [
            DecisionGroup(kind=str(r[1]), decision=str(r[0]), reason=str(r[2]), count=int(r[3]))
            for r in await self._rows(reasons, values)
        ]
        return found

    async def touches(self, *, period: Period, kinds: Sequence[str]) -> dict[int, int]:
        """For the orders sent a message of these kinds in the period: touches (messages of these kinds
        sent up to the period's end) -> number of orders."""
        listed, params = _in_list("kind", kinds)
        sql = f"""
            SELECT touches, COUNT(*) FROM (
              SELECT order_id, COUNT(*) AS touches FROM outbox
              WHERE status = 'sent' AND order_id IS NOT NULL AND sent_at < :end AND kind {listed}
              GROUP BY order_id
              HAVING MAX(sent_at) >= :start
            ) per_order
            GROUP BY touches
        """
        rows = await self._rows(sql, {"start": period.start, "end": period.end, **params})
        return {int(r[0]): int(r[1]) for r in rows}

    # ---- metrics (all time) ---------------------------------------------------------------------
    async def message_totals(self, *, kinds: Sequence[str]) -> list[DecisionGroup]:
        """All time, for these kinds: sent messages (outbox, decision ``sent``, no reason) and the
        decision log's suppressions and failures by reason family."""
        listed, params = _in_list("kind", kinds)
        family = self._sql.reason_family("reason")
        sql = f"""
            SELECT kind, 'sent', NULL, COUNT(*) FROM outbox WHERE status = 'sent' AND kind {listed}
            GROUP BY kind
            UNION ALL
            SELECT kind, decision, why, COUNT(*) FROM (
              SELECT kind, decision, {family} AS why FROM decision_log
              WHERE decision IN ('suppressed', 'failed') AND kind {listed}
            ) decided
            GROUP BY kind, decision, why
        """
        rows = await self._rows(sql, params)
        return [DecisionGroup(kind=str(r[0]), decision=str(r[1]), reason=r[2], count=int(r[3])) for r in rows]

    async def webhook_events(self) -> list[tuple[str, str, int]]:
        """All time: received provider and API events (the inbox, chat messages left out) by source
        and result: ``applied``, ``held`` (waiting for its order), ``unchanged`` (an outcome such as
        "older than the current state") and ``duplicate`` (received again)."""
        family = self._sql.reason_family("outcome")
        sql = f"""
            SELECT source, result, SUM(n) FROM (
              SELECT source,
                CASE WHEN status = 'pending' THEN 'held'
                     WHEN outcome IS NULL THEN 'applied'
                     WHEN {family} = 'duplicate' THEN 'duplicate'
                     ELSE 'unchanged' END AS result,
                1 AS n
              FROM inbox WHERE source NOT LIKE 'chat:%'
              UNION ALL
              SELECT source, 'duplicate' AS result, duplicates AS n
              FROM inbox WHERE source NOT LIKE 'chat:%' AND duplicates > 0
            ) events
            GROUP BY source, result
        """
        rows = await self._rows(sql, {})
        return [(str(r[0]), str(r[1]), int(r[2] or 0)) for r in rows]

    async def handoffs_created(self) -> int:
        """Handoffs ever opened."""
        rows = await self._rows("SELECT COUNT(*) FROM handoffs", {})
        return int(rows[0][0])
