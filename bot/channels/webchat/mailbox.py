"""The visitors' mailboxes in the database: what the web chat stores for a visitor, reads back for
an open page, and forgets once acknowledged (see :mod:`storage.repositories.webchat`).

Every process of a deployment reads and writes the same mailboxes, so a message stored by one
process is delivered by the process holding the visitor's page, and survives restarts.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.clock import Clock
from storage.repositories.webchat import MailboxPosition, StoredFrame
from storage.store import Store

#: acknowledged messages stay this long (a visitor's other pages, on other processes, may still
#: be reading them)
ACKED_KEPT = timedelta(minutes=10)
#: unacknowledged messages are dropped after this long (and so are mailboxes left empty)
RETENTION = timedelta(days=30)


class Mailbox:
    """Stores and reads visitors' numbered frames through the store's units of work."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    @property
    def dialect(self) -> str:
        """The database's dialect (``sqlite`` or ``postgresql``)."""
        return self._store.dialect

    async def put(self, visitor_id: str, frame: dict[str, Any]) -> StoredFrame:
        """Store ``frame`` as the visitor's next message (committed when this returns)."""
        async with self._store.transaction() as repos:
            return await repos.webchat.store(visitor_id=visitor_id, frame=frame, now=self._clock.now())

    async def position(self, visitor_id: str) -> MailboxPosition:
        """The visitor's last stored and last acknowledged numbers."""
        async with self._store.transaction() as repos:
            return await repos.webchat.position(visitor_id=visitor_id)

    async def after(self, visitor_id: str, seq: int, *, limit: int) -> list[StoredFrame]:
        """The visitor's messages numbered above ``seq``, in order (at most ``limit``)."""
        async with self._store.transaction() as repos:
            return await repos.webchat.after(visitor_id=visitor_id, seq=seq, limit=limit)

    async def acknowledge(self, visitor_id: str, seq: int) -> bool:
        """Record that the visitor has seen every message up to ``seq``."""
        async with self._store.transaction() as repos:
            return await repos.webchat.acknowledge(visitor_id=visitor_id, seq=seq, now=self._clock.now())

    async def prune(self) -> int:
        """Forget acknowledged messages older than :data:`ACKED_KEPT` and any older than
        :data:`RETENTION`; answers how many went."""
        now = self._clock.now()
        async with self._store.transaction() as repos:
            return await repos.webchat.prune(acked_before=now - ACKED_KEPT, stored_before=now - RETENTION)
