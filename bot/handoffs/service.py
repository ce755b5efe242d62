"""The handoff service: what staff do with a handoff, the same from every desk.

Slack (``bot.channels.slack.handoffs``), the operator console and the handoff API
(``bot.admin``) all call this service, so a reply, a note, a claim, a resolve and a "back to
the bot" mean the same wherever staff work:

* **reply**: the text goes to the shopper on their own channel as ``"<agent> (support): <text>"``
  (retried while the channel says "later"), then into the transcript as a ``staff`` line. Only an
  open or claimed handoff relays; after it ended the reply is refused (``not_open``), nothing sent.
* **note**: a reply starting with ``note:`` (any case) is internal: never sent to the shopper.
  A desk without a place of its own for notes (the console) keeps it in the transcript as a
  ``note`` line; Slack keeps notes in its thread.
* **claim**: an open handoff becomes ``claimed`` by the agent; anything else is left as it is.
* **resolve** / **release** (back to the bot): an open or claimed handoff ends (``resolved`` or
  ``returned``; an unclaimed one is claimed by whoever ends it), the conversation goes back to the
  bot and the shopper is told so. The status moves with a conditional update, so a double click
  or two desks at once end it once.

Each change made at one desk is told to the other desks' observers (Slack refreshes its message
when the console resolves a handoff, and shows console replies in its thread).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.channels.base import RetryLater, Sender, SendError
from bot.clock import Clock
from bot.handoffs.context import HandoffContext, load_handoff, load_handoff_context
from bot.handoffs.errors import HandoffNotFound
from handlers.messages import Reply
from storage.models import Handoff
from storage.repositories.conversations import TranscriptLine
from storage.repositories.support import OPEN_HANDOFF_STATUSES
from storage.store import Store

log = logging.getLogger(__name__)

BACK_WITH_BOT_TEXT = (
    "You're back with the doorstep assistant. Ask me anything about your order, "
    "or type “agent” to reach a person again."
)
NOTE_PREFIX = "note:"
#: transcript direction of an internal note kept by the service
NOTE_DIRECTION = "note"
#: tries of one message to the shopper when their channel says "retry later"
DEFAULT_SEND_ATTEMPTS = 4
#: wait before retrying when the channel did not say how long
DEFAULT_RETRY_SECONDS = 1.0
#: the longest staff reply relayed (the shopper's channels split longer ones badly)
MAX_REPLY_CHARS = 4000

#: the Sender for a shopper channel ("telegram", "web"...), or None when that channel is off
SenderLookup = Callable[[str], Sender | None]
#: the agent's display name, or a coroutine function that looks it up (only when it is needed)
Agent = str | Callable[[], Awaitable[str]]


def is_internal_note(text: str) -> bool:
    """Whether a staff reply is an internal note (starts with ``note:``, any case); notes are never relayed."""
    return text.lstrip().lower().startswith(NOTE_PREFIX)


def note_text(text: str) -> str:
    """The note without its ``note:`` prefix."""
    stripped = text.lstrip()
    return stripped[len(NOTE_PREFIX) :].strip() if is_internal_note(stripped) else stripped.strip()


class ConversationReturner(Protocol):
    """Gives a handed-off conversation back to the bot (the engine owns conversation state)."""

    async def __call__(self, conversation_id: int) -> None:
        """Leave the handoff state so the bot answers the shopper again."""
        ...


class ReplyResult(StrEnum):
    """What became of a staff reply."""

    SENT = "sent"
    NOTE = "note"
    NOT_OPEN = "not_open"
    EMPTY = "empty"
    UNDELIVERED = "undelivered"


class Action(StrEnum):
    """What staff did with a handoff."""

    REPLY = "reply"
    NOTE = "note"
    CLAIM = "claim"
    RESOLVE = "resolve"
    RELEASE = "release"


@dataclass(frozen=True, slots=True)
class ReplyOutcome:
    """A staff reply's fate, the handoff as it is, and the text relayed or noted."""

    result: ReplyResult
    handoff: Handoff
    text: str = ""
    agent: str | None = None


@dataclass(frozen=True, slots=True)
class ChangeOutcome:
    """Whether a claim / resolve / release changed the handoff, and the handoff as it is now."""

    changed: bool
    handoff: Handoff


@dataclass(frozen=True, slots=True)
class StaffEvent:
    """What one desk did, told to the others."""

    handoff_id: int
    action: Action
    desk: str
    agent: str
    text: str = ""


class HandoffObserver(Protocol):
    """A desk that wants to know what staff did elsewhere (Slack refreshes its message)."""

    async def on_staff_event(self, event: StaffEvent) -> None:
        """React to a change made at another desk (quickly: queue slow work)."""
        ...


