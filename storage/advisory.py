"""Session-level PostgreSQL advisory locks on one dedicated connection (the leader's locks).

``pg_try_advisory_lock`` taken on a connection is held until that connection's session ends:
when the holding process dies, even by ``kill -9``, the server ends its session and the lock is
free for another process at once (a vanished machine within the TCP keepalive time of
:data:`storage.pg.KEEPALIVE_SETTINGS`). Lock names are hashed to the 64-bit keys PostgreSQL takes.
"""

from __future__ import annotations

import hashlib

import asyncpg

from storage.errors import StorageError
from storage.pg import connect

_HELD = (
    "SELECT ((classid::bigint << 32) | objid::bigint) AS key FROM pg_locks "
    "WHERE locktype = 'advisory' AND objsubid = 1 AND granted AND pid = pg_backend_pid()"
)


def lock_key(name: str) -> int:
    """The signed 64-bit advisory lock key of ``name`` (stable across processes and versions)."""
    return int.from_bytes(
        hashlib.blake2b(f"doorstep:{name}".encode(), digest_size=8).digest(), "big", signed=True
    )


class LockLost(StorageError):
    """The lock connection broke: every lock it held is gone."""


class AdvisoryLocks:
    """Named session-level advisory locks held on one connection of their own."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._conn: asyncpg.Connection | None = None
        self._held: set[str] = set()

    @property
    def held(self) -> frozenset[str]:
        """The names this connection believes it holds."""
        return frozenset(self._held)

    async def _connection(self) -> asyncpg.Connection:
        if self._conn is None or self._conn.is_closed():
            self._conn = await connect(self._url)
            self._held.clear()
        return self._conn

    async def try_lock(self, name: str) -> bool:
        """Take the lock ``name`` if no other session holds it; True when this connection holds it."""
        if name in self._held:
            return True
        conn = await self._connection()
        try:
            taken = bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", lock_key(name)))
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            await self._drop()
            raise LockLost(f"advisory lock connection failed: {type(exc).__name__}: {exc}") from exc
        if taken:
            self._held.add(name)
        return taken

    async def check(self) -> None:
        """Raise :class:`LockLost` unless the connection is alive and still holds every lock taken."""
        if not self._held:
            return
        if self._conn is None or self._conn.is_closed():
            await self._drop()
            raise LockLost("advisory lock connection closed")
        try:
            keys = {int(row["key"]) for row in await self._conn.fetch(_HELD, timeout=5)}
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            await self._drop()
            raise LockLost(f"advisory lock connection failed: {type(exc).__name__}: {exc}") from exc
        missing = {name for name in self._held if lock_key(name) not in keys}
        if missing:
            await self._drop()
            raise LockLost(f"advisory locks no longer held: {', '.join(sorted(missing))}")

    async def unlock(self, name: str) -> None:
        """Release the lock ``name`` (nothing when it is not held)."""
        if name not in self._held or self._conn is None or self._conn.is_closed():
            self._held.discard(name)
            return
        self._held.discard(name)
        try:
            await self._conn.fetchval("SELECT pg_advisory_unlock($1)", lock_key(name))
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            await self._drop()
            raise LockLost(f"advisory unlock failed: {type(exc).__name__}: {exc}") from exc

    async def _drop(self) -> None:
        self._held.clear()
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            conn.terminate()

    async def close(self) -> None:
        """Close the connection: every lock is released."""
        self._held.clear()
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            await conn.close()
