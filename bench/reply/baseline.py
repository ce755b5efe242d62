"""Baselines for the reply benchmark: the least a database-backed reply can cost.

Per message, both baselines do what any stateful chat reply must at the very least: one
``SELECT`` of the shopper's order by primary key, one ``INSERT`` of the message into the
transcript, and a commit, one transaction per message, one message at a time, on the same
SQLite file and with the same PRAGMAs (WAL, synchronous=NORMAL). There is no NLU, no
dialogue state and no reply text.

- ``core``: SQLAlchemy Core ``text()`` statements on the very :class:`AsyncEngine` the doorstep
  engine uses (aiosqlite under SQLAlchemy's async adaptation, pooled connection). This is the
  baseline the ratio is taken against.
- ``raw``: the same two statements on a plain ``aiosqlite`` connection (no SQLAlchemy): the
  floor set by the driver's thread hop per statement.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import aiosqlite
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

SELECT_ORDER = "SELECT id, order_number, customer_id, status, placed_at FROM orders WHERE id = :id"
INSERT_LINE = (
    "INSERT INTO transcript_messages (conversation_id, direction, text, payload, intent, created_at) "
    "VALUES (:conversation_id, 'in', :text, :payload, NULL, :created_at)"
)
RAW_SELECT = SELECT_ORDER.replace(":id", "?")
RAW_INSERT = (
    "INSERT INTO transcript_messages (conversation_id, direction, text, payload, intent, created_at) "
    "VALUES (?, 'in', ?, ?, NULL, ?)"
)


#: one baseline message: (order id, conversation id, text, payload)
BaselineMessage = tuple[int, int, str, str | None]


@dataclass(slots=True)
class Timings:
    """Seconds per message: wall clock, and process CPU time (all threads)."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def start(self) -> tuple[float, float]:
        """Readings to pass to :meth:`stop`."""
        return time.perf_counter(), time.process_time()

    def stop(self, started: tuple[float, float]) -> None:
        """Record one message."""
        self.wall.append(time.perf_counter() - started[0])
        self.cpu.append(time.process_time() - started[1])


async def run_core(engine: AsyncEngine, messages: Sequence[BaselineMessage], now: datetime) -> Timings:
    """Timings per message with SQLAlchemy Core on ``engine``."""
    select, insert = text(SELECT_ORDER), text(INSERT_LINE)
    stamp = now.replace(tzinfo=None).isoformat(sep=" ")
    timings = Timings()
    for order_id, conversation_id, body, payload in messages:
        started = timings.start()
        async with engine.begin() as conn:
            row = (await conn.execute(select, {"id": order_id})).first()
            assert row is not None
            await conn.execute(
                insert,
                {"conversation_id": conversation_id, "text": body, "payload": payload, "created_at": stamp},
            )
        timings.stop(started)
    return timings


async def run_raw(db_path: Path, messages: Sequence[BaselineMessage], now: datetime) -> Timings:
    """Timings per message with a bare ``aiosqlite`` connection."""
    stamp = now.replace(tzinfo=None).isoformat(sep=" ")
    timings = Timings()
    async with aiosqlite.connect(db_path) as conn:
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        for order_id, conversation_id, body, payload in messages:
            started = timings.start()
            async with conn.execute(RAW_SELECT, (order_id,)) as cursor:
                row = await cursor.fetchone()
            assert row is not None
            await conn.execute(RAW_INSERT, (conversation_id, body, payload, stamp))
            await conn.commit()
            timings.stop(started)
    return timings