class HandoffService:
    """Replies, notes, claims, resolves and releases of handoffs, for every desk."""

    def __init__(
        self,
        *,
        store: Store,
        senders: SenderLookup,
        return_to_bot: ConversationReturner | None,
        clock: Clock,
        send_attempts: int = DEFAULT_SEND_ATTEMPTS,
    ) -> None:
        self._store = store
        self._senders = senders
        self._return_to_bot = return_to_bot
        self._clock = clock
        self._send_attempts = send_attempts
        self._observers: list[tuple[str, HandoffObserver]] = []

    def observe(self, desk: str, observer: HandoffObserver) -> None:
        """Tell ``observer`` about every change made at a desk other than ``desk``."""
        self._observers.append((desk, observer))

    # ------------------------------------------------------------ reading
    async def context(self, handoff_id: int, *, transcript_lines: int = 50) -> HandoffContext:
        """The handoff with its conversation, order context and last transcript lines."""
        async with self._store.transaction() as repos:
            return await load_handoff_context(repos, handoff_id=handoff_id, transcript_lines=transcript_lines)

    async def listed(
        self,
        statuses: tuple[str, ...] = OPEN_HANDOFF_STATUSES,
        *,
        limit: int = 100,
        transcript_lines: int = 8,
    ) -> list[HandoffContext]:
        """Handoffs in ``statuses`` (default: still with staff), each with its context."""
        async with self._store.transaction() as repos:
            handoffs = await repos.handoffs.list_with_status(statuses=statuses, limit=limit)
            found: list[HandoffContext] = []
            for handoff in handoffs:
                assert handoff.id is not None
                try:
                    found.append(
                        await load_handoff_context(
                            repos, handoff_id=handoff.id, transcript_lines=transcript_lines
                        )
                    )
                except HandoffNotFound as exc:  # a handoff whose conversation is gone: listed nowhere
                    log.warning("handoff %d left out of the list: %s", handoff.id, exc)
        return found

    # ------------------------------------------------------------ staff actions
    async def reply(
        self,
        handoff_id: int,
        *,
        text: str,
        agent: Agent,
        desk: str,
        plain: Callable[[str], str] = str.strip,
        keep_notes: bool = True,
    ) -> ReplyOutcome:
        """Relay a staff reply to the shopper, or keep it as an internal note (``note:``).

        ``plain`` turns the desk's markup into the text a shopper reads (Slack's mrkdwn); with
        ``keep_notes`` False a note is left where the desk shows it (a Slack thread) and not stored.
        Raises :class:`HandoffNotFound`.
        """
        if is_internal_note(text):
            return await self._note(handoff_id, text=text, agent=agent, desk=desk, keep=keep_notes)
        async with self._store.transaction() as repos:
            handoff, conversation = await load_handoff(repos, handoff_id=handoff_id)
        if handoff.status not in OPEN_HANDOFF_STATUSES:
            log.info("handoff %d is %s; a staff reply was not relayed", handoff_id, handoff.status)
            return ReplyOutcome(ReplyResult.NOT_OPEN, handoff)
        said = plain(text)[:MAX_REPLY_CHARS]
        if not said:
            return ReplyOutcome(ReplyResult.EMPTY, handoff)
        name = await _name_of(agent)
        delivered = await self.send_to_shopper(
            conversation.channel, conversation.external_id, Reply(text=f"{name} (support): {said}")
        )
        if not delivered:
            return ReplyOutcome(ReplyResult.UNDELIVERED, handoff, said, name)
        assert conversation.id is not None
        async with self._store.transaction() as repos:
            await repos.transcript.add_many(
                [TranscriptLine(conversation_id=conversation.id, direction="staff", text=said, author=name)]
            )
        log.info(
            "handoff %d: staff reply relayed to a %s shopper (%s)", handoff_id, conversation.channel, desk
        )
        await self._tell(StaffEvent(handoff_id, Action.REPLY, desk, name, said))
        return ReplyOutcome(ReplyResult.SENT, handoff, said, name)

    async def claim(self, handoff_id: int, *, agent: str, desk: str) -> ChangeOutcome:
        """Claim an open handoff for ``agent``; unchanged when it is claimed or ended already."""
        async with self._store.transaction() as repos:
            handoff = await repos.handoffs.get(handoff_id=handoff_id)
            if handoff is None:
                raise HandoffNotFound(f"no handoff {handoff_id}")
            changed = await repos.handoffs.change_status(
                handoff_id=handoff_id, status="claimed", only_from=("open",), by=agent
            )
        handoff = await self._reload(handoff_id)
        if not changed:
            log.info("handoff %d is %s; claim ignored", handoff_id, handoff.status)
            return ChangeOutcome(False, handoff)
        log.info("handoff %d claimed (%s)", handoff_id, desk)
        await self._tell(StaffEvent(handoff_id, Action.CLAIM, desk, agent))
        return ChangeOutcome(True, handoff)

    async def resolve(self, handoff_id: int, *, agent: str, desk: str) -> ChangeOutcome:
        """Resolve the handoff, give the conversation back to the bot and tell the shopper."""
        return await self._finish(handoff_id, agent=agent, desk=desk, status="resolved")

    async def release(self, handoff_id: int, *, agent: str, desk: str) -> ChangeOutcome:
        """Hand the conversation back to the bot without resolving, and tell the shopper."""
        return await self._finish(handoff_id, agent=agent, desk=desk, status="returned")

    async def send_to_shopper(self, channel: str, external_id: str, reply: Reply) -> bool:
        """Deliver to the shopper; False (logged) when their channel is off or refuses."""
        sender = self._senders(channel)
        if sender is None:
            log.error("no sender for channel %s; staff message not delivered", channel)
            return False
        for attempt in range(1, self._send_attempts + 1):
            try:
                await sender.send(external_id, reply)
                return True
            except RetryLater as exc:
                if attempt == self._send_attempts:
                    log.error(
                        "message to a %s shopper still refused after %d tries: %s", channel, attempt, exc
                    )
                    return False
                await self._clock.sleep(exc.retry_after or DEFAULT_RETRY_SECONDS)
            except SendError as exc:
                log.error("message to a %s shopper failed: %s", channel, exc)
                return False
        return False

    # ------------------------------------------------------------ helpers
    async def _note(self, handoff_id: int, *, text: str, agent: Agent, desk: str, keep: bool) -> ReplyOutcome:
        async with self._store.transaction() as repos:
            handoff, conversation = await load_handoff(repos, handoff_id=handoff_id)
        if not keep:
            log.info("handoff %d: internal note kept in %s", handoff_id, desk)
            return ReplyOutcome(ReplyResult.NOTE, handoff, note_text(text))
        said = note_text(text)[:MAX_REPLY_CHARS]
        if not said:
            return ReplyOutcome(ReplyResult.EMPTY, handoff)
        name = await _name_of(agent)
        assert conversation.id is not None
        async with self._store.transaction() as repos:
            await repos.transcript.add_many(
                [
                    TranscriptLine(
                        conversation_id=conversation.id, direction=NOTE_DIRECTION, text=said, author=name
                    )
                ]
            )
        log.info("handoff %d: internal note kept (%s)", handoff_id, desk)
        await self._tell(StaffEvent(handoff_id, Action.NOTE, desk, name, said))
        return ReplyOutcome(ReplyResult.NOTE, handoff, said, name)

    async def _finish(self, handoff_id: int, *, agent: str, desk: str, status: str) -> ChangeOutcome:
        async with self._store.transaction() as repos:
            handoff, conversation = await load_handoff(repos, handoff_id=handoff_id)
            # whoever ends an unclaimed handoff took it
            changed = await repos.handoffs.change_status(
                handoff_id=handoff_id, status=status, only_from=("open",), by=agent
            ) or await repos.handoffs.change_status(
                handoff_id=handoff_id, status=status, only_from=("claimed",)
            )
        if not changed:
            log.info("handoff %d is already %s", handoff_id, handoff.status)
            return ChangeOutcome(False, await self._reload(handoff_id))
        assert conversation.id is not None
        if self._return_to_bot is not None:
            await self._return_to_bot(conversation.id)
        log.info("handoff %d %s (%s)", handoff_id, status, desk)
        if await self.send_to_shopper(
            conversation.channel, conversation.external_id, Reply(text=BACK_WITH_BOT_TEXT)
        ):
            async with self._store.transaction() as repos:
                await repos.transcript.add_many(
                    [
                        TranscriptLine(
                            conversation_id=conversation.id, direction="out", text=BACK_WITH_BOT_TEXT
                        )
                    ]
                )
        action = Action.RESOLVE if status == "resolved" else Action.RELEASE
        await self._tell(StaffEvent(handoff_id, action, desk, agent))
        return ChangeOutcome(True, await self._reload(handoff_id))

    async def _reload(self, handoff_id: int) -> Handoff:
        async with self._store.transaction() as repos:
            handoff = await repos.handoffs.get(handoff_id=handoff_id)
        if handoff is None:
            raise HandoffNotFound(f"no handoff {handoff_id}")
        return handoff

    async def _tell(self, event: StaffEvent) -> None:
        for desk, observer in self._observers:
            if desk != event.desk:
                await observer.on_staff_event(event)


async def _name_of(agent: Agent) -> str:
    return agent if isinstance(agent, str) else await agent()
