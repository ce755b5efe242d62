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

import asyncio
import logging
import sqlite3
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

from storage.errors import StorageError
from storage.sqlite_inline import InlineConnection, is_busy

log = logging.getLogger(__name__)

#: where :meth:`SessionUnit.driver` keeps the driver connection of the current transaction
_DRIVER_KEY = "doorstep.sqlite_driver"
#: lanes a store holds at most (more concurrent units of work use pooled sessions)
DEFAULT_LANES = 4
#: the SAVEPOINT a unit runs in when it joins a lane's pending group commit
_UNIT_SAVEPOINT = "doorstep_unit"


def _driver_connection(session: Session) -> Any:
    """The driver-level connection of the session's transaction (begun here if need be)."""
    return session.connection().connection.driver_connection


def new_session(bind: AsyncEngine | AsyncConnection, *, nested: bool = False) -> AsyncSession:
    """A session that keeps loaded objects usable after commit and flushes only when asked;
    ``nested``: it works in a SAVEPOINT of the connection's transaction."""
    if nested:
        return AsyncSession(
            bind=bind, expire_on_commit=False, autoflush=False, join_transaction_mode="create_savepoint"
        )
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
    """One pooled connection held open by a store, and its SQLite driver connection.

    ``group`` is the commit that units finished on this lane wait for while their writes sit in
    the lane's open transaction (group commit); ``in_use`` is True while a unit runs on it.
    """

    __slots__ = ("connection", "driver", "flush_due", "group", "in_use", "raw")

    def __init__(self, connection: AsyncConnection, driver: InlineConnection) -> None:
        self.connection = connection
        self.driver = driver
        self.raw: sqlite3.Connection = driver._connection
        self.group: asyncio.Future[None] | None = None
        self.in_use = False
        #: the group's commit came due while a unit was running on the lane
        self.flush_due = False


class LaneUnit:
    """A unit of work on a :class:`Lane`: driver statements direct, a session only on demand.

    When the lane's transaction already holds the writes of finished units waiting for their
    group commit, the unit runs inside a SAVEPOINT, so its failure undoes only its own work.
    """

    __slots__ = ("_lane", "_savepoint", "_session", "dialect", "dialect_name")

    def __init__(self, lane: Lane, dialect: Dialect) -> None:
        self._lane = lane
        self._session: AsyncSession | None = None
        self._savepoint = False
        self.dialect = dialect
        self.dialect_name: str = dialect.name

    def begin(self) -> None:
        """Start the unit (a SAVEPOINT when other units' writes wait in the lane's transaction)."""
        if self._lane.group is not None:
            self._lane.raw.execute(f"SAVEPOINT {_UNIT_SAVEPOINT}")
            self._savepoint = True

    @property
    def session(self) -> AsyncSession:
        """A session bound to the lane's connection (made on first use). It works in a SAVEPOINT
        of the lane's transaction, so its rollback undoes only what it did."""
        if self._session is None:
            self._session = new_session(self._lane.connection, nested=True)
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

    async def finish(self) -> bool:
        """End the unit's own part; True when it wrote something that still needs a commit."""
        session, self._session = self._session, None
        if session is not None:
            try:
                await session.commit()
            finally:
                await session.close()
        if self._savepoint:
            self._lane.raw.execute(f"RELEASE SAVEPOINT {_UNIT_SAVEPOINT}")
        return self._lane.raw.in_transaction

    async def rollback(self) -> None:
        """Undo everything the unit did (and nothing that other units left for the group commit)."""
        session, self._session = self._session, None
        try:
            if session is not None:
                await session.rollback()
                await session.close()
        finally:
            if self._savepoint:
                self._lane.raw.execute(f"ROLLBACK TO SAVEPOINT {_UNIT_SAVEPOINT}")
                self._lane.raw.execute(f"RELEASE SAVEPOINT {_UNIT_SAVEPOINT}")
            else:
                await self._lane.driver.rollback()


