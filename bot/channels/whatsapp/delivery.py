"""Replies out to one WhatsApp number, in order, at the number's pace, each message sent once.

- A reply is rendered into WhatsApp messages first (:mod:`bot.channels.whatsapp.render`), so every
  send is one message and a retry never repeats one that already went out.
- Throughput errors (130429, HTTP 429): the whole number pauses for a second and the same message
  is sent again, for as long as ``MAX_RETRY_SECONDS`` allows.
- Pair-rate errors (131056), 5xx, timeouts and network errors: retried with doubling waits,
  ``MAX_TRANSIENT_FAILURES`` times.
- Undeliverable (131026: blocked, not on WhatsApp): the identity is marked unreachable and the rest
  of the replies for that number are dropped.
- A message WhatsApp refuses for good (bad parameters, 131047 outside the window) is logged and skipped.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence

from bot.channels.base import PermanentFailure, RetryLater, Unreachable
from bot.channels.whatsapp.adapter import CHANNEL
from bot.channels.whatsapp.render import Outgoing, render
from bot.channels.whatsapp.sender import WhatsAppSender
from bot.notify.ratelimit import Pacer
from handlers.messages import Reply
from storage.store import Store

log = logging.getLogger(__name__)

#: give up on one message after this long of being told to retry (seconds)
MAX_RETRY_SECONDS = 120.0
#: failures without a retry_after (5xx, timeouts, pair rate) before a message is dropped
MAX_TRANSIENT_FAILURES = 5
#: first wait after such a failure (doubles each time)
FIRST_BACKOFF_SECONDS = 0.5
#: up to this share of a pause is added, so throttled numbers come back spread out
RETRY_JITTER = 0.1


class WhatsAppDelivery:
    """Sends replies through ``sender`` paced by ``pacer``; marks undeliverable numbers in ``store``."""

    def __init__(
        self, sender: WhatsAppSender, pacer: Pacer, store: Store, *, rng: random.Random | None = None
    ) -> None:
        self._sender = sender
        self._pacer = pacer
        self._store = store
        self._rng = rng or random.Random()

    async def deliver(self, wa_id: str, replies: Sequence[Reply]) -> bool:
        """Send ``replies`` to ``wa_id`` in order; False when the number turned out unreachable."""
        for reply in replies:
            try:
                messages = render(reply)
            except PermanentFailure as exc:
                log.error("whatsapp reply not sendable: %s", exc)
                continue
            for outgoing in messages:
                if not await self._send(wa_id, outgoing):
                    return False
        return True

    async def _send(self, wa_id: str, outgoing: Outgoing) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + MAX_RETRY_SECONDS
        failures = 0
        while True:
            await self._pacer.acquire(wa_id)
            try:
                await self._sender.send_outgoing(wa_id, outgoing)
                return True
            except RetryLater as exc:
                if exc.retry_after is not None:
                    wait = exc.retry_after * (1 + self._rng.uniform(0, RETRY_JITTER))
                    await self._pacer.pause(exc.retry_after)
                else:
                    failures += 1
                    if failures > MAX_TRANSIENT_FAILURES:
                        log.error("whatsapp reply dropped after %d failures: %s", failures, exc.reason)
                        return True
                    wait = FIRST_BACKOFF_SECONDS * 2 ** (failures - 1)
                if loop.time() + wait > deadline:
                    log.error("whatsapp reply dropped: still refused after %.0fs", MAX_RETRY_SECONDS)
                    return True
                log.info("whatsapp send deferred %.2fs: %s", wait, exc.reason)
                await asyncio.sleep(wait)
            except Unreachable as exc:
                log.warning("whatsapp number unreachable: %s", exc)
                async with self._store.transaction() as repos:
                    await repos.identities.mark_unreachable_by_external(
                        channel=CHANNEL, external_id=wa_id, reason=str(exc)
                    )
                return False
            except PermanentFailure as exc:
                log.error("whatsapp refused a reply: %s", exc)
                return True
