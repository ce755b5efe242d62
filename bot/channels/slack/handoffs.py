"""The Slack side of a handoff: the thread staff work in, relays both ways, Claim / Resolve / Back to bot.

Posting a handoff and copying the shopper's later messages into its thread go through the durable
outbox: the engine hooks (``bot.notify.staff.HandoffOutbox``) queue rows, and the dispatcher sends
them through :meth:`SlackHandoffs.post_handoff` / :meth:`SlackHandoffs.post_shopper_message`.
:class:`SlackHandoffs` is also the target of the Slack listeners (staff replies and button clicks),
whose slow work runs after the 3-second ack in :class:`SerialWork`, one job at a time per handoff
so a thread stays in order. What a reply, a note, a claim, a resolve or "back to bot" does is the
channel-neutral :class:`~bot.handoffs.service.HandoffService`'s (the operator console uses the
same); this module adds the Slack message and thread, and shows there what other desks did.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.channels.slack.blocks import channel_name, escape
from bot.channels.slack.context import load_handoff_context
from bot.channels.slack.errors import HandoffNotFound, SlackError
from bot.channels.slack.handoff_message import handoff_blocks, handoff_text
from bot.channels.slack.text import to_plain
from bot.channels.slack.web_api import PostedMessage, SlackWebApi
from bot.channels.slack.work import SerialWork
from bot.handoffs.errors import HandoffNotFound as AnyHandoffNotFound
from bot.handoffs.service import (
    BACK_WITH_BOT_TEXT,
    Action,
    HandoffService,
    ReplyResult,
    StaffEvent,
)
from bot.notify.staff import handoff_post_key
from storage.models import Handoff
from storage.store import Store

log = logging.getLogger(__name__)

__all__ = ["BACK_WITH_BOT_TEXT", "SHOPPER_LEFT_TEXT", "SlackHandoffs", "StaffReply"]

SHOPPER_LEFT_TEXT = "The shopper went back to the bot, so replies here no longer reach them."
NOT_SENT_TEXT = "This conversation is back with the bot, so that reply was *not* sent to the shopper."
UNDELIVERED_TEXT = "Couldn't deliver that reply to the shopper (see the logs)."
#: the desk name Slack acts under in the handoff service
DESK = "slack"
#: how another desk's action reads in the handoff's thread
_ELSEWHERE = {
    Action.CLAIM: "_Claimed by {agent} {where}._",
    Action.RESOLVE: "_Resolved by {agent} {where}._",
    Action.RELEASE: "_Given back to the bot by {agent} {where}._",
}
#: the other desks, by name: as a label and as where an action happened
_DESKS = {
    "console": ("operator console", "in the operator console"),
    "api": ("handoff API", "through the handoff API"),
}


@dataclass(frozen=True, slots=True)
class StaffReply:
    """A human's message in a Slack thread."""

    channel: str
    thread_ts: str
    user_id: str
    text: str


