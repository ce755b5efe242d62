"""Replies out to one WhatsApp number, in order, at the number's pace (:mod:`bot.channels.delivery`).

- A reply is rendered into WhatsApp messages first (:mod:`bot.channels.whatsapp.render`), so every
  send is one message and a retry never repeats one that already went out; a reply that cannot be
  rendered is logged and skipped.
- Throughput errors (130429, HTTP 429): the whole number pauses for a second and the same message
  is sent again, for as long as ``MAX_RETRY_SECONDS`` allows.
- Pair-rate errors (131056), 5xx, timeouts and network errors: retried with doubling waits.
- Undeliverable (131026: blocked, not on WhatsApp): the identity is marked unreachable and the rest
  of the replies for that number are dropped.
- A message WhatsApp refuses for good (bad parameters, 131047 outside the window) is logged and skipped.
"""

from __future__ import annotations

import random

from bot.channels.delivery import PacedDelivery
from bot.channels.whatsapp.adapter import CHANNEL
from bot.channels.whatsapp.render import Outgoing, render
from bot.channels.whatsapp.sender import WhatsAppSender
from bot.notify.ratelimit import Pacer
from storage.store import Store

#: give up on one message after this long of being told to retry (seconds)
MAX_RETRY_SECONDS = 120.0


def whatsapp_delivery(
    sender: WhatsAppSender, pacer: Pacer, store: Store, *, rng: random.Random | None = None
) -> PacedDelivery[Outgoing]:
    """Sends replies through ``sender`` paced by ``pacer``; marks undeliverable numbers in ``store``."""
    return PacedDelivery(
        channel=CHANNEL,
        noun="number",
        pieces=render,
        send=sender.send_outgoing,
        pacer=pacer,
        store=store,
        max_retry_seconds=MAX_RETRY_SECONDS,
        rng=rng,
    )
