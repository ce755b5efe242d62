"""``LISTEN`` on a PostgreSQL channel from a connection of its own, reconnecting when it breaks.

A notification is delivered at most once to a session that is listening when the sending
transaction commits: notifications sent while the connection was down are lost. So after every
(re)connection the listener calls ``on_connected``, and its owner catches up from the tables (the
notification only says "look now"; the rows are the truth).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import asyncpg

from storage.errors import StorageError
from storage.pg import connect

log = logging.getLogger(__name__)

#: seconds before the first reconnection attempt (doubled up to :data:`MAX_RETRY_SECONDS`)
RETRY_SECONDS = 0.5
MAX_RETRY_SECONDS = 10.0
#: how often an idle listening connection is checked with a query (seconds)
CHECK_SECONDS = 10.0


class Listener:
    """Listens on ``channel``; ``on_notify(payload)`` runs for each notification, on the loop."""

    def __init__(
        self,
        url: str,
        channel: str,
        *,
        on_notify: Callable[[str], None],
        on_connected: Callable[[], None],
        check_seconds: float = CHECK_SECONDS,
    ) -> None:
        self._url = url
        self._channel = channel
        self._on_notify = on_notify
        self._on_connected = on_connected
        self._check_seconds = check_seconds
        self._listening = asyncio.Event()
        #: the connection in use (tests break it to check the reconnection)
        self.connection: asyncpg.Connection | None = None

    @property
    def listening(self) -> bool:
        """True while a connection is listening."""
        return self._listening.is_set()

    async def wait_listening(self, within: float) -> bool:
        """Wait until a connection listens; False when none did within ``within`` seconds."""
        try:
            await asyncio.wait_for(self._listening.wait(), within)
        except TimeoutError:
            return False
        return True

    async def run(self) -> None:
        """Listen until cancelled, reconnecting with backoff whenever the connection fails."""
        delay = RETRY_SECONDS
        while True:
            try:
                await self._listen_once()
                delay = RETRY_SECONDS
            except StorageError as exc:
                log.warning("LISTEN %s: %s; retrying in %.1f s", self._channel, exc, delay)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning(
                    "LISTEN %s: connection lost (%s); reconnecting in %.1f s",
                    self._channel,
                    type(exc).__name__,
                    delay,
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RETRY_SECONDS)

    async def _listen_once(self) -> None:
        """One connection's life: listen, catch up, then watch it until it breaks."""
        conn = await connect(self._url)
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn: lost.set())
        self.connection = conn
        try:
            await conn.add_listener(self._channel, self._deliver)
            self._listening.set()
            log.info("listening on PostgreSQL channel %s", self._channel)
            self._on_connected()
            while not lost.is_set():
                try:
                    await asyncio.wait_for(lost.wait(), self._check_seconds)
                except TimeoutError:
                    await conn.fetchval("SELECT 1", timeout=5)
            raise ConnectionResetError("listening connection closed")
        finally:
            self._listening.clear()
            self.connection = None
            if not conn.is_closed():
                conn.terminate()

    def _deliver(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        self._on_notify(payload)
