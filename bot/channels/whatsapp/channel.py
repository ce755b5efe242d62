"""The WhatsApp channel: one shopper message in, the engine's replies out to the same number, in order.

Each message gets a *turn* in its number's queue the moment it arrives (the Telegram channel's
:class:`~bot.channels.telegram.ordering.ChatTurns`), so one shopper's messages are answered one
after the other while different shoppers proceed concurrently. In a turn the message is marked
read (with "typing..." when the answer takes longer than ``typing_delay``), the engine answers,
and the replies go out at the number's pace (:mod:`bot.channels.whatsapp.delivery`). Afterwards
the shopper's message time is kept on the identity: it opens WhatsApp's 24-hour window for
free-form proactive messages.

WhatsApp specifics handled here rather than in the engine:

- "STOP" / "unsubscribe" stop every proactive message on WhatsApp (the engine hears ``/stop``),
  whatever else is going on; "START" turns them on again for a number that stopped everything.
- The text of a ``wa.me`` link carries a signed token (the engine verifies it).
- With ``phone_match`` on (``DOORSTEP_WHATSAPP_PHONE_MATCH_VERIFIES``, off by default), a number
  equal in E.164 to the phone of exactly one customer is verified as that customer: WhatsApp only
  delivers from the phone that holds the number, so this counts as possession of that phone.
- After a number is verified (engine hook), the bot asks whether to send updates here (yes/no
  buttons; "yes" is the engine's own "send updates here" preference): WhatsApp's opt-in.
- A photo or document with nothing else goes to the customer's open case; stickers, voice and the
  like get a friendly answer. Both are recorded in the engine's inbox, so a redelivered message
  is answered once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from bot.channels.telegram.ordering import ChatTurns, Turn
from bot.channels.whatsapp.adapter import CHANNEL, Inbound, InboundKind
from bot.channels.whatsapp.delivery import WhatsAppDelivery
from bot.channels.whatsapp.sender import WhatsAppSender
from bot.channels.whatsapp.wording import (
    ATTACHED_TO_CASE_TEXT,
    ATTACHMENT_WITHOUT_CASE_TEXT,
    CHANNEL_PAYLOAD_PREFIX,
    DECLINE_UPDATES_PAYLOAD,
    DECLINED_TEXT,
    RESTART_UPDATES_PAYLOAD,
    START_WORDS,
    STOP_TEXT,
    STOP_WORDS,
    UNSUPPORTED_TEXT,
    attachment_words,
    command_word,
    offer_updates,
)
from bot.clock import Clock
from bot.engine.engine import Engine, EngineResult
from bot.engine.state import DialogueState
from bot.notify.ratelimit import Pacer
from handlers.messages import Attachment, IncomingMessage, Reply
from handlers.preference_requests import CATEGORIES
from storage.store import Store

log = logging.getLogger(__name__)

#: the shopper's last message time is written at most this often per number: the 24-hour window is
#: taken to close 5 minutes early anyway, and a chatty shopper costs no write per message
NOTE_EVERY = timedelta(minutes=1)
#: numbers remembered for that (the memory is cleared when it is full)
MAX_NOTED = 50_000


class WhatsAppChannel:
    """Answers WhatsApp messages with the engine and sends the replies (see the module docstring)."""

    def __init__(
        self,
        *,
        sender: WhatsAppSender,
        engine: Engine,
        store: Store,
        clock: Clock,
        pacer: Pacer,
        typing_delay: float = 0.0,
        phone_match: bool = False,
        max_concurrent_answers: int | None = None,
    ) -> None:
        self._sender = sender
        self._engine = engine
        self._store = store
        self._clock = clock
        self._delivery = WhatsAppDelivery(sender, pacer, store)
        #: seconds an answer may take before "typing..." is shown with the read mark
        self.typing_delay = typing_delay
        self._phone_match = phone_match
        self._turns = ChatTurns()
        self._answer_slots = asyncio.Semaphore(max_concurrent_answers) if max_concurrent_answers else None
        self._in_turn: set[str] = set()
        self._offers: dict[str, Reply] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        #: when each number's last message was written to its identity (see :meth:`_note_message`)
        self._noted: dict[str, datetime] = {}

    # ------------------------------------------------------------------ entry points
    def submit(self, inbound: Inbound) -> asyncio.Task[None]:
        """Take the message's place in its number's queue now; the task ends with its turn."""
        turn = self._turns.reserve(inbound.wa_id)
        return self._spawn(self._take_turn(inbound, turn))

    async def process(self, inbound: Inbound) -> None:
        """Submit ``inbound`` and wait until it is answered."""
        await self.submit(inbound)

    async def on_identity_verified(self, channel: str, external_id: str, customer_id: int) -> None:
        """Engine hook: a WhatsApp number was verified; offer proactive updates on it (once)."""
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
    def busy_numbers(self) -> int:
        """Numbers with a turn running or waiting."""
        return len(self._turns)

    # ------------------------------------------------------------------ one turn
    def _spawn(self, coroutine: object, *, background: bool = False) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coroutine)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if background:
            task.add_done_callback(_log_failure)
        return task

    async def _take_turn(self, inbound: Inbound, turn: Turn) -> None:
        wa_id = inbound.wa_id
        async with turn:
            self._in_turn.add(wa_id)
            marks: list[asyncio.Task[None]] = []

            def mark(typing: bool) -> None:
                marks.append(
                    self._spawn(self._sender.mark_read(inbound.message_id, typing=typing), background=True)
                )

            # "typing..." (which marks read too) once the answer takes longer than typing_delay
            timer = asyncio.get_running_loop().call_later(self.typing_delay, mark, True)
            try:
                replies = await self._respond(inbound)
            finally:
                timer.cancel()
                if not marks:
                    mark(False)
                self._in_turn.discard(wa_id)
                offer = self._offers.pop(wa_id, None)
            if replies is not None:  # None: a redelivered message, answered before
                if offer is not None:
                    replies = [*replies, offer]
                await self._delivery.deliver(wa_id, replies)
                await self._note_message(wa_id)
            await asyncio.wait(marks)  # the turn ends once WhatsApp has the read mark

    async def _note_message(self, wa_id: str) -> None:
        """Keep when the shopper wrote (their 24-hour window); written at most once a minute per number."""
        now = self._clock.now()
        noted = self._noted.get(wa_id)
        if noted is not None and timedelta(0) <= now - noted < NOTE_EVERY:
            return
        async with self._store.transaction() as repos:
            await repos.identities.note_message(channel=CHANNEL, external_id=wa_id, at=now)
        if len(self._noted) >= MAX_NOTED:
            self._noted.clear()
        self._noted[wa_id] = now

    async def _deliver_in_turn(self, turn: Turn, wa_id: str, replies: list[Reply]) -> None:
        async with turn:
            await self._delivery.deliver(wa_id, replies)

    async def _respond(self, inbound: Inbound) -> list[Reply] | None:
        """The replies to ``inbound``; None when it was answered before (a redelivery)."""
        message = inbound.message
        if inbound.kind is InboundKind.UNSUPPORTED:
            return await self._channel_answer(message, [Reply(UNSUPPORTED_TEXT)])
        if self._phone_match and message.link_token is None:
            await self._match_phone(message)
        if message.payload is not None and message.payload.startswith(CHANNEL_PAYLOAD_PREFIX):
            if message.payload == DECLINE_UPDATES_PAYLOAD:
                return await self._channel_answer(message, [Reply(DECLINED_TEXT)])
        elif message.attachments and not message.text:
            routed = await self._route_attachments(message)
            if routed is not None:
                return routed
        elif message.text:
            message = await self._command_message(message)
        result = await self._answer(message)
        if result.duplicate:
            log.info("whatsapp message %s was already answered", inbound.message_id)
            return None
        if message.attachments:
            await self._add_to_open_case(message)
        return result.replies

    async def _answer(self, message: IncomingMessage) -> EngineResult:
        """The engine's answer, at most ``max_concurrent_answers`` at a time."""
        if self._answer_slots is None:
            return await self._engine.handle(message)
        async with self._answer_slots:
            return await self._engine.handle(message)

    async def _command_message(self, message: IncomingMessage) -> IncomingMessage:
        """STOP / unsubscribe always stop; START restarts a number that stopped everything."""
        word = command_word(message.text)
        if word in STOP_WORDS:
            return replace(message, text=STOP_TEXT)
        if word in START_WORDS and await self._stopped_everything(message.external_id):
            return replace(message, text="", payload=RESTART_UPDATES_PAYLOAD)
        return message

    async def _stopped_everything(self, wa_id: str) -> bool:
        async with self._store.transaction() as repos:
            identity = await repos.identities.get(channel=CHANNEL, external_id=wa_id)
        return identity is not None and set(CATEGORIES) <= set(identity.opted_out_categories or [])

    async def _match_phone(self, message: IncomingMessage) -> None:
        """Verify an unverified number whose E.164 form is the phone of exactly one customer."""
        async with self._store.transaction() as repos:
            identity = await repos.identities.get(channel=CHANNEL, external_id=message.external_id)
            if identity is not None and identity.verified:
                return
            customers = await repos.customers.with_phone(phone=f"+{message.external_id}")
            if len(customers) != 1 or customers[0].id is None:
                return
            if identity is None:
                identity = await repos.identities.get_or_create(
                    channel=CHANNEL, external_id=message.external_id, display_name=message.display_name
                )
            customer_id = int(customers[0].id)
            await repos.identities.link(
                identity_id=int(identity.id or 0), customer_id=customer_id, at=self._clock.now()
            )
        log.info("whatsapp number verified by matching the customer's phone")
        await self.on_identity_verified(CHANNEL, message.external_id, customer_id)

    async def _channel_answer(self, message: IncomingMessage, replies: list[Reply]) -> list[Reply] | None:
        """Answer without the engine, once per message (recorded in the engine's inbox)."""
        async with self._store.transaction() as repos:
            first = await repos.inbox.record(source=f"chat:{CHANNEL}", external_id=str(message.message_id))
        return replies if first else None

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

    async def deliver(self, wa_id: str, replies: Sequence[Reply]) -> None:
        """Send ``replies`` to ``wa_id`` in order (see :mod:`bot.channels.whatsapp.delivery`)."""
        await self._delivery.deliver(wa_id, replies)


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("whatsapp background work failed", exc_info=task.exception())


def _attachment_dict(attachment: Attachment) -> dict[str, object]:
    found = {
        "kind": attachment.kind,
        "file_id": attachment.file_id,
        "file_name": attachment.file_name,
        "mime_type": attachment.mime_type,
        "channel": CHANNEL,
    }
    return {key: value for key, value in found.items() if value is not None}