class SlackHandoffs:
    """Handoff threads in the support channel, and everything staff do in them."""

    def __init__(
        self,
        *,
        api: SlackWebApi,
        store: Store,
        support_channel: str,
        service: HandoffService,
        work: SerialWork,
    ) -> None:
        self._api = api
        self._store = store
        self._support_channel = support_channel
        self._service = service
        self._work = work

    # ------------------------------------------------------------ posts (sent by the outbox dispatcher)
    async def post_handoff(self, handoff_id: int) -> PostedMessage:
        """Post the handoff's message to the support channel, unless it has its thread already.

        Called by the dispatcher for the handoff's outbox row (``bot.notify.staff``); raises
        :class:`HandoffNotFound` or a Slack error.
        """
        handoff = await self._ensure_thread(handoff_id)
        assert handoff.slack_channel is not None and handoff.slack_ts is not None
        return PostedMessage(channel=handoff.slack_channel, ts=handoff.slack_ts)

    async def post_shopper_message(self, handoff_id: int, payload: Mapping[str, Any]) -> PostedMessage | None:
        """Copy a shopper's message (an outbox row's payload) into the handoff's thread.

        None while the handoff's own post is still queued (the dispatcher tries again shortly);
        when that post failed or was never queued, the handoff is posted first.
        """
        async with self._store.transaction() as repos:
            handoff = await repos.handoffs.get(handoff_id=handoff_id)
            if handoff is None:
                raise HandoffNotFound(f"no handoff {handoff_id}")
            queued = None
            if handoff.slack_ts is None:
                queued = await repos.outbox.status_of(dedupe_key=handoff_post_key(handoff_id))
        if handoff.slack_ts is None and queued in ("pending", "sending"):
            return None
        handoff = await self._ensure_thread(handoff_id)
        assert handoff.slack_channel is not None and handoff.slack_ts is not None
        return await self._api.post_message(
            handoff.slack_channel, shopper_message_text(payload), thread_ts=handoff.slack_ts
        )

    # ------------------------------------------------------------ engine hook (called after commit)
    async def on_handoff_left(self, handoff_id: int) -> None:
        """The shopper went back to the bot: show it on the handoff's message and in its thread (queued)."""
        self._submit(handoff_id, "left", lambda: self._shopper_left(handoff_id))

    # ------------------------------------------------------------ handoff service observer
    async def on_staff_event(self, event: StaffEvent) -> None:
        """Another desk acted on a handoff: show it in the thread and refresh the message (queued)."""
        self._submit(event.handoff_id, f"elsewhere-{event.action}", lambda: self._show_elsewhere(event))

    # ------------------------------------------------------------ staff side (called by the listeners)
    def staff_replied(self, reply: StaffReply) -> None:
        """Queue the relay of a staff reply (ignored when the thread is not a handoff's)."""
        key = ("thread", reply.channel, reply.thread_ts)
        self._work.submit(key, lambda: self._route_staff_reply(reply), name=f"thread-{reply.thread_ts}")

    def claim(self, handoff_id: int, user_id: str) -> None:
        """Queue: mark the handoff claimed by the clicking agent and update its message."""
        self._submit(handoff_id, "claim", lambda: self._claim(handoff_id, user_id))

    def resolve(self, handoff_id: int, user_id: str) -> None:
        """Queue: resolve the handoff, give the conversation back to the bot and tell the shopper."""
        self._submit(handoff_id, "resolve", lambda: self._finish(handoff_id, user_id, "resolved"))

    def back_to_bot(self, handoff_id: int, user_id: str) -> None:
        """Queue: hand the conversation back to the bot without resolving, and tell the shopper."""
        self._submit(handoff_id, "back-to-bot", lambda: self._finish(handoff_id, user_id, "returned"))

    # ------------------------------------------------------------ jobs
    def _submit(self, handoff_id: int, what: str, job: Callable[[], Awaitable[None]]) -> None:
        async def run() -> None:
            try:
                await job()
            except AnyHandoffNotFound as exc:  # a click on a message whose handoff is gone: nothing to do
                log.warning("slack %s ignored: %s", what, exc)

        self._work.submit(("handoff", handoff_id), run, name=f"handoff-{handoff_id}-{what}")

    async def _ensure_thread(self, handoff_id: int) -> Handoff:
        """The handoff, posted to Slack first if it has no thread yet."""
        async with self._store.transaction() as repos:
            ctx = await load_handoff_context(repos, handoff_id=handoff_id)
        if ctx.handoff.slack_ts is not None:
            return ctx.handoff
        posted = await self._api.post_message(
            self._support_channel, handoff_text(ctx), blocks=handoff_blocks(ctx)
        )
        async with self._store.transaction() as repos:
            await repos.handoffs.set_slack_message(
                handoff_id=handoff_id, channel=posted.channel, ts=posted.ts
            )
        ctx.handoff.slack_channel, ctx.handoff.slack_ts = posted.channel, posted.ts
        log.info("handoff %d posted to Slack (%s)", handoff_id, posted.ts)
        return ctx.handoff

    async def _shopper_left(self, handoff_id: int) -> None:
        """Refresh the handoff's message (no buttons any more) and say so in its thread.

        A handoff not posted yet needs nothing: its post, when it goes, shows where it stands.
        """
        async with self._store.transaction() as repos:
            handoff = await repos.handoffs.get(handoff_id=handoff_id)
        if handoff is None or handoff.slack_channel is None or handoff.slack_ts is None:
            return
        await self._refresh_message(handoff_id)
        await self._tell_thread(handoff.slack_channel, handoff.slack_ts, SHOPPER_LEFT_TEXT)

    async def _route_staff_reply(self, reply: StaffReply) -> None:
        """Find the thread's handoff, then relay in that handoff's queue (after its earlier jobs)."""
        async with self._store.transaction() as repos:
            handoff = await repos.handoffs.by_slack_thread(channel=reply.channel, ts=reply.thread_ts)
        if handoff is None or handoff.id is None:
            return
        handoff_id = handoff.id
        self._submit(handoff_id, "staff-reply", lambda: self._relay_staff_reply(handoff_id, reply))

    async def _relay_staff_reply(self, handoff_id: int, reply: StaffReply) -> None:
        outcome = await self._service.reply(
            handoff_id,
            text=reply.text,
            agent=lambda: self._agent_name(reply.user_id),
            desk=DESK,
            plain=to_plain,
            keep_notes=False,  # a note stays in the thread, where staff see it
        )
        if outcome.result is ReplyResult.NOT_OPEN:
            await self._tell_thread(reply.channel, reply.thread_ts, NOT_SENT_TEXT)
        elif outcome.result is ReplyResult.UNDELIVERED:
            await self._tell_thread(reply.channel, reply.thread_ts, UNDELIVERED_TEXT)

    async def _claim(self, handoff_id: int, user_id: str) -> None:
        name = await self._agent_name(user_id)
        if (await self._service.claim(handoff_id, agent=name, desk=DESK)).changed:
            await self._refresh_message(handoff_id)

    async def _finish(self, handoff_id: int, user_id: str, status: str) -> None:
        name = await self._agent_name(user_id)
        end = self._service.resolve if status == "resolved" else self._service.release
        if (await end(handoff_id, agent=name, desk=DESK)).changed:
            await self._refresh_message(handoff_id)

    async def _show_elsewhere(self, event: StaffEvent) -> None:
        """A console reply or note goes into the thread; a claim or an end refreshes the message too."""
        async with self._store.transaction() as repos:
            handoff = await repos.handoffs.get(handoff_id=event.handoff_id)
        if handoff is None or handoff.slack_channel is None or handoff.slack_ts is None:
            return  # not posted yet: its post, when it goes, shows where it stands
        agent = escape(event.agent)
        label, where = _DESKS.get(event.desk, (escape(event.desk), f"at {escape(event.desk)}"))
        if event.action is Action.REPLY:
            text = f"*{agent} ({label}) to the shopper:* {escape(event.text)}"
        elif event.action is Action.NOTE:
            text = f"*Note by {agent} ({label}):* {escape(event.text)}"
        else:
            await self._refresh_message(event.handoff_id)
            text = _ELSEWHERE[event.action].format(agent=agent, where=where)
        await self._tell_thread(handoff.slack_channel, handoff.slack_ts, text)

    # ------------------------------------------------------------ helpers
    async def _refresh_message(self, handoff_id: int) -> None:
        async with self._store.transaction() as repos:
            ctx = await load_handoff_context(repos, handoff_id=handoff_id)
        handoff = ctx.handoff
        if handoff.slack_channel is None or handoff.slack_ts is None:
            return
        await self._api.update_message(
            handoff.slack_channel, handoff.slack_ts, handoff_text(ctx), blocks=handoff_blocks(ctx)
        )

    async def _agent_name(self, user_id: str) -> str:
        try:
            return await self._api.user_name(user_id)
        except SlackError as exc:
            log.warning("users.info for %s failed (%s); using the user id", user_id, exc)
            return user_id

    async def _tell_thread(self, channel: str, thread_ts: str, text: str) -> None:
        await self._api.post_message(channel, text, thread_ts=thread_ts)


def shopper_message_text(payload: Mapping[str, Any]) -> str:
    """The thread message for a shopper's message queued by ``bot.notify.staff.HandoffOutbox``."""
    said = str(payload.get("said") or "")
    channel = channel_name(str(payload.get("shopper_channel") or "chat"))
    lines = [f"*Shopper ({channel}):* {escape(said)}" if said else ""]
    attachments = payload.get("attachments")
    for label in attachments if isinstance(attachments, list) else []:
        lines.append(f":paperclip: {escape(str(label))} (kept with the handoff)")
    return "\n".join(line for line in lines if line) or "*Shopper:* (empty message)"
