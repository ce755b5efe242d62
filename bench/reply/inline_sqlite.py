"""A what-if for the reply benchmark: SQLite called inline on the event-loop thread.

SQLAlchemy's aiosqlite dialect hands every driver call (cursor, execute, fetchall, close,
commit, rollback) to aiosqlite's worker thread and waits for the answer: about 30 thread round
trips per message. This module gives the same dialect a connection with aiosqlite's interface
whose coroutines run ``sqlite3`` directly and never suspend, via ``create_async_engine(...,
async_creator=...)``. The engine, repositories and handlers run unchanged on top of it, so the
difference between the two passes is exactly the cost of the thread hand-offs.

This is an experiment, not a production driver: a statement that waits for SQLite's write lock
(another process writing) would block the event loop for up to ``busy_timeout``.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

#: the PRAGMAs storage.engine sets on every SQLite connection
PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
)


class InlineCursor:
    """aiosqlite's cursor interface over a ``sqlite3.Cursor``; every coroutine completes at once."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        """Run one statement."""
        self._cursor.execute(sql, parameters or ())
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> InlineCursor:
        """Run one statement for each parameter row."""
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchall(self) -> list[Any]:
        """All remaining rows."""
        return self._cursor.fetchall()

    async def fetchone(self) -> Any:
        """The next row, or None."""
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        """Up to ``size`` rows."""
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def close(self) -> None:
        """Close the cursor."""
        self._cursor.close()

    @property
    def description(self) -> Any:
        """DBAPI description of the last result."""
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        """Rows changed by the last statement."""
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        """Row id of the last insert."""
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        """Default ``fetchmany`` size."""
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class _InlineQueue:
    """Stands in for aiosqlite's request queue: runs the function now and resolves its future."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as error:  # handed to the awaiting caller, as aiosqlite does
            future.set_exception(error)


class InlineConnection:
    """aiosqlite's connection interface over a ``sqlite3.Connection`` (what SQLAlchemy's dialect uses)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self._conn = connection
        self._tx = _InlineQueue()

    def cursor(self) -> InlineCursor:
        """A new cursor (usable with ``async with``)."""
        return InlineCursor(self._connection.cursor())

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        """Run one statement on a new cursor."""
        return await self.cursor().execute(sql, parameters)

    async def commit(self) -> None:
        """Commit."""
        self._connection.commit()

    async def rollback(self) -> None:
        """Roll back."""
        self._connection.rollback()

    async def close(self) -> None:
        """Close the connection."""
        self._connection.close()

    def stop(self) -> None:
        """Terminate (SQLAlchemy's hard close)."""
        self._connection.close()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        """Register a SQL function."""
        self._connection.create_function(*args, **kwargs)

    @property
    def isolation_level(self) -> str | None:
        """The driver's isolation level."""
        return self._connection.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self._connection.isolation_level = value


def inline_engine(db: Path) -> AsyncEngine:
    """An async engine on ``db`` whose SQLite calls run inline on the event-loop thread."""

    async def connect() -> InlineConnection:
        connection = sqlite3.connect(db, check_same_thread=False)
        for pragma in PRAGMAS:
            connection.execute(pragma)
        return InlineConnection(connection)

    return create_async_engine(f"sqlite+aiosqlite:///{db}", async_creator=connect)
