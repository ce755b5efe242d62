"""Helpers for report tests: hand-built conversation days, a tiny shop, its report."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from bot.imports.orders import import_orders
from bot.report.period import parse_period
from bot.report.summary import ReportOptions, build_report
from storage.models import DecisionLogEntry, OutboxMessage
from storage.repositories.conversation_days import TurnFacts
from storage.store import Store
from tests.builders import order_line
from tests.handlers.conversation_kit import harness, shop_template

__all__ = ["harness", "shop_template"]

#: the reports of these tests cover November 2026
SINCE, UNTIL = "2026-11-01", "2026-11-30"
GENERATED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def at(day: int, hour: int = 10, minute: int = 0, month: int = 11) -> datetime:
    """A moment of 2026 (November by default), UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def facts(
    conversation_id: int,
    when: datetime,
    kind: str,
    *,
    intent: str | None = None,
    order: str | None = None,
    customer_id: int | None = None,
    in_flow: bool = False,
    handoff: bool = False,
) -> TurnFacts:
    """One turn by hand: ``kind`` is answer, wait, fallback or smalltalk (see docs/REPORT.md)."""
    first = intent if kind in ("answer", "wait") else None
    return TurnFacts(
        conversation_id=conversation_id,
        day=when.date(),
        at=when,
        channel="rest",
        party=f"c:{customer_id}" if customer_id is not None else f"t:{conversation_id}",
        customer_id=customer_id,
        order_number=order,
        subject=f"o:{order}" if order else (f"i:{first}" if first else None),
        first_intent=first,
        answers=int(kind == "answer"),
        waits=int(kind == "wait"),
        fallbacks=int(kind == "fallback"),
        smalltalk=int(kind == "smalltalk"),
        handoffs=int(handoff),
        in_flow=int(in_flow or kind == "wait"),
    )


async def threads(store: Store, count: int) -> list[int]:
    """``count`` new chat threads (conversation rows), their ids."""
    ids = []
    async with store.transaction() as repos:
        for n in range(count):
            conversation = await repos.conversations.get_or_create(channel="rest", external_id=f"visitor-{n}")
            ids.append(int(conversation.id or 0))
    return ids


async def record(store: Store, *turns: TurnFacts) -> None:
    """Record hand-built turns, in order."""
    async with store.transaction() as repos:
        for turn in turns:
            await repos.conversation_days.record(turn)


async def load_orders(store: Store, lines: list[dict[str, Any]]) -> dict[str, int]:
    """Import orders; answers order number -> customer id."""
    await import_orders(store, [json.dumps(line) for line in lines])
    found = {}
    async with store.transaction() as repos:
        for line in lines:
            details = await repos.orders.details_by_number(order_number=line["order_number"])
            assert details is not None
            found[line["order_number"]] = int(details.order.customer_id)
    return found


def shipped_order(number: str, shipped: str, *, email: str | None = None) -> dict[str, Any]:
    """An order of a different customer each, shipped at ``shipped`` (ISO)."""
    line = order_line(number, email=email or f"buyer{number}@example.com", placed_at="2026-10-20T10:00:00Z")
    line["shipments"][0]["shipped_at"] = shipped
    return line


async def order_id(store: Store, number: str) -> int:
    """The id of order ``number``."""
    async with store.transaction() as repos:
        details = await repos.orders.details_by_number(order_number=number)
        assert details is not None
        return int(details.order.id or 0)


async def sent(store: Store, number: str, kind: str, when: datetime, *, status: str = "sent") -> None:
    """An outbox row of ``kind`` for order ``number``, sent at ``when`` (as the dispatcher leaves it)."""
    oid = await order_id(store, number)
    row = {
        "dedupe_key": f"{number}:{kind}:{when.isoformat()}:{status}",
        "order_id": oid,
        "kind": kind,
        "channel": "telegram",
        "recipient": "42",
        "payload": {},
        "scheduled_at": when,
        "status": status,
        "attempts": 1,
        "sent_at": when if status == "sent" else None,
        "created_at": when,
    }
    async with store.engine.begin() as conn:
        await conn.execute(OutboxMessage.__table__.insert(), [row])  # type: ignore[attr-defined]


async def decided(
    store: Store, number: str | None, kind: str, decision: str, reason: str, when: datetime
) -> None:
    """A decision-log entry, as the policy or the dispatcher writes it."""
    oid = await order_id(store, number) if number else None
    row = {"order_id": oid, "kind": kind, "decision": decision, "reason": reason, "created_at": when}
    async with store.engine.begin() as conn:
        await conn.execute(DecisionLogEntry.__table__.insert(), [row])  # type: ignore[attr-defined]


async def report(
    store: Store, *, holdout: int = 0, cap: int = 6, since: str = SINCE, until: str = UNTIL
) -> dict[str, Any]:
    """The report of the period."""
    period = parse_period(since, until, today=date(2026, 12, 1))
    return await build_report(
        store, period, ReportOptions(holdout_percent=holdout, touch_cap=cap), now=GENERATED
    )
