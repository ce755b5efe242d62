"""Replies out to one chat of a chat channel, in order, at the channel's pace, each message sent once.

A channel (:mod:`bot.channels.telegram.delivery`, :mod:`bot.channels.whatsapp.delivery`) says how a
reply becomes single platform messages (``pieces``: a refusal there skips the reply) and how one is
sent (``send``); every send is one message, so a retry never repeats one that already went out.

- :class:`~bot.channels.base.RetryLater` with ``retry_after``: the whole channel pauses for it (plus
  a little jitter, so throttled chats do not all come back at the same instant) and the same message
  is sent again, for as long as ``max_retry_seconds`` allows.
- Without ``retry_after`` (5xx, timeouts, network errors): retried with doubling waits,
  ``MAX_TRANSIENT_FAILURES`` times.
- :class:`~bot.channels.base.Unreachable`: the identity is marked unreachable and the rest of the
  replies for that chat are dropped.
- :class:`~bot.channels.base.PermanentFailure`: the message is logged and skipped.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from bot.channels.base import PermanentFailure, RetryLater, Unreachable
from bot.notify.ratelimit import Pacer
from handlers.messages import Reply
from storage.store import Store

log = logging.getLogger(__name__)

#: failures without a retry_after (5xx, timeouts) before a message is dropped
MAX_TRANSIENT_FAILURES = 5
#: first wait after such a failure (doubles each time)
FIRST_BACKOFF_SECONDS = 0.5
#: up to this share of retry_after is added, so throttled chats come back spread out
RETRY_JITTER = 0.1

Piece = TypeVar("Piece")


class PacedDelivery(Generic[Piece]):
    """Sends replies to chats of ``channel``: each reply as ``pieces``, each piece through ``send``
    paced by ``pacer``; marks unreachable chats in ``store``. ``noun`` names a chat in the logs;
    one message is given up after ``max_retry_seconds`` of being told to retry."""

    def __init__(
        self,
        *,
        channel: str,
        noun: str,
        pieces: Callable[[Reply], list[Piece]],
        send: Callable[[str, Piece], Awaitable[object]],
        pacer: Pacer,
        store: Store,
        max_retry_seconds: float,
        rng: random.Random | None = None,
    ) -> None:
        self._channel = channel
        self._noun = noun
        self._pieces = pieces
        self._send_piece = send
        self._pacer = pacer
        self._store = store
        self._max_retry_seconds = max_retry_seconds
        self._rng = rng or random.Random()

    async def deliver(self, chat: str, replies: Sequence[Reply]) -> bool:
        """Send ``replies`` to ``chat`` in order; False when the chat turned out unreachable."""
        for reply in replies:
            try:
                pieces = self._pieces(reply)
            except PermanentFailure as exc:
                log.error("%s reply not sendable: %s", self._channel, exc)
                continue
            for piece in pieces:
                if not await self._send(chat, piece):
                    return False
        return True

    async def _send(self, chat: str, piece: Piece) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._max_retry_seconds
        failures = 0
        while True:
            await self._pacer.acquire(chat)
            try:
                await self._send_piece(chat, piece)
                return True
            except RetryLater as exc:
                if exc.retry_after is not None:
                    wait = exc.retry_after * (1 + self._rng.uniform(0, RETRY_JITTER))
                    await self._pacer.pause(exc.retry_after)
                else:
                    failures += 1
                    if failures > MAX_TRANSIENT_FAILURES:
                        log.error(
                            "%s reply dropped after %d failures: %s", self._channel, failures, exc.reason
                        )
                        return True
                    wait = FIRST_BACKOFF_SECONDS * 2 ** (failures - 1)
                if loop.time() + wait > deadline:
                    log.error(
                        "%s reply dropped: still refused after %.0fs", self._channel, self._max_retry_seconds
                    )
                    return True
                log.info("%s send deferred %.2fs: %s", self._channel, wait, exc.reason)
                await asyncio.sleep(wait)
            except Unreachable as exc:
                log.warning("%s %s unreachable: %s", self._channel, self._noun, exc)
                async with self._store.transaction() as repos:
                    await repos.identities.mark_unreachable_by_external(
                        channel=self._channel, external_id=chat, reason=str(exc)
                    )
                return False
            except PermanentFailure as exc:
                log.error("%s refused a reply: %s", self._channel, exc)
                return True
