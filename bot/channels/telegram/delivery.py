"""Replies out to one Telegram chat, in order, at Telegram's pace (:mod:`bot.channels.delivery`).

- Long texts are split here (buttons and links ride on the last piece), so every send is one
  Telegram message and a retry never repeats a piece that already went out.
- 429: the whole bot pauses for ``retry_after`` and the same message is sent again; a 429 is
  retried for as long as ``MAX_RETRY_SECONDS`` allows, since Telegram said exactly when to come back.
- 5xx, timeouts and network errors: retried with doubling waits.
- 403 (blocked by the user, chat gone): the identity is marked unreachable and the rest of the
  replies for that chat are dropped.
- A message Telegram refuses for good (400) is logged and skipped.
"""

from __future__ import annotations

import random

from bot.channels.base import Sender
from bot.channels.delivery import PacedDelivery
from bot.channels.telegram.adapter import CHANNEL
from bot.channels.telegram.sender import split_text
from bot.notify.ratelimit import Pacer
from handlers.messages import Reply
from storage.store import Store

#: give up on one message after this long of being told to retry (seconds)
MAX_RETRY_SECONDS = 300.0


def pieces(reply: Reply) -> list[Reply]:
    """A reply as single Telegram messages: text pieces first, buttons and links on the last."""
    texts = split_text(reply.text)
    if len(texts) == 1:
        return [reply]
    return [Reply(text) for text in texts[:-1]] + [Reply(texts[-1], buttons=reply.buttons, links=reply.links)]


def chat_delivery(
    sender: Sender, pacer: Pacer, store: Store, *, rng: random.Random | None = None
) -> PacedDelivery[Reply]:
    """Sends replies through ``sender`` paced by ``pacer``; marks blocked chats unreachable in ``store``."""
    return PacedDelivery(
        channel=CHANNEL,
        noun="chat",
        pieces=pieces,
        send=sender.send,
        pacer=pacer,
        store=store,
        max_retry_seconds=MAX_RETRY_SECONDS,
        rng=rng,
    )
