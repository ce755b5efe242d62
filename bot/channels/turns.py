"""The turns of a chat channel (Telegram, WhatsApp): what both do around the engine's answer.

A channel composes one :class:`ChannelTurns`. It gives each incoming message a place in its
chat's queue (:class:`~bot.channels.ordering.ChatTurns`) the moment it arrives, runs the turn as
a tracked task, limits how many engine answers are worked on at once, and sends the offer of
proactive updates once a chat is verified: after the replies of the turn that verified it, or
in a turn of its own when none is running. :meth:`ChannelTurns.aclose` lets running turns finish.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from typing import Any

from bot.channels.ordering import ChatTurns, Turn
from bot.engine.engine import Engine, EngineResult
from handlers.messages import IncomingMessage, Reply
from storage.store import Store

log = logging.getLogger(__name__)

#: sends replies to a chat in order (the channel's delivery)
Deliver = Callable[[str, Sequence[Reply]], Awaitable[object]]


class ChannelTurns:
    """Per-chat turns, their tasks, the engine's answer slots and the updates offer of one channel.

    ``deliver`` sends replies to a chat; ``offer`` makes the question asked once a chat is
    verified; ``max_concurrent_answers`` bounds the engine answers worked on at once (None: no limit).
    """

    def __init__(
        self,
        *,
        channel: str,
        engine: Engine,
        store: Store,
        deliver: Deliver,
        offer: Callable[[], Reply],
        max_concurrent_answers: int | None = None,
    ) -> None:
        self._channel = channel
        self._engine = engine
        self._store = store
        self._deliver = deliver
        self._offer = offer
        self._turns = ChatTurns()
        self._answer_slots = asyncio.Semaphore(max_concurrent_answers) if max_concurrent_answers else None
        self._in_turn: set[str] = set()
        self._offers: dict[str, Reply] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def reserve(self, chat: str) -> Turn:
        """Take the next place in ``chat``'s queue (call without awaiting anything first)."""
        return self._turns.reserve(chat)

    def spawn(self, coroutine: Coroutine[Any, Any, None], *, background: bool = False) -> asyncio.Task[None]:
        """Run ``coroutine`` as a tracked task; a background task's failure is logged here."""
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if background:
            task.add_done_callback(self._log_failure)
        return task

    @asynccontextmanager
    async def answering(self, chat: str) -> AsyncIterator[list[Reply]]:
        """Around the answer of ``chat``'s current turn; the list it gives is filled, on the way
        out, with what is to follow the turn's replies (the offer, when the turn verified the chat)."""
        later: list[Reply] = []
        self._in_turn.add(chat)
        try:
            yield later
        finally:
            self._in_turn.discard(chat)
            offer = self._offers.pop(chat, None)
            if offer is not None:
                later.append(offer)

    async def answer(self, message: IncomingMessage) -> EngineResult:
        """The engine's answer, at most ``max_concurrent_answers`` at a time."""
        if self._answer_slots is None:
            return await self._engine.handle(message)
        async with self._answer_slots:
            return await self._engine.handle(message)

    async def on_identity_verified(self, channel: str, external_id: str, customer_id: int) -> None:
        """Engine hook: a chat of this channel was verified; offer proactive updates on it (once)."""
        if channel != self._channel:
            return
        async with self._store.transaction() as repos:
            identity = await repos.identities.get(channel=channel, external_id=external_id)
        if identity is None or identity.accepted_updates or identity.customer_id != customer_id:
            return
        if external_id in self._in_turn:
            self._offers[external_id] = self._offer()  # sent after the replies of the current turn
            return
        turn = self._turns.reserve(external_id)
        self.spawn(self._deliver_in_turn(turn, external_id, [self._offer()]), background=True)

    async def aclose(self, grace_seconds: float = 5.0) -> None:
        """Let running turns finish (up to ``grace_seconds``), then cancel what is left."""
        pending = [task for task in self._tasks if not task.done()]
        if pending:
            _, still = await asyncio.wait(pending, timeout=grace_seconds)
            for task in still:
                task.cancel()
            await asyncio.gather(*still, return_exceptions=True)

    @property
    def busy_chats(self) -> int:
        """Chats with a turn running or waiting."""
        return len(self._turns)

    async def _deliver_in_turn(self, turn: Turn, chat: str, replies: list[Reply]) -> None:
        async with turn:
            await self._deliver(chat, replies)

    def _log_failure(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("%s background work failed", self._channel, exc_info=task.exception())
