"""Async engine and session factory: SQLite (WAL) by default, PostgreSQL via URL.

File-backed SQLite URLs (``sqlite+aiosqlite:///path.db``) run SQLite on the event-loop thread
(:mod:`storage.sqlite_inline`) instead of aiosqlite's worker thread: a conversation message
costs about 25 thread round trips less. Trade-off: SQLite's own work (each statement, and the
occasional WAL checkpoint at commit) now runs on the loop thread, so one slow statement delays
every other coroutine for its duration (the queries of this service are indexed look-ups of
well under a millisecond). Lock waits do NOT block the loop: the connection runs with
``busy_timeout=0`` and a statement that finds the database locked is retried on a worker thread
with a 10 s busy timeout, so transactions of this process or another one can finish meanwhile.
``create_engine(url, inline_sqlite=False)`` gives the stock aiosqlite driver.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from storage.errors import StorageError
from storage.sqlite_inline import CONNECTION_PRAGMAS, LOCK_WAIT_MS, inline_connector

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./doorstep.db"


def is_sqlite(url: str) -> bool:
    """True when the URL names a SQLite database."""
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in CONNECTION_PRAGMAS:
        cursor.execute(pragma)
    cursor.execute(f"PRAGMA busy_timeout={LOCK_WAIT_MS}")
    cursor.close()


def create_engine(
    url: str = DEFAULT_DATABASE_URL, *, echo: bool = False, inline_sqlite: bool = True
) -> AsyncEngine:
    """Create the async engine for ``url``.

    SQLite runs in WAL mode with foreign keys on and a generous busy timeout, so the web
    server, the dispatcher and CLI commands can share one file. PostgreSQL needs the
    ``postgresql+asyncpg://`` driver.
    """
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError for garbage
        raise StorageError(f"invalid database URL: {exc}") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.get_driver_name() != "aiosqlite":
            raise StorageError("SQLite URLs must use the aiosqlite driver: sqlite+aiosqlite:///path.db")
        kwargs: dict[str, Any] = {}
        if parsed.database in (None, "", ":memory:"):
            kwargs["poolclass"] = NullPool
        elif inline_sqlite and not parsed.query:
            return create_async_engine(url, echo=echo, async_creator=inline_connector(parsed.database))
        engine = create_async_engine(url, echo=echo, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    if backend == "postgresql":
        if parsed.get_driver_name() != "asyncpg":
            raise StorageError("PostgreSQL URLs must use the asyncpg driver: postgresql+asyncpg://...")
        return create_async_engine(url, echo=echo, pool_size=10, max_overflow=20, pool_pre_ping=True)
    raise StorageError(f"unsupported database {backend!r}: use sqlite+aiosqlite:// or postgresql+asyncpg://")