class Lanes:
    """The lanes of one store, and their group commits.

    A unit takes a free lane without waiting (one whose transaction already holds finished work
    first, so it joins that group), or None when all are busy (or the engine is not inline
    SQLite). A finished unit's writes are committed with those of every other unit finished on
    the lane in the same event-loop pass: the commit runs in a callback scheduled by the first
    of them, and each waits for it.
    """

    def __init__(self, engine: AsyncEngine, size: int = DEFAULT_LANES) -> None:
        self._engine = engine
        self._size = size
        #: free lanes; those holding finished work are at the end (taken first)
        self._free: list[Lane] = []
        self._all: list[Lane] = []
        #: group commits waiting for another process's lock
        self._waits: set[asyncio.Task[None]] = set()
        #: False once the engine turned out not to run SQLite inline
        self.usable = engine.dialect.name == "sqlite"

    async def take(self) -> Lane | None:
        """A free lane (opened if fewer than ``size`` exist), or None."""
        if self._free:
            lane = self._free.pop()
        else:
            if not self.usable or len(self._all) >= self._size:
                return None
            lane = await self._open()
            if lane is None:
                return None
        lane.in_use = True
        return lane

    async def _open(self) -> Lane | None:
        connection = await self._engine.connect()
        driver = (await connection.get_raw_connection()).driver_connection
        if not isinstance(driver, InlineConnection):
            self.usable = False
            await connection.close()
            return None
        # held open for the lane's life: sessions on the lane nest in SAVEPOINTs (SQLite's driver
        # sends no BEGIN for it; the lane's own commits and rollbacks go to the driver)
        await connection.begin()
        lane = Lane(connection, driver)
        self._all.append(lane)
        return lane

    def wrote(self, lane: Lane) -> asyncio.Future[None]:
        """A unit on ``lane`` left writes to commit: the group commit it waits for."""
        if lane.group is None:
            lane.group = asyncio.get_running_loop().create_future()
            asyncio.get_running_loop().call_soon(self._commit_due, lane)
        return lane.group

    def give_back(self, lane: Lane) -> None:
        """Return ``lane`` after its unit of work ended (committing its group if that came due)."""
        lane.in_use = False
        if lane.group is not None:
            self._free.append(lane)
        else:
            self._free.insert(0, lane)
        if lane.flush_due:
            self._commit_due(lane)

    def _commit_due(self, lane: Lane) -> None:
        if lane.in_use:
            lane.flush_due = True  # the unit running on it commits the group when it gives it back
            return
        lane.flush_due = False
        group, lane.group = lane.group, None
        if group is None:
            return
        try:
            lane.raw.commit()
        except Exception as error:
            if not (isinstance(error, sqlite3.OperationalError) and is_busy(error)):
                self._failed(lane, group, error)
                return
            # locked by another process: wait for it off the loop thread, the lane kept busy meanwhile
            if lane in self._free:
                self._free.remove(lane)
            lane.in_use = True
            task = asyncio.get_running_loop().create_task(self._commit_waiting(lane, group))
            self._waits.add(task)
            task.add_done_callback(self._waits.discard)
            return
        if not group.done():
            group.set_result(None)

    async def _commit_waiting(self, lane: Lane, group: asyncio.Future[None]) -> None:
        try:
            await lane.driver.commit()
        except Exception as error:
            self._failed(lane, group, error)
        else:
            if not group.done():
                group.set_result(None)
        finally:
            self.give_back(lane)

    def _failed(self, lane: Lane, group: asyncio.Future[None], error: Exception) -> None:
        """The group's commit failed: its writes are undone and every unit of it raises ``error``."""
        log.error("a SQLite group commit failed: %s", error)
        lane.raw.rollback()
        if not group.done():
            group.set_exception(error)

    async def discard(self, lane: Lane) -> None:
        """Close ``lane`` instead of returning it (its connection may be broken)."""
        if lane in self._all:
            self._all.remove(lane)
        if lane.group is not None and not lane.group.done():
            lane.group.set_exception(StorageError("the connection broke before the commit"))
        await lane.connection.invalidate()

    async def close(self) -> None:
        """Commit what waits for a group commit, then return every lane's connection to the pool."""
        for lane in self._all:
            if lane.group is not None and not lane.in_use:
                self._commit_due(lane)
        if self._waits:  # commits that met another process's lock
            await asyncio.gather(*self._waits)
        lanes, self._all, self._free = self._all, [], []
        for lane in lanes:
            await lane.connection.close()
