"""What every repository shares: the session it works in and dialect-aware inserts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

#: where :meth:`Repository.sqlite_driver` keeps the driver connection of the current transaction
_DRIVER_KEY = "doorstep.sqlite_driver"


async def execute_sqlite(driver: Any, sql: str, params: tuple[Any, ...]) -> int:
    """Run one statement on a SQLite driver connection; answers the rows it changed."""
    cursor = await driver.execute(sql, params)
    changed = int(cursor.rowcount)
    await cursor.close()
    return changed


async def fetch_one_sqlite(driver: Any, sql: str, params: tuple[Any, ...]) -> Any:
    """The first row of one query on a SQLite driver connection, or None."""
    cursor = await driver.execute(sql, params)
    try:
        return await cursor.fetchone()
    finally:
        await cursor.close()


def _driver_connection(session: Session) -> Any:
    """The driver-level connection of the session's transaction (begun here if need be)."""
    return session.connection().connection.driver_connection


class Repository:
    """Base of all repositories: wraps one session (one unit of work)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._session.bind.dialect.name  # type: ignore[union-attr]

    async def sqlite_driver(self) -> Any | None:
        """The SQLite driver connection of this unit of work (aiosqlite's interface), or None on
        PostgreSQL. Hot-path statements run on it directly, skipping SQLAlchemy's per-statement
        work; they join the session's transaction (SQLite's driver begins it before the first write).
        """
        if self.dialect != "sqlite":
            return None
        sync = self._session.sync_session
        transaction = sync.get_transaction()
        cached = sync.info.get(_DRIVER_KEY)
        if cached is not None and transaction is not None and cached[0] is transaction:
            return cached[1]
        driver = await self._session.run_sync(_driver_connection)
        sync.info[_DRIVER_KEY] = (sync.get_transaction(), driver)
        return driver

    async def flushed_sqlite_driver(self) -> Any | None:
        """Like :meth:`sqlite_driver`, after writing any objects pending in the session (reads on
        the driver connection do not autoflush as ORM queries do)."""
        if self.dialect != "sqlite":
            return None
        sync = self._session.sync_session
        if sync.new or sync.deleted or sync.dirty:
            await self._session.flush()
        return await self.sqlite_driver()

    def insert(self, table: Table | Any) -> Any:
        """A dialect-specific INSERT supporting ``on_conflict_do_nothing``/``do_update``."""
        target = getattr(table, "__table__", table)
        if self.dialect == "postgresql":
            return postgresql.insert(target)
        return sqlite.insert(target)
