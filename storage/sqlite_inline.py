"""SQLite called on the event-loop thread, with lock waits moved off it.

SQLAlchemy's aiosqlite dialect hands every driver call (cursor, execute, fetch, close, commit,
rollback) to aiosqlite's worker thread and waits for the answer: about 25 thread round trips
per conversation message, which cost more than the SQL itself. This module gives the same
dialect a connection with aiosqlite's interface whose coroutines call ``sqlite3`` directly
(``create_async_engine(..., async_creator=...)``), so statements normally complete without
leaving the loop thread.

Safety: the connection runs with ``busy_timeout=0``, so SQLite never sleeps in its busy
handler on the loop thread. When a statement or commit finds the database locked (another
connection, in this process or another, holds the write lock) the call is retried on a worker
thread with the normal busy timeout, and the coroutine really suspends: the loop keeps running,
so a transaction of this process holding the lock can finish and release it. What still runs
on the loop thread is SQLite's own work: statements, and the occasional WAL checkpoint on commit.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

#: SQLite's primary result code for "database is locked"
SQLITE_BUSY = 5
#: extended code: a read snapshot is stale; retrying the statement cannot help
SQLITE_BUSY_SNAPSHOT = 517
#: how long a retried call waits for another connection's lock (milliseconds)
LOCK_WAIT_MS = 10_000

#: each connection's page cache, in KiB (SQLite's default is 2 MiB: too small for the indexes a batch
#: of events reads and updates, so pages are re-read from the file through system calls; with 64 MiB
#: ``bench/ingest`` spends about 40% less system time). Memory is taken as pages are used.
PAGE_CACHE_KIB = 65_536

#: PRAGMAs every SQLite connection gets, on either driver (storage.engine sets them for aiosqlite)
CONNECTION_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA cache_size=-{PAGE_CACHE_KIB}",
)
#: PRAGMAs set on every inline connection: a locked database answers at once, and the call is
#: retried off the loop thread with the busy timeout (:class:`_Lockwaits`)
PRAGMAS = (*CONNECTION_PRAGMAS, "PRAGMA busy_timeout=0")

T = TypeVar("T")


def is_busy(error: sqlite3.OperationalError) -> bool:
    """Whether ``error`` says the database is locked by another connection (worth waiting for)."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is None:
        return "database is locked" in str(error)
    return code & 0xFF == SQLITE_BUSY and code != SQLITE_BUSY_SNAPSHOT


class _Lockwaits:
    """Runs a driver call inline; on SQLITE_BUSY, again on a worker thread with a busy timeout."""

    def __init__(self, connection: sqlite3.Connection, wait_ms: int) -> None:
        self._connection = connection
        self._wait_ms = wait_ms

    async def call(self, function: Callable[[], T]) -> T:
        try:
            return function()
        except sqlite3.OperationalError as error:
            if not is_busy(error):
                raise
        return await self.off_loop(function)

    async def off_loop(self, function: Callable[[], T]) -> T:
        """Run ``function`` on a worker thread with the busy timeout (the database was locked)."""
        self._connection.execute(f"PRAGMA busy_timeout={int(self._wait_ms)}")
        try:
            return await asyncio.to_thread(function)
        finally:
            self._connection.execute("PRAGMA busy_timeout=0")


class InlineCursor:
    """aiosqlite's cursor interface over a ``sqlite3.Cursor``."""

    def __init__(self, cursor: sqlite3.Cursor, lockwaits: _Lockwaits) -> None:
        self._cursor = cursor
        self._lockwaits = lockwaits

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        """Run one statement."""
        cursor, params = self._cursor, parameters or ()
        await self._lockwaits.call(lambda: cursor.execute(sql, params))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> InlineCursor:
        """Run one statement for each parameter row."""
        cursor, rows = self._cursor, list(parameters)
        await self._lockwaits.call(lambda: cursor.executemany(sql, rows))
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
    """Stands in for aiosqlite's request queue (the dialect sets the isolation level through it)."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as error:  # handed to the awaiting caller, as aiosqlite does
            future.set_exception(error)


class InlineConnection:
    """aiosqlite's connection interface over a ``sqlite3.Connection`` (what SQLAlchemy's dialect uses)."""

    def __init__(self, connection: sqlite3.Connection, *, wait_ms: int = LOCK_WAIT_MS) -> None:
        self._connection = connection
        self._conn = connection
        self._tx = _InlineQueue()
        self._lockwaits = _Lockwaits(connection, wait_ms)

    def cursor(self) -> InlineCursor:
        """A new cursor (usable with ``async with``)."""
        return InlineCursor(self._connection.cursor(), self._lockwaits)

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        """Run one statement on a new cursor."""
        return await self.cursor().execute(sql, parameters)

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> InlineCursor:
        """Run one statement for each parameter row on a new cursor."""
        return await self.cursor().executemany(sql, parameters)

    async def fetch_one(self, sql: str, parameters: Sequence[Any]) -> Any:
        """The first row of one query, or None (one call: no cursor wrapper)."""
        connection = self._connection
        cursor = await self._lockwaits.call(lambda: connection.execute(sql, parameters))
        try:
            return cursor.fetchone()
        finally:
            cursor.close()

    async def fetch_all(self, sql: str, parameters: Sequence[Any]) -> list[Any]:
        """Every row of one query."""
        connection = self._connection
        cursor = await self._lockwaits.call(lambda: connection.execute(sql, parameters))
        try:
            return cursor.fetchall()
        finally:
            cursor.close()

    async def run(self, sql: str, parameters: Sequence[Any]) -> int:
        """Run one statement; answers the rows it changed."""
        connection = self._connection
        cursor = await self._lockwaits.call(lambda: connection.execute(sql, parameters))
        cursor.close()
        return int(cursor.rowcount)

    async def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        """Run one statement for each row; answers the rows changed."""
        connection = self._connection
        cursor = await self._lockwaits.call(lambda: connection.executemany(sql, rows))
        cursor.close()
        return int(cursor.rowcount)

    async def commit(self) -> None:
        """Commit (waiting off the loop thread if the database is locked)."""
        await self._lockwaits.call(self._connection.commit)

    async def rollback(self) -> None:
        """Roll back."""
        self._connection.rollback()

    async def close(self) -> None:
        """Close the connection."""
        self._connection.close()

    def stop(self) -> None:
        """Terminate (SQLAlchemy's hard close)."""
        self._connection.close()

    async def set_trace_callback(self, handler: Callable[[str], object] | None) -> None:
        """Call ``handler`` with the text of every statement SQLite runs (as aiosqlite's method does)."""
        self._connection.set_trace_callback(handler)

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


def inline_connector(database: str, *, wait_ms: int = LOCK_WAIT_MS) -> Callable[[], Any]:
    """An ``async_creator`` for ``create_async_engine`` opening ``database`` inline."""

    async def connect() -> InlineConnection:
        connection = sqlite3.connect(database, check_same_thread=False, timeout=wait_ms / 1000)
        for pragma in PRAGMAS:
            connection.execute(pragma)
        return InlineConnection(connection, wait_ms=wait_ms)

    return connect
