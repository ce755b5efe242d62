"""The ``send_pacing`` table: provider send slots shared by every process of a deployment.

One row per provider (``recipient = ''``) and one per recipient (a chat, a number, a Slack
channel) hold GCRA "theoretical arrival times" (``tat``) in epoch seconds of the *database's*
clock, so processes on several machines agree on time; the provider's row also holds the pause a
429 asked for (``paused_until``). A booking (the function ``doorstep_book_send``, migration 0013)
locks the provider's row (``FOR UPDATE``), reads the recipient's row and writes both in one short
transaction: bookings for one provider are serialised, which is what keeps the provider's overall
rate and every recipient's rate for the deployment as a whole. Rows of recipients idle for a while
are deleted (:meth:`forget_idle`).

PostgreSQL only (SQLite runs one process, and paces in memory); it uses a small asyncpg pool of
its own, so a booking commits at once, outside any unit of work of the caller.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import asyncpg

from storage.errors import StorageError
from storage.pg import create_pool

#: the provider's own row
PROVIDER_ROW = ""

_ENSURE = (
    "INSERT INTO send_pacing (provider, recipient, tat, paused_until) VALUES ($1, $2, 0, 0) "
    "ON CONFLICT (provider, recipient) DO NOTHING"
)
#: the booking itself runs in the database (migration 0013): one round trip, the lock held for microseconds
_BOOK = "SELECT booked, wait, paused_for, now FROM doorstep_book_send($1, $2, $3, $4)"
#: how long each of several recipients would wait, in one round trip
_PEEK = (
    "SELECT r.recipient, p.tat, p.paused_until, s.tat AS recipient_tat, "
    "extract(epoch FROM clock_timestamp())::float8 AS now "
    "FROM send_pacing p CROSS JOIN unnest($2::text[]) AS r(recipient) "
    "LEFT JOIN send_pacing s ON s.provider = p.provider AND s.recipient = r.recipient "
    "WHERE p.provider = $1 AND p.recipient = ''"
)
_PAUSE = (
    "UPDATE send_pacing SET paused_until = GREATEST(paused_until, extract(epoch FROM clock_timestamp()) + $2), "
    "tat = GREATEST(tat, extract(epoch FROM clock_timestamp()) + $2) "
    "WHERE provider = $1 AND recipient = '' RETURNING paused_until - extract(epoch FROM clock_timestamp())"
)
_PAUSED_FOR = (
    "SELECT GREATEST(0, paused_until - extract(epoch FROM clock_timestamp())) "
    "FROM send_pacing WHERE provider = $1 AND recipient = ''"
)
_FORGET = "DELETE FROM send_pacing WHERE recipient <> '' AND tat < extract(epoch FROM clock_timestamp()) - $1"


@dataclass(frozen=True, slots=True)
class Booking:
    """The answer to :meth:`SendPacingTable.book`.

    ``booked``: a slot was taken and the message may go in ``wait`` seconds. Not booked: the
    recipient (or the paused provider) is not ready for ``wait`` seconds; nothing was reserved.
    ``paused_for``: seconds the provider stays paused after a 429 (0 when it is not).
    ``now``: the database's clock (epoch seconds) the answer counts from, and ``latency`` the round
    trip that brought it, so the caller can sleep until the slot however late the answer arrived.
    """

    booked: bool
    wait: float
    paused_for: float
    now: float = 0.0
    latency: float = 0.0
    #: local monotonic time half way through the round trip (when ``now`` was about true)
    local_mid: float = 0.0


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
        clock: Callable[[], float] = time.monotonic,
    ) -> Booking:
        """Take the next slot of ``provider`` for ``recipient`` if the recipient is ready now.

        ``interval``: seconds between two messages of the provider (None: no overall limit);
        ``recipient_interval``: seconds between two messages to one recipient (None: no limit).
        The recipient's next slot counts from this message's slot, so two messages to one chat
        are ``recipient_interval`` apart however busy the provider is. ``clock`` times the round
        trip (see :class:`Booking`).
        """
        try:
            async with self._pool.acquire() as conn:
                sent = clock()
                row = await conn.fetchrow(_BOOK, provider, recipient, interval, recipient_interval)
                received = clock()
        except (OSError, asyncpg.PostgresError) as exc:
            raise StorageError(f"send pacing failed: {type(exc).__name__}: {exc}") from exc
        return Booking(
            bool(row["booked"]),
            float(row["wait"]),
            float(row["paused_for"]),
            now=float(row["now"]),
            latency=received - sent,
            local_mid=(sent + received) / 2,
        )

    async def peek_many(self, provider: str, recipients: Sequence[str]) -> dict[str, float]:
        """Recipient -> seconds until a message to it could go, in one round trip (nothing is reserved)."""
        wanted = list(dict.fromkeys(recipients))
        try:
            async with self._pool.acquire() as conn:
                await self._ensure_provider(conn, provider)
                rows = await conn.fetch(_PEEK, provider, wanted)
        except (OSError, asyncpg.PostgresError) as exc:
            raise StorageError(f"send pacing failed: {type(exc).__name__}: {exc}") from exc
        waits = dict.fromkeys(wanted, 0.0)
        for row in rows:
            now = float(row["now"])
            at = max(now, float(row["tat"]), float(row["paused_until"]), float(row["recipient_tat"] or 0.0))
            waits[row["recipient"]] = at - now
        return waits

    async def pause(self, provider: str, seconds: float) -> float:
        """Pause ``provider`` for ``seconds`` (every process); answers the seconds it stays paused."""
        try:
            async with self._pool.acquire() as conn:
                await self._ensure_provider(conn, provider)
                left = await conn.fetchval(_PAUSE, provider, max(0.0, seconds))
        except (OSError, asyncpg.PostgresError) as exc:
            raise StorageError(f"send pacing failed: {type(exc).__name__}: {exc}") from exc
        return max(0.0, float(left or 0.0))

    async def paused_for(self, provider: str) -> float:
        """Seconds ``provider`` stays paused (0 when it is not)."""
        try:
            async with self._pool.acquire() as conn:
                left = await conn.fetchval(_PAUSED_FOR, provider)
        except (OSError, asyncpg.PostgresError) as exc:
            raise StorageError(f"send pacing failed: {type(exc).__name__}: {exc}") from exc
        return float(left or 0.0)

    async def forget_idle(self, *, older_than: float) -> int:
        """Delete the rows of recipients whose last slot is ``older_than`` seconds past; answers how many."""
        try:
            async with self._pool.acquire() as conn:
                status = await conn.execute(_FORGET, older_than)
        except (OSError, asyncpg.PostgresError) as exc:
            raise StorageError(f"send pacing failed: {type(exc).__name__}: {exc}") from exc
        return int(status.rsplit(" ", 1)[-1])
