"""The Telegram channel: one update in, the engine's replies out to the same chat, in order.

Each update gets a *turn* in its chat's queue the moment it arrives (:class:`ChatTurns`), so a
chat's updates are answered one after the other while different chats proceed concurrently.
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
from bot.channels.telegram.adapter import CHANNEL, Inbound, InboundKind, translate
from bot.channels.telegram.delivery import ChatDelivery
from bot.channels.telegram.ordering import ChatTurns, Turn
from bot.channels.telegram.typing_indicator import Typing
from bot.channels.telegram.wording import (
    ATTACHED_TO_CASE_TEXT,
    ATTACHMENT_WITHOUT_CASE_TEXT,
    CHANNEL_PAYLOAD_PREFIX,
    DECLINE_UPDATES_PAYLOAD,
    DECLINED_TEXT,
    RESTART_UPDATES_PAYLOAD,
    UNSUPPORTED_TEXT,
    attachment_words,
    offer_updates,
)
from bot.engine.engine import Engine, EngineResult
from bot.engine.state import DialogueState
from bot.notify.ratelimit import Pacer
from handlers.messages import IncomingMessage, Reply
from handlers.preference_requests import CATEGORIES
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
        self._engine = engine
        self._store = store
        self._delivery = ChatDelivery(sender, pacer, store)
        #: seconds an answer may take before "typing" is shown
        self.typing_delay = typing_delay
        self._bot_username = bot_username
        self._turns = ChatTurns()
        self._answer_slots = asyncio.Semaphore(max_concurrent_answers) if max_concurrent_answers else None
        self._in_turn: set[str] = set()
        self._offers: dict[str, Reply] = {}
        self._tasks: set[asyncio.Task[None]] = set()

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
            self._spawn(self._answer_callback(inbound.callback_query_id), background=True)
        return self._spawn(self._take_turn(inbound, turn))

    async def process(self, update: Mapping[str, Any]) -> None:
        """Submit ``update`` and wait until it is answered."""
        await self.submit(update)

    async def on_identity_verified(self, channel: str, external_id: str, customer_id: int) -> None:
        """Engine hook: a Telegram chat was verified; offer proactive updates on it (once)."""
        if channel != CHANNEL:
            return
        async with self._store.transaction() as repos:
            identity = await repos.identities.get(channel=channel, external_id=external_id)
        if identity is None or identity.accepted_updates or identity.customer_id != customer_id:
            return
        if external_id in self._in_turn:
            self._offers[external_id] = offer_updates()  # sent after the replies of the current turn
            return
        turn = self._turns.reserve(external_id)
        self._spawn(self._deliver_in_turn(turn, external_id, [offer_updates()]), background=True)

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

    # ------------------------------------------------------------------ one turn
    def _spawn(self, coroutine: object, *, background: bool = False) -> asyncio.Task[None]:
        """Run ``coroutine`` as a tracked task; a background task's failure is logged here."""
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coroutine)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if background:
            task.add_done_callback(_log_failure)
        return task

    async def _take_turn(self, inbound: Inbound, turn: Turn) -> None:
        chat = inbound.external_id
        async with turn:
            self._in_turn.add(chat)
            try:
                async with self._typing(inbound.chat_id):
                    replies = await self._respond(inbound)
            finally:
                self._in_turn.discard(chat)
                offer = self._offers.pop(chat, None)
            if offer is not None:
                replies = [*replies, offer]
            await self.deliver(chat, replies)

    async def _deliver_in_turn(self, turn: Turn, chat: str, replies: list[Reply]) -> None:
        async with turn:
            await self.deliver(chat, replies)

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
            routed = await self._route_attachments(message)
            if routed is not None:
                return routed
        result = await self._answer(message)
        if result.duplicate:
            log.info("telegram update %s was already answered", inbound.update_id)
            return []
        if message.attachments:
            await self._add_to_open_case(message)
        return result.replies

    async def _answer(self, message: IncomingMessage) -> EngineResult:
        """The engine's answer, at most ``max_concurrent_answers`` at a time."""
        if self._answer_slots is None:
            return await self._engine.handle(message)
        async with self._answer_slots:
            return await self._engine.handle(message)

    async def _command_message(self, inbound: Inbound, message: IncomingMessage) -> IncomingMessage:
        """What the engine should hear for a command."""
        if inbound.command == "start":
            if message.link_token:
                return replace(message, text="")
            if await self._stopped_everything(message.external_id):
                return replace(message, text="", payload=RESTART_UPDATES_PAYLOAD)
            return replace(message, text="/start")
        return replace(message, text=_COMMAND_TEXT.get(inbound.command or "", "/help"), link_token=None)

    async def _stopped_everything(self, external_id: str) -> bool:
        async with self._store.transaction() as repos:
            identity = await repos.identities.get(channel=CHANNEL, external_id=external_id)
        return identity is not None and set(CATEGORIES) <= set(identity.opted_out_categories or [])

    async def _channel_answer(self, message: IncomingMessage, replies: list[Reply]) -> list[Reply]:
        """Answer without the engine, once per update (recorded in the engine's inbox)."""
        async with self._store.transaction() as repos:
            first = await repos.inbox.record(source=f"chat:{CHANNEL}", external_id=str(message.message_id))
        return replies if first else []

    async def _channel_button(self, message: IncomingMessage) -> list[Reply]:
        if message.payload == DECLINE_UPDATES_PAYLOAD:
            return await self._channel_answer(message, [Reply(DECLINED_TEXT)])
        return await self._engine_handle_unknown(message)

    async def _engine_handle_unknown(self, message: IncomingMessage) -> list[Reply]:
        result = await self._answer(message)
        return [] if result.duplicate else result.replies

    async def _route_attachments(self, message: IncomingMessage) -> list[Reply] | None:
        """Files sent on their own: the engine takes them when a handoff or a question is open,
        otherwise they go to the customer's open case here. None means "let the engine answer"."""
        what = attachment_words([a.kind for a in message.attachments])
        async with self._store.transaction() as repos:
            conversation = await repos.conversations.get(channel=CHANNEL, external_id=message.external_id)
            state = DialogueState.from_slots(conversation.slots if conversation is not None else None)
            if state.handoff_id is not None or state.busy:
                return None
            identity = await repos.identities.get(channel=CHANNEL, external_id=message.external_id)
            customer_id = identity.customer_id if identity is not None and identity.verified else None
            case = (
                await repos.cases.latest_open_for_customer(customer_id=customer_id)
                if customer_id is not None
                else None
            )
            if not await repos.inbox.record(source=f"chat:{CHANNEL}", external_id=str(message.message_id)):
                return []
            if case is None:
                return [Reply(ATTACHMENT_WITHOUT_CASE_TEXT.format(what=what))]
            for attachment in message.attachments:
                await repos.cases.attach(case_id=int(case.id or 0), attachment=_attachment_dict(attachment))
            return [Reply(ATTACHED_TO_CASE_TEXT.format(what=what, case=case.id))]

    async def _add_to_open_case(self, message: IncomingMessage) -> None:
        """After the engine answered a message with files: make sure the open case has them too."""
        async with self._store.transaction() as repos:
            identity = await repos.identities.get(channel=CHANNEL, external_id=message.external_id)
            if identity is None or not identity.verified or identity.customer_id is None:
                return
            case = await repos.cases.latest_open_for_customer(customer_id=identity.customer_id)
            if case is None:
                return
            known = {str(item.get("file_id")) for item in case.attachments}
            for attachment in message.attachments:
                if attachment.file_id not in known:
                    await repos.cases.attach(
                        case_id=int(case.id or 0), attachment=_attachment_dict(attachment)
                    )

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


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("telegram background work failed", exc_info=task.exception())


def _attachment_dict(attachment: object) -> dict[str, object]:
    return {
        key: getattr(attachment, key)
        for key in ("kind", "file_id", "file_name", "mime_type")
        if getattr(attachment, key, None) is not None
    }
