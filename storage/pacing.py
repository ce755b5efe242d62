"""The ``send_pacing`` table: provider send slots shared by every process of a deployment.

One row per provider (``recipient = ''``) and one per recipient (a chat, a number, a Slack
channel) hold GCRA "theoretical arrival times" (``tat``) in epoch seconds of the *database's*
clock, so processes on several machines agree on time; the provider's row also holds the pause a
429 asked for (``paused_until``). A booking locks the provider's row (``FOR UPDATE``), reads the
recipient's row and writes both in one short transaction: bookings for one provider are
serialised, which is what keeps the provider's overall rate and every recipient's rate for the
deployment as a whole. Rows of recipients idle for a while are deleted (:meth:`forget_idle`).

PostgreSQL only (SQLite runs one process, and paces in memory); it uses a small asyncpg pool of
its own, so a booking commits at once, outside any unit of work of the caller.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from storage.errors import StorageError
from storage.pg import create_pool

#: the provider's own row
PROVIDER_ROW = ""

_LOCK_PROVIDER = (
    "SELECT tat, paused_until, extract(epoch FROM clock_timestamp())::float8 AS now "
    "FROM send_pacing WHERE provider = $1 AND recipient = '' FOR UPDATE"
)
_ENSURE = (
    "INSERT INTO send_pacing (provider, recipient, tat, paused_until) VALUES ($1, $2, 0, 0) "
    "ON CONFLICT (provider, recipient) DO NOTHING"
)
_RECIPIENT_TAT = "SELECT tat FROM send_pacing WHERE provider = $1 AND recipient = $2"
_BOOK_BOTH = (
    "WITH g AS (UPDATE send_pacing SET tat = $3 WHERE provider = $1 AND recipient = '') "
    "INSERT INTO send_pacing (provider, recipient, tat, paused_until) VALUES ($1, $2, $4, 0) "
    "ON CONFLICT (provider, recipient) DO UPDATE SET tat = EXCLUDED.tat"
)
_BOOK_PROVIDER = "UPDATE send_pacing SET tat = $2 WHERE provider = $1 AND recipient = ''"
_BOOK_RECIPIENT = (
    "INSERT INTO send_pacing (provider, recipient, tat, paused_until) VALUES ($1, $2, $3, 0) "
    "ON CONFLICT (provider, recipient) DO UPDATE SET tat = EXCLUDED.tat"
)
_PEEK = (
    "SELECT p.tat, p.paused_until, r.tat AS recipient_tat, extract(epoch FROM clock_timestamp())::float8 AS now "
    "FROM send_pacing p LEFT JOIN send_pacing r ON r.provider = p.provider AND r.recipient = $2 "
    "WHERE p.provider = $1 AND p.recipient = ''"
)
_PAUSE = (
    "UPDATE send_pacing SET paused_until = GREATEST(paused_until, extract(epoch FROM clock_timestamp()) + $2), "
    "tat = GREATEST(tat, extract(epoch FROM clock_timestamp()) + $2) "
    "WHERE provider = $1 AND recipient = '' RETURNING paused_until - extract(epoch FROM clock_timestamp())"
)
_FORGET = "DELETE FROM send_pacing WHERE recipient <> '' AND tat < extract(epoch FROM clock_timestamp()) - $1"


@dataclass(frozen=True, slots=True)
class Booking:
    """The answer to :meth:`SendPacingTable.book`.

    ``booked``: a slot was taken and the message may go in ``wait`` seconds. Not booked: the
    recipient (or the paused provider) is not ready for ``wait`` seconds; nothing was reserved.
    ``paused_for``: seconds the provider stays paused after a 429 (0 when it is not).
    """

    booked: bool
    wait: float
    paused_for: float


class SendPacingTable:
    """Books send slots in ``send_pacing``; see the module docstring."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._providers: set[str] = set()

    @classmethod
    async def open(cls, url: str, *, size: int = 4) -> SendPacingTable:
        """Connect to the PostgreSQL database at ``url`` with a pool of ``size`` connections."""
        return cls(await create_pool(url, size=size))

    async def close(self) -> None:
        """Close the pool."""
        await self._pool.close()

    async def _ensure_provider(self, conn: asyncpg.Connection, provider: str) -> None:
        if provider not in self._providers:
            await conn.execute(_ENSURE, provider, PROVIDER_ROW)
            self._providers.add(provider)

    async def book(
        self,
        provider: str,
        recipient: str,
        *,
        interval: float | None,
        recipient_interval: float | None,
    ) -> Booking:
        """Take the next slot of ``provider`` for ``recipient`` if the recipient is ready now.

        ``interval``: seconds between two messages of the provider (None: no overall limit);
        ``recipient_interval``: seconds between two messages to one recipient (None: no limit).
        The recipient's next slot counts from this message's slot, so two messages to one chat
        are ``recipient_interval`` apart however busy the provider is.
        """
        try:
            async with self._pool.acquire() as conn:
                await self._ensure_provider(conn, provider)
                async with conn.transaction():
                    row = await conn.fetchrow(_LOCK_PROVIDER, provider)
                    if row is None:  # deleted behind our back: make it again next time
                        self._providers.discard(provider)
                        raise StorageError(f"send_pacing has no row for provider {provider!r}")
                    now, tat, paused_until = float(row["now"]), float(row["tat"]), float(row["paused_until"])
                    paused_for = max(0.0, paused_until - now)
                    ready = max(now, paused_until)
                    if recipient_interval is not None:
                        recipient_tat = await conn.fetchval(_RECIPIENT_TAT, provider, recipient)
                        ready = max(ready, float(recipient_tat or 0.0))
                    if ready > now:
                        return Booking(False, ready - now, paused_for)
                    slot = max(now, tat) if interval is not None else now
                    if interval is not None and recipient_interval is not None:
                        await conn.execute(
                            _BOOK_BOTH, provider, recipient, slot + interval, slot + recipient_interval
                        )
                    elif interval is not None:
                        await conn.execute(_BOOK_PROVIDER, provider, slot + interval)
                    elif recipient_interval is not None:
                        await conn.execute(_BOOK_RECIPIENT, provider, recipient, slot + recipient_interval)
                    return Booking(True, slot - now, paused_for)
        except (OSError, asyncpg.PostgresError) as exc:
            raise StorageError(f"send pacing failed: {type(exc).__name__}: {exc}") from exc

    async def peek(self, provider: str, recipient: str) -> float:
        """Seconds until a message to ``recipient`` could go (nothing is reserved)."""
        try:
            async with self._pool.acquire() as conn:
                await self._ensure_provider(conn, provider)
                row = await conn.fetchrow(_PEEK, provider, recipient)
        except (OSError, asyncpg.PostgresError) as exc:
            raise StorageError(f"send pacing failed: {type(exc).__name__}: {exc}") from exc
        if row is None:
            return 0.0
        now = float(row["now"])
        at = max(now, float(row["tat"]), float(row["paused_until"]), float(row["recipient_tat"] or 0.0))
        return at - now

    async def pause(self, provider: str, seconds: float) -> float:
        """Pause ``provider`` for ``seconds`` (every process); answers the seconds it stays paused."""
        try:
            async with self._pool.acquire() as conn:
                await self._ensure_provider(conn, provider)
                left = await conn.fetchval(_PAUSE, provider, max(0.0, seconds))
        except (OSError, asyncpg.PostgresError) as exc:
            raise StorageError(f"send pacing failed: {type(exc).__name__}: {exc}") from exc
        return max(0.0, float(left or 0.0))

    async def forget_idle(self, *, older_than: float) -> int:
        """Delete the rows of recipients whose last slot is ``older_than`` seconds past; answers how many."""
        try:
            async with self._pool.acquire() as conn:
                status = await conn.execute(_FORGET, older_than)
        except (OSError, asyncpg.PostgresError) as exc:
            raise StorageError(f"send pacing failed: {type(exc).__name__}: {exc}") from exc
        return int(status.rsplit(" ", 1)[-1])
