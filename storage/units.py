"""Units of work: what a repository works in.

Every repository statement runs in one unit of work, which commits or rolls back as a whole:

- :class:`SessionUnit` is an ``AsyncSession`` (PostgreSQL, in-memory SQLite, the stock aiosqlite
  driver). Hot-path statements on SQLite reach the driver connection through the session.
- :class:`LaneUnit` runs on a *lane*: a connection of the engine's pool held open by the store,
  whose SQLite driver connection (:mod:`storage.sqlite_inline`) is used directly. The SQL of a
  chat turn therefore costs no SQLAlchemy session, no greenlet hop and no pool check-out. A
  repository that needs the ORM gets an ``AsyncSession`` bound to the lane's connection, made
  on first use. It joins the same SQLite transaction, and its commit commits the driver's
  statements as well.

SQLite's driver begins its transaction implicitly before the first write, so reads made before a
unit's first write see the latest committed data (as they always did here); the versioned
conversation write catches a concurrent change.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

from storage.sqlite_inline import InlineConnection

log = logging.getLogger(__name__)

#: where :meth:`SessionUnit.driver` keeps the driver connection of the current transaction
_DRIVER_KEY = "doorstep.sqlite_driver"
#: lanes a store holds at most (more concurrent units of work use pooled sessions)
DEFAULT_LANES = 4


def _driver_connection(session: Session) -> Any:
    """The driver-level connection of the session's transaction (begun here if need be)."""
    return session.connection().connection.driver_connection


def new_session(bind: AsyncEngine | AsyncConnection) -> AsyncSession:
    """A session that keeps loaded objects usable after commit and flushes only when asked."""
    return AsyncSession(bind=bind, expire_on_commit=False, autoflush=False)


class SessionUnit:
    """A unit of work that is one ``AsyncSession``."""

    __slots__ = ("_session", "dialect", "dialect_name")

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self.dialect: Dialect = session.bind.dialect  # type: ignore[union-attr]
        self.dialect_name: str = self.dialect.name

    @property
    def session(self) -> AsyncSession:
        """The unit's session."""
        return self._session

    async def driver(self) -> Any | None:
        """The SQLite driver connection of this unit (aiosqlite's interface), or None on PostgreSQL.

        Statements run on it join the session's transaction (SQLite's driver begins it before
        the first write).
        """
        if self.dialect_name != "sqlite":
            return None
        sync = self._session.sync_session
        transaction = sync.get_transaction()
        cached = sync.info.get(_DRIVER_KEY)
        if cached is not None and transaction is not None and cached[0] is transaction:
            return cached[1]
        driver = await self._session.run_sync(_driver_connection)
        sync.info[_DRIVER_KEY] = (sync.get_transaction(), driver)
        return driver

    async def flushed_driver(self) -> Any | None:
        """Like :meth:`driver`, after writing objects pending in the session (reads on the driver
        connection do not autoflush as ORM queries do)."""
        if self.dialect_name != "sqlite":
            return None
        sync = self._session.sync_session
        if sync.new or sync.deleted or sync.dirty:
            await self._session.flush()
        return await self.driver()


class Lane:
    """One pooled connection held open by a store, and its SQLite driver connection."""

    __slots__ = ("connection", "driver")

    def __init__(self, connection: AsyncConnection, driver: InlineConnection) -> None:
        self.connection = connection
        self.driver = driver


class LaneUnit:
    """A unit of work on a :class:`Lane`: driver statements direct, a session only on demand."""

    __slots__ = ("_lane", "_session", "dialect", "dialect_name")

    def __init__(self, lane: Lane, dialect: Dialect) -> None:
        self._lane = lane
        self._session: AsyncSession | None = None
        self.dialect = dialect
        self.dialect_name: str = dialect.name

    @property
    def session(self) -> AsyncSession:
        """A session bound to the lane's connection (made on first use; same transaction)."""
        if self._session is None:
            self._session = new_session(self._lane.connection)
        return self._session

    async def driver(self) -> InlineConnection:
        """The lane's SQLite driver connection."""
        return self._lane.driver

    async def flushed_driver(self) -> InlineConnection:
        """The driver connection, after writing objects pending in the session (if one was made)."""
        session = self._session
        if session is not None:
            sync = session.sync_session
            if sync.new or sync.deleted or sync.dirty:
                await session.flush()
        return self._lane.driver

    async def commit(self) -> None:
        """Commit everything done in the unit (through the session when one was made)."""
        session, self._session = self._session, None
        if session is None:
            await self._lane.driver.commit()
            return
        try:
            await session.commit()
        finally:
            await session.close()

    async def rollback(self) -> None:
        """Undo everything done in the unit."""
        session, self._session = self._session, None
        try:
            if session is not None:
                await session.rollback()
                await session.close()
        finally:
            await self._lane.driver.rollback()


class Lanes:
    """The lanes of one store: taken without waiting, or None when all are busy (or not inline SQLite)."""

    def __init__(self, engine: AsyncEngine, size: int = DEFAULT_LANES) -> None:
        self._engine = engine
        self._size = size
        self._free: list[Lane] = []
        self._all: list[Lane] = []
        #: False once the engine turned out not to run SQLite inline
        self.usable = engine.dialect.name == "sqlite"

    async def take(self) -> Lane | None:
        """A free lane (opened if fewer than ``size`` exist), or None."""
        if self._free:
            return self._free.pop()
        if not self.usable or len(self._all) >= self._size:
            return None
        connection = await self._engine.connect()
        driver = (await connection.get_raw_connection()).driver_connection
        if not isinstance(driver, InlineConnection):
            self.usable = False
            await connection.close()
            return None
        lane = Lane(connection, driver)
        self._all.append(lane)
        return lane

    def give_back(self, lane: Lane) -> None:
        """Return ``lane`` after its unit of work ended."""
        self._free.append(lane)

    async def discard(self, lane: Lane) -> None:
        """Close ``lane`` instead of returning it (its connection may be broken)."""
        if lane in self._all:
            self._all.remove(lane)
        try:
            await lane.connection.invalidate()
        except Exception:
            log.warning("a broken SQLite lane could not be closed cleanly", exc_info=True)

    async def close(self) -> None:
        """Return every lane's connection to the pool."""
        lanes, self._all, self._free = self._all, [], []
        for lane in lanes:
            await lane.connection.close()
