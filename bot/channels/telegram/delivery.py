"""Replies out to one chat, in order, at Telegram's pace, each message sent once.

- Long texts are split here (buttons and links ride on the last piece), so every send is one
  Telegram message and a retry never repeats a piece that already went out.
- 429: the whole bot pauses for ``retry_after`` (plus a little jitter, so throttled chats do
  not all come back at the same instant) and the same message is sent again; a 429 is retried
  for as long as ``MAX_RETRY_SECONDS`` allows, since Telegram said exactly when to come back.
- 5xx, timeouts and network errors: retried with doubling waits, ``MAX_TRANSIENT_FAILURES`` times.
- 403 (blocked by the user, chat gone): the identity is marked unreachable and the rest of the
  replies for that chat are dropped.
- A message Telegram refuses for good (400) is logged and skipped.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence

from bot.channels.base import PermanentFailure, RetryLater, Sender, Unreachable
from bot.channels.telegram.adapter import CHANNEL
from bot.channels.telegram.sender import split_text
from bot.notify.ratelimit import Pacer
from handlers.messages import Reply
from storage.store import Store

log = logging.getLogger(__name__)

#: give up on one message after this long of being told to retry (seconds)
MAX_RETRY_SECONDS = 300.0
#: failures without a retry_after (5xx, timeouts) before a message is dropped
MAX_TRANSIENT_FAILURES = 5
#: first wait after such a failure (doubles each time)
FIRST_BACKOFF_SECONDS = 0.5
#: up to this share of retry_after is added, so throttled chats come back spread out
RETRY_JITTER = 0.1


def pieces(reply: Reply) -> list[Reply]:
    """A reply as single Telegram messages: text pieces first, buttons and links on the last."""
    texts = split_text(reply.text)
    if len(texts) == 1:
        return [reply]
    return [Reply(text) for text in texts[:-1]] + [Reply(texts[-1], buttons=reply.buttons, links=reply.links)]


class ChatDelivery:
    """Sends replies through ``sender`` paced by ``pacer``; marks blocked chats unreachable in ``store``."""

    def __init__(
        self, sender: Sender, pacer: Pacer, store: Store, *, rng: random.Random | None = None
    ) -> None:
        self._sender = sender
        self._pacer = pacer
        self._store = store
        self._rng = rng or random.Random()

    async def deliver(self, chat: str, replies: Sequence[Reply]) -> bool:
        """Send ``replies`` to ``chat`` in order; False when the chat turned out unreachable."""
        for reply in replies:
            for piece in pieces(reply):
                if not await self._send(chat, piece):
                    return False
        return True

    async def _send(self, chat: str, piece: Reply) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + MAX_RETRY_SECONDS
        failures = 0
        while True:
            await self._pacer.acquire(chat)
            try:
                await self._sender.send(chat, piece)
                return True
            except RetryLater as exc:
                if exc.retry_after is not None:
                    wait = exc.retry_after * (1 + self._rng.uniform(0, RETRY_JITTER))
                    await self._pacer.pause(exc.retry_after)
                else:
                    failures += 1
                    if failures > MAX_TRANSIENT_FAILURES:
                        log.error("telegram reply dropped after %d failures: %s", failures, exc.reason)
                        return True
                    wait = FIRST_BACKOFF_SECONDS * 2 ** (failures - 1)
                if loop.time() + wait > deadline:
                    log.error("telegram reply dropped: still throttled after %.0fs", MAX_RETRY_SECONDS)
                    return True
                log.info("telegram send deferred %.2fs: %s", wait, exc.reason)
                await asyncio.sleep(wait)
            except Unreachable as exc:
                log.warning("telegram chat unreachable: %s", exc)
                await self._mark_unreachable(chat, str(exc))
                return False
            except PermanentFailure as exc:
                log.error("telegram refused a reply: %s", exc)
                return True

    async def _mark_unreachable(self, chat: str, reason: str) -> None:
        async with self._store.transaction() as repos:
            await repos.identities.mark_unreachable_by_external(
                channel=CHANNEL, external_id=chat, reason=reason
            )
