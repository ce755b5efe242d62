"""The Telegram channel: one update in, the engine's replies out to the same chat, in order.

Each update gets a *turn* in its chat's queue the moment it arrives
(:class:`~bot.channels.turns.ChannelTurns`), so a chat's updates are answered one after the other while different chats proceed concurrently.
In a turn: a pressed button's callback query is answered, "typing" is shown while the engine
works (only when it takes longer than ``typing_delay``), the engine answers, and the replies go
out through the :class:`~bot.channels.base.Sender` at Telegram's pace (:mod:`bot.notify.ratelimit`).

Telegram specifics handled here rather than in the engine:

- ``/start <token>`` carries a signed link (the engine verifies it); ``/start`` from a chat that
  stopped every update turns them on again; ``/help``, ``/stop``, ``/agent`` go to the engine as
  the words it already understands.
- After a chat is verified (engine hook), the bot offers proactive updates here (yes/no buttons;
  "yes" is the engine's own "send updates here" preference).
- A photo or document with nothing else to go with it is added to the customer's open case;
  stickers, voice and the like get a friendly "I can only read text and photos" answer. Both are
  recorded in the engine's inbox, so a redelivered update is answered once.
- 429 is waited out (``retry_after``) and the same message sent again; 403 marks the identity
  unreachable and drops the rest of that turn's replies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from telegram import Bot
from telegram.error import TelegramError

from bot.channels.base import Sender
from bot.channels.chat_answers import ChatAnswers
from bot.channels.ordering import Turn
from bot.channels.telegram.adapter import CHANNEL, Inbound, InboundKind, translate
from bot.channels.telegram.delivery import chat_delivery
from bot.channels.telegram.typing_indicator import Typing
from bot.channels.telegram.wording import (
    CHANNEL_PAYLOAD_PREFIX,
    DECLINE_UPDATES_PAYLOAD,
    DECLINED_TEXT,
    RESTART_UPDATES_PAYLOAD,
    UNSUPPORTED_TEXT,
    offer_updates,
)
from bot.channels.turns import ChannelTurns
from bot.engine.engine import Engine
from bot.notify.ratelimit import Pacer
from handlers.messages import IncomingMessage, Reply
from storage.store import Store

log = logging.getLogger(__name__)

#: what the engine hears for these commands (it already understands the words)
_COMMAND_TEXT = {"help": "/help", "stop": "/stop", "agent": "/agent"}


class TelegramChannel:
    """Answers Telegram updates with the engine and sends the replies (see the module docstring).

    ``typing_delay``: seconds an answer may take before "typing" is shown.
    ``bot_username``: commands addressed to another bot (``/start@other_bot``) are read as text.
    ``max_concurrent_answers``: engine answers worked on at once (None: no limit); the replies of
    earlier answers keep going out meanwhile.
    """

    def __init__(
        self,
        *,
        bot: Bot,
        engine: Engine,
        store: Store,
        sender: Sender,
        pacer: Pacer,
        typing_delay: float = 0.0,
        bot_username: str | None = None,
        max_concurrent_answers: int | None = None,
    ) -> None:
        self._bot = bot
        self._delivery = chat_delivery(sender, pacer, store)
        #: seconds an answer may take before "typing" is shown
        self.typing_delay = typing_delay
        self._bot_username = bot_username
        self._turns = ChannelTurns(
            channel=CHANNEL,
            engine=engine,
            store=store,
            deliver=self._delivery.deliver,
            offer=offer_updates,
            max_concurrent_answers=max_concurrent_answers,
        )
        self._answers = ChatAnswers(store, CHANNEL)

    # ------------------------------------------------------------------ entry points
    def submit(self, update: Mapping[str, Any]) -> asyncio.Future[None]:
        """Take the update's place in its chat's queue now; the returned future ends with its turn.

        ``update`` is the Bot API's JSON object (see :func:`~bot.channels.telegram.adapter.translate`).
        """
        inbound = translate(update, self._bot_username)
        if inbound.kind is InboundKind.IGNORED or inbound.chat_id is None:
            done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            done.set_result(None)
            return done
        turn = self._turns.reserve(inbound.external_id)
        if inbound.callback_query_id is not None:
            self._turns.spawn(self._answer_callback(inbound.callback_query_id), background=True)
        return self._turns.spawn(self._take_turn(inbound, turn))

    async def on_identity_verified(self, channel: str, external_id: str, customer_id: int) -> None:
        """Engine hook: a Telegram chat was verified; offer proactive updates on it (once)."""
        await self._turns.on_identity_verified(channel, external_id, customer_id)

    async def aclose(self, grace_seconds: float = 5.0) -> None:
        """Let running turns finish (up to ``grace_seconds``), then cancel what is left."""
        await self._turns.aclose(grace_seconds)

    @property
    def busy_chats(self) -> int:
        """Chats with a turn running or waiting."""
        return self._turns.busy_chats

    # ------------------------------------------------------------------ one turn
    async def _take_turn(self, inbound: Inbound, turn: Turn) -> None:
        chat = inbound.external_id
        async with turn:
            async with self._turns.answering(chat) as later:
                async with self._typing(inbound.chat_id):
                    replies = await self._respond(inbound)
            await self.deliver(chat, [*replies, *later])

    async def _respond(self, inbound: Inbound) -> list[Reply]:
        message = inbound.message
        assert message is not None
        if inbound.kind is InboundKind.UNSUPPORTED:
            return await self._channel_answer(message, [Reply(UNSUPPORTED_TEXT)])
        if inbound.kind is InboundKind.COMMAND:
            message = await self._command_message(inbound, message)
        elif message.payload is not None and message.payload.startswith(CHANNEL_PAYLOAD_PREFIX):
            return await self._channel_button(message)
        elif message.attachments and not message.text:
            routed = await self._answers.route_attachments(message)
            if routed is not None:
                return routed
        result = await self._turns.answer(message)
        if result.duplicate:
            log.info("telegram update %s was already answered", inbound.update_id)
            return []
        if message.attachments:
            await self._answers.add_to_open_case(message)
        return result.replies

    async def _command_message(self, inbound: Inbound, message: IncomingMessage) -> IncomingMessage:
        """What the engine should hear for a command."""
        if inbound.command == "start":
            if message.link_token:
                return replace(message, text="")
            if await self._answers.stopped_everything(message.external_id):
                return replace(message, text="", payload=RESTART_UPDATES_PAYLOAD)
            return replace(message, text="/start")
        return replace(message, text=_COMMAND_TEXT.get(inbound.command or "", "/help"), link_token=None)

    async def _channel_answer(self, message: IncomingMessage, replies: list[Reply]) -> list[Reply]:
        """Answer without the engine, once per update (recorded in the engine's inbox)."""
        return replies if await self._answers.first_time(message) else []

    async def _channel_button(self, message: IncomingMessage) -> list[Reply]:
        if message.payload == DECLINE_UPDATES_PAYLOAD:
            return await self._channel_answer(message, [Reply(DECLINED_TEXT)])
        return await self._engine_handle_unknown(message)

    async def _engine_handle_unknown(self, message: IncomingMessage) -> list[Reply]:
        result = await self._turns.answer(message)
        return [] if result.duplicate else result.replies

    # ------------------------------------------------------------------ Telegram calls
    async def _answer_callback(self, callback_query_id: str) -> None:
        try:
            await self._bot.answer_callback_query(callback_query_id)
        except TelegramError as exc:  # an old or repeated query: the button still works
            log.warning("telegram answerCallbackQuery failed: %s", exc)

    def _typing(self, chat_id: int | None) -> contextlib.AbstractAsyncContextManager[None]:
        if chat_id is None:
            return contextlib.nullcontext()
        return Typing(self._bot, chat_id, self.typing_delay)

    async def deliver(self, chat: str, replies: Sequence[Reply]) -> None:
        """Send ``replies`` to ``chat`` in order (see :mod:`bot.channels.telegram.delivery`)."""
        await self._delivery.deliver(chat, replies)
