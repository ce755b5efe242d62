"""Async engine and session factory: SQLite (WAL) by default, PostgreSQL via URL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from storage.errors import StorageError

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./doorstep.db"


def is_sqlite(url: str) -> bool:
    """True when the URL names a SQLite database."""
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_engine(url: str = DEFAULT_DATABASE_URL, *, echo: bool = False) -> AsyncEngine:
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
        engine = create_async_engine(url, echo=echo, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    if backend == "postgresql":
        if parsed.get_driver_name() != "asyncpg":
            raise StorageError("PostgreSQL URLs must use the asyncpg driver: postgresql+asyncpg://...")
        return create_async_engine(url, echo=echo, pool_size=10, max_overflow=20, pool_pre_ping=True)
    raise StorageError(f"unsupported database {backend!r}: use sqlite+aiosqlite:// or postgresql+asyncpg://")


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
