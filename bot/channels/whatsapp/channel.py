"""The WhatsApp channel: one shopper message in, the engine's replies out to the same number, in order.

Each message gets a *turn* in its number's queue the moment it arrives
(:class:`~bot.channels.turns.ChannelTurns`, as on Telegram), so one shopper's messages are answered one
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
from dataclasses import replace
from datetime import datetime, timedelta

from bot.channels.chat_answers import ChatAnswers
from bot.channels.ordering import Turn
from bot.channels.turns import ChannelTurns
from bot.channels.whatsapp.adapter import CHANNEL, Inbound, InboundKind
from bot.channels.whatsapp.delivery import whatsapp_delivery
from bot.channels.whatsapp.sender import WhatsAppSender
from bot.channels.whatsapp.wording import (
    CHANNEL_PAYLOAD_PREFIX,
    DECLINE_UPDATES_PAYLOAD,
    DECLINED_TEXT,
    RESTART_UPDATES_PAYLOAD,
    START_WORDS,
    STOP_TEXT,
    STOP_WORDS,
    UNSUPPORTED_TEXT,
    command_word,
    offer_updates,
)
from bot.clock import Clock
from bot.engine.engine import Engine
from bot.notify.ratelimit import Pacer
from handlers.messages import IncomingMessage, Reply
from storage.store import Store

log = logging.getLogger(__name__)

#: the shopper's last message time is written at most this often per number: the 24-hour window is
#: taken to close 5 minutes early anyway, and a chatty shopper costs no write per message
NOTE_EVERY = timedelta(minutes=1)
#: numbers remembered for that (the memory is cleared when it is full)
MAX_NOTED = 50_000


async def _read_mark_sent(read: asyncio.Task[None]) -> None:
    """Wait for a read mark (sent beside the replies); a failure is logged, never raised into the turn
    (:meth:`WhatsAppSender.mark_read` already logs WhatsApp's refusals)."""
    try:
        await read
    except Exception:  # cancellation is not an Exception: it reaches the turn
        log.exception("whatsapp read mark failed")


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
        self._store = store
        self._clock = clock
        self._delivery = whatsapp_delivery(sender, pacer, store)
        #: seconds an answer may take before "typing..." is shown with the read mark
        self.typing_delay = typing_delay
        self._phone_match = phone_match
        self._turns = ChannelTurns(
            channel=CHANNEL,
            engine=engine,
            store=store,
            deliver=self._delivery.deliver,
            offer=offer_updates,
            max_concurrent_answers=max_concurrent_answers,
        )
        self._answers = ChatAnswers(store, CHANNEL, tag_files=True)
        #: when each number's last message was written to its identity (see :meth:`_note_message`)
        self._noted: dict[str, datetime] = {}

    # ------------------------------------------------------------------ entry points
    def submit(self, inbound: Inbound) -> asyncio.Task[None]:
        """Take the message's place in its number's queue now; the task ends with its turn."""
        turn = self._turns.reserve(inbound.wa_id)
        return self._turns.spawn(self._take_turn(inbound, turn))

    async def on_identity_verified(self, channel: str, external_id: str, customer_id: int) -> None:
        """Engine hook: a WhatsApp number was verified; offer proactive updates on it (once)."""
        await self._turns.on_identity_verified(channel, external_id, customer_id)

    async def aclose(self, grace_seconds: float = 5.0) -> None:
        """Let running turns finish (up to ``grace_seconds``), then cancel what is left."""
        await self._turns.aclose(grace_seconds)

    # ------------------------------------------------------------------ one turn
    async def _take_turn(self, inbound: Inbound, turn: Turn) -> None:
        wa_id = inbound.wa_id
        async with turn:
            loop = asyncio.get_running_loop()
            marks: list[asyncio.Task[None]] = []

            def mark(typing: bool) -> None:
                marks.append(loop.create_task(self._sender.mark_read(inbound.message_id, typing=typing)))

            try:
                async with self._turns.answering(wa_id) as later:
                    # "typing..." (which marks read too) once the answer takes longer than typing_delay
                    timer = loop.call_later(self.typing_delay, mark, True)
                    try:
                        replies = await self._respond(inbound)
                    finally:
                        timer.cancel()
                    if not marks and replies is not None:  # None: answered (and marked read) before
                        mark(False)  # read, sent beside the replies
                if replies is not None:
                    await self._delivery.deliver(wa_id, [*replies, *later])
                    await self._note_message(wa_id)
            except BaseException:
                for read in marks:  # a turn that failed or was cancelled withdraws its read mark
                    read.cancel()
                raise
            for read in marks:  # the turn ends once WhatsApp has the read mark
                await _read_mark_sent(read)

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
            routed = await self._answers.route_attachments(message)
            if routed is not None:
                return routed
        elif message.text:
            message = await self._command_message(message)
        result = await self._turns.answer(message)
        if result.duplicate:
            log.info("whatsapp message %s was already answered", inbound.message_id)
            return None
        if message.attachments:
            await self._answers.add_to_open_case(message)
        return result.replies

    async def _command_message(self, message: IncomingMessage) -> IncomingMessage:
        """STOP / unsubscribe always stop; START restarts a number that stopped everything."""
        word = command_word(message.text)
        if word in STOP_WORDS:
            return replace(message, text=STOP_TEXT)
        if word in START_WORDS and await self._answers.stopped_everything(message.external_id):
            return replace(message, text="", payload=RESTART_UPDATES_PAYLOAD)
        return message

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
        return replies if await self._answers.first_time(message) else None
