"""One thing at a time per chat, in arrival order; different chats run concurrently.

A turn is *reserved* synchronously when an update arrives (so arrival order is fixed before
any ``await``) and *entered* later; it starts once every earlier turn of the chat has ended.
"""

from __future__ import annotations

import asyncio
from types import TracebackType


class Turn:
    """A reserved place in one chat's queue; use as ``async with turn:``."""

    def __init__(self, owner: ChatTurns, chat: str, previous: asyncio.Future[None] | None) -> None:
        self._owner = owner
        self._chat = chat
        self._previous = previous
        self._done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    @property
    def done(self) -> asyncio.Future[None]:
        """Resolved when this turn ends."""
        return self._done

    async def __aenter__(self) -> Turn:
        previous = self._previous
        if previous is not None and not previous.done():
            try:
                await asyncio.shield(previous)
            except asyncio.CancelledError:
                # give up our place without letting the next turn overtake the previous one
                previous.add_done_callback(lambda _: self._finish())
                raise
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._finish()

    def _finish(self) -> None:
        if not self._done.done():
            self._done.set_result(None)
        self._owner._forget(self._chat, self._done)


class ChatTurns:
    """Per-chat queues of :class:`Turn`; a chat's entry is dropped when its last turn ends."""

    def __init__(self) -> None:
        self._tails: dict[str, asyncio.Future[None]] = {}

    def reserve(self, chat: str) -> Turn:
        """Take the next place in ``chat``'s queue (call without awaiting anything first)."""
        turn = Turn(self, chat, self._tails.get(chat))
        self._tails[chat] = turn.done
        return turn

    def busy(self, chat: str) -> bool:
        """Whether a turn of ``chat`` is running or waiting."""
        return chat in self._tails

    def _forget(self, chat: str, done: asyncio.Future[None]) -> None:
        if self._tails.get(chat) is done:
            del self._tails[chat]

    def __len__(self) -> int:
        return len(self._tails)
