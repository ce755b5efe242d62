"""What every repository shares: the session it works in and dialect-aware inserts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.sqlite_inline import InlineConnection
from storage.units import LaneUnit, SessionUnit


async def execute_sqlite(driver: Any, sql: str, params: Sequence[Any]) -> int:
    """Run one statement on a SQLite driver connection; answers the rows it changed."""
    if type(driver) is InlineConnection:
        return await driver.run(sql, params)
    cursor = await driver.execute(sql, params)
    changed = int(cursor.rowcount)
    await cursor.close()
    return changed


async def execute_many_sqlite(driver: Any, sql: str, rows: Sequence[Sequence[Any]]) -> int:
    """Run one statement for each row on a SQLite driver connection; answers the rows changed."""
    if type(driver) is InlineConnection:
        return await driver.run_many(sql, rows)
    cursor = await driver.executemany(sql, rows)
    changed = int(cursor.rowcount)
    await cursor.close()
    return changed


async def fetch_one_sqlite(driver: Any, sql: str, params: Sequence[Any]) -> Any:
    """The first row of one query on a SQLite driver connection, or None."""
    if type(driver) is InlineConnection:
        return await driver.fetch_one(sql, params)
    cursor = await driver.execute(sql, params)
    try:
        return await cursor.fetchone()
    finally:
        await cursor.close()


async def fetch_all_sqlite(driver: Any, sql: str, params: Sequence[Any]) -> list[Any]:
    """Every row of one query on a SQLite driver connection."""
    if type(driver) is InlineConnection:
        return await driver.fetch_all(sql, params)
    cursor = await driver.execute(sql, params)
    try:
        return list(await cursor.fetchall())
    finally:
        await cursor.close()


class Repository:
    """Base of all repositories: works in one unit of work (:mod:`storage.units`)."""

    def __init__(self, unit: SessionUnit | LaneUnit) -> None:
        self._unit = unit

    @property
    def _session(self) -> AsyncSession:
        """The unit's session (on a lane, made on first use)."""
        return self._unit.session

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._unit.dialect_name

    async def sqlite_driver(self) -> Any | None:
        """The SQLite driver connection of this unit of work (aiosqlite's interface), or None on
        PostgreSQL. Hot-path statements run on it directly, skipping SQLAlchemy's per-statement
        work; they join the unit's transaction (SQLite's driver begins it before the first write).
        """
        return await self._unit.driver()

    async def flushed_sqlite_driver(self) -> Any | None:
        """Like :meth:`sqlite_driver`, after writing any objects pending in the session (reads on
        the driver connection do not autoflush as ORM queries do)."""
        return await self._unit.flushed_driver()

    def insert(self, table: Table | Any) -> Any:
        """A dialect-specific INSERT supporting ``on_conflict_do_nothing``/``do_update``."""
        target = getattr(table, "__table__", table)
        if self.dialect == "postgresql":
            return postgresql.insert(target)
        return sqlite.insert(target)
