"""Unit costs of what one reply is made of, measured in process: the reply benchmark's cost model.

Each probe runs an operation many times and reports its mean wall time and process CPU time
(all threads) per call: a transaction, one statement through each layer (the repositories'
ORM, SQLAlchemy Core on the same session, bare aiosqlite), the order look-up the handlers use,
the three writes every message makes, and the NLU. Multiplied by how often a message does each
(the breakdown pass counts statements), they show where a reply's milliseconds go and what a
change would save.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import aiosqlite
from sqlalchemy import text

from storage.repositories.conversations import TranscriptLine
from storage.store import Store


@dataclass(frozen=True, slots=True)
class UnitCost:
    """Mean milliseconds per call of one operation."""

    label: str
    wall_ms: float
    cpu_ms: float


async def measure(label: str, times: int, operation: Callable[[int], Awaitable[object]]) -> UnitCost:
    """Run ``operation(i)`` for i in range(times); mean wall and CPU milliseconds per call."""
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for i in range(times):
        await operation(i)
    return UnitCost(
        label,
        1000 * (time.perf_counter() - wall0) / times,
        1000 * (time.process_time() - cpu0) / times,
    )


def measure_sync(label: str, items: Sequence[str], operation: Callable[[str], object]) -> UnitCost:
    """Like :func:`measure` for a plain function over ``items``."""
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for item in items:
        operation(item)
    n = max(1, len(items))
    return UnitCost(label, 1000 * (time.perf_counter() - wall0) / n, 1000 * (time.process_time() - cpu0) / n)


CONVERSATION_SQL = (
    "SELECT id, channel, external_id, state, slots, version FROM conversations "
    "WHERE channel = :channel AND external_id = :external_id"
)


async def select_costs(
    store: Store, shoppers: Sequence[str], conversation_id: int, times: int, suffix: str = ""
) -> list[UnitCost]:
    """A transaction, one ORM select and the same select with SQLAlchemy Core, on ``store``'s engine."""
    n_shop = len(shoppers)
    costs: list[UnitCost] = []

    async def transaction(i: int) -> None:
        async with store.transaction() as repos:
            await repos.conversations.by_id(conversation_id=conversation_id)

    costs.append(await measure(f"transaction + 1 ORM get by primary key{suffix}", times, transaction))
    async with store.transaction() as repos:
        costs.append(
            await measure(
                f"ORM select: conversations.get (unique key){suffix}",
                times,
                lambda i: repos.conversations.get(channel="rest", external_id=shoppers[i % n_shop]),
            )
        )
    select = text(CONVERSATION_SQL)
    async with store.engine.connect() as conn:

        async def core(i: int) -> None:
            result = await conn.execute(select, {"channel": "rest", "external_id": shoppers[i % n_shop]})
            result.all()

        costs.append(await measure(f"Core text() select, same query{suffix}", times, core))
    return costs


async def unit_costs(
    store: Store,
    db: Path,
    *,
    shoppers: Sequence[str],
    order_numbers: Sequence[str],
    conversation_id: int,
    now: datetime,
    parse: Callable[[str], object],
    texts: Sequence[str],
    times: int = 500,
) -> list[UnitCost]:
    """The cost table; ``shoppers`` have conversations and identities on the "rest" channel."""
    n_shop, n_orders = len(shoppers), len(order_numbers)
    costs = await select_costs(store, shoppers, conversation_id, times)
    async with store.transaction() as repos:
        costs.append(
            await measure(
                "ORM select: conversations.with_identity (join)",
                times,
                lambda i: repos.conversations.with_identity(channel="rest", external_id=shoppers[i % n_shop]),
            )
        )
        costs.append(
            await measure(
                "ORM: orders.details_for_number (3 selects)",
                times,
                lambda i: repos.orders.details_for_number(order_number=order_numbers[i % n_orders]),
            )
        )
        costs.append(
            await measure(
                "write: inbox.record (INSERT .. ON CONFLICT)",
                times,
                lambda i: repos.inbox.record(source="bench:costs", external_id=f"c-{i}"),
            )
        )
        costs.append(
            await measure(
                "write: transcript.add_many (2 lines)",
                times,
                lambda i: repos.transcript.add_many(
                    [
                        TranscriptLine(
                            conversation_id=conversation_id, direction="in", text="hi", created_at=now
                        ),
                        TranscriptLine(
                            conversation_id=conversation_id, direction="out", text="hello", created_at=now
                        ),
                    ]
                ),
            )
        )
        conversation = await repos.conversations.by_id(conversation_id=conversation_id)
        assert conversation is not None
        version = conversation.version

        async def save(i: int) -> None:
            await repos.conversations.save(
                conversation_id=conversation_id,
                expected_version=version + i,
                state="idle",
                slots={"last_intent": "greeting", "order": order_numbers[0]},
            )

        costs.append(await measure("write: conversations.save (UPDATE, version check)", times, save))

    async with aiosqlite.connect(db) as conn:
        raw_sql = CONVERSATION_SQL.replace(":channel", "?").replace(":external_id", "?")

        async def raw(i: int) -> None:
            async with conn.execute(raw_sql, ("rest", shoppers[i % n_shop])) as cursor:
                await cursor.fetchall()

        costs.append(await measure("bare aiosqlite select, same query", times, raw))
    sync = sqlite3.connect(db)
    try:
        keys = [shoppers[i % n_shop] for i in range(times)]
        costs.append(
            measure_sync(
                "sync sqlite3 select on the loop thread, same query",
                keys,
                lambda key: sync.execute(raw_sql, ("rest", key)).fetchall(),
            )
        )
    finally:
        sync.close()
    costs.append(measure_sync("NLU parse (the script's typed texts)", texts, parse))
    return costs


def print_costs(costs: Sequence[UnitCost]) -> None:
    """The table."""
    print("\nunit costs (mean per call; CPU = process CPU time, all threads):")
    for cost in costs:
        print(f"  {cost.label:<52} wall {cost.wall_ms:6.3f} ms   CPU {cost.cpu_ms:6.3f} ms")
