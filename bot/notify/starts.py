"""Recording that a send begins, durably, before the provider is called.

A dispatcher claims more rows than it sends at once (they wait for their send slot). When the
process stops, a claimed row tells, by ``send_started_at``, whether its send had begun: if so the
provider may have the message, and it is recorded as sent with the doubt stated, never sent twice;
if not, another dispatcher takes it again once its lease runs out, so nothing is lost.

The marks of the sends that begin in the same pass of the event loop share one transaction, and
each send waits for that commit. A mark only lands on a row still claimed by this dispatcher: one
that another dispatcher took meanwhile (this one waited past its lease) is not sent twice.
"""

from __future__ import annotations

import asyncio

from bot.clock import Clock
from bot.errors import DoorstepError
from storage.store import Store


class ClaimLost(DoorstepError):
    """The row was taken by another dispatcher (its lease had run out): this one must not send it."""


class SendStarts:
    """Writes ``send_started_at`` for outbox rows claimed by ``worker``, batching the marks that
    arrive together. A mark is also the fence of a claim: a row another dispatcher took after its
    lease ran out is not marked, and its send is refused (:class:`ClaimLost`)."""

    def __init__(self, store: Store, clock: Clock, worker: str) -> None:
        self._store = store
        self._clock = clock
        self._worker = worker
        self._pending: list[tuple[int, asyncio.Future[bool]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def mark(self, message_id: int) -> None:
        """Return once the row's send is recorded as begun; raises :class:`ClaimLost` when the row
        is no longer claimed by this dispatcher (and the storage error when it could not be written)."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((message_id, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name="outbox-send-starts")
        if not await asyncio.shield(future):
            raise ClaimLost(f"outbox row {message_id} was taken by another dispatcher")

    async def unmark(self, message_id: int) -> None:
        """The row's send did not begin after all (its slot was given up): clear the mark."""
        async with self._store.transaction() as repos:
            await repos.outbox.clear_send_started(message_ids=[message_id])

    async def _write(self) -> None:
        await asyncio.sleep(0)  # the other sends of this pass join the batch
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                async with self._store.transaction() as repos:
                    ours = await repos.outbox.mark_send_started(
                        message_ids=[message_id for message_id, _ in batch],
                        at=self._clock.now(),
                        worker=self._worker,
                    )
            except Exception as exc:  # each waiting send gets the error (its row is retried)
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for message_id, future in batch:
                if not future.done():
                    future.set_result(message_id in ours)


class StartOnSlot:
    """A :class:`~bot.notify.ratelimit.SlotHook` that records the send of one outbox row as begun
    just before its send slot (and clears that if the slot is given up)."""

    def __init__(self, starts: SendStarts, message_id: int) -> None:
        self._starts = starts
        self._message_id = message_id

    async def ready(self) -> None:
        """Record that the send begins."""
        await self._starts.mark(self._message_id)

    async def abandoned(self) -> None:
        """The slot was given up: the send has not begun."""
        await self._starts.unmark(self._message_id)
