"""The slack_bolt AsyncApp: request checks, the workspace guard and the listeners.

Events are acked by bolt at once; buttons ack first and queue their work; slash commands ack
with their answer when it is ready within :data:`ANSWER_WITHIN_SECONDS`, otherwise they ack
with "Looking that up…" and send the answer to the ``response_url`` when it is ready.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.slack.commands import (
    CommandAnswer,
    customer_command,
    handoffs_command,
    kb_command,
    order_command,
)
from bot.channels.slack.handoff_message import ACTION_BACK_TO_BOT, ACTION_CLAIM, ACTION_RESOLVE
from bot.channels.slack.handoffs import SlackHandoffs, StaffReply
from bot.channels.slack.replays import once_only
from knowledge.search import SearchIndex
from storage.store import Store

log = logging.getLogger(__name__)

#: slash commands answer in the ack when ready this fast (Slack wants the ack within 3 s)
ANSWER_WITHIN_SECONDS = 2.0
WRONG_WORKSPACE_TEXT = "Sorry, doorstep only answers staff of its own Slack workspace."
UNKNOWN_COMMAND_TEXT = "I know `/order`, `/customer`, `/kb` and `/handoffs`."
#: matches any command, action id or event type
_ANYTHING = re.compile(".*", re.DOTALL)
#: a handoff id in a button's value
_HANDOFF_ID = re.compile(r"[0-9]{1,12}")
#: the logger slack_bolt writes to (kept at WARNING, see :func:`build_bolt_app`)
BOLT_LOGGER = "doorstep.slack.bolt"

SearchIndexLookup = Callable[[], SearchIndex | None]


def build_bolt_app(
    *,
    client: AsyncWebClient,
    signing_secret: str,
    team_id: str | None,
    store: Store,
    handoffs: SlackHandoffs,
    search_index: SearchIndexLookup,
) -> AsyncApp:
    """The AsyncApp: the workspace guard, each request once (:mod:`~bot.channels.slack.replays`), the listeners.

    Requests reach it only through ``POST /slack/events``, which has verified the signature on the
    raw body and checked the body's shape (:mod:`~bot.channels.slack.verify`,
    :mod:`~bot.channels.slack.inbound`); bolt's own check would parse first, so it is off. Bolt's
    logger is kept at WARNING: at INFO and DEBUG it writes request bodies.
    """
    bolt_logger = logging.getLogger(BOLT_LOGGER)
    bolt_logger.setLevel(logging.WARNING)
    bolt = AsyncApp(
        client=client,
        signing_secret=signing_secret,
        request_verification_enabled=False,
        before_authorize=_workspace_guard(team_id),
        name="doorstep",
        logger=bolt_logger,
    )
    bolt.use(once_only(store))

    @bolt.event("message")
    async def on_message(event: dict[str, Any], context: dict[str, Any]) -> None:
        reply = staff_reply_from(event, bot_user_id=context.get("bot_user_id"))
        if reply is not None:
            handoffs.staff_replied(reply)

    async def run(ack: AsyncAck, respond: AsyncRespond, answer: Awaitable[CommandAnswer]) -> None:
        await answer_in_time(ack, respond, answer)

    @bolt.command("/order")
    async def on_order(ack: AsyncAck, respond: AsyncRespond, command: dict[str, Any]) -> None:
        await run(ack, respond, order_command(store, command.get("text")))

    @bolt.command("/customer")
    async def on_customer(ack: AsyncAck, respond: AsyncRespond, command: dict[str, Any]) -> None:
        await run(ack, respond, customer_command(store, command.get("text")))

    @bolt.command("/kb")
    async def on_kb(ack: AsyncAck, respond: AsyncRespond, command: dict[str, Any]) -> None:
        index = search_index()
        await run(ack, respond, asyncio.to_thread(kb_command, index, command.get("text")))

    @bolt.command("/handoffs")
    async def on_handoffs(ack: AsyncAck, respond: AsyncRespond) -> None:
        await run(ack, respond, handoffs_command(store))

    for action_id, start in (
        (ACTION_CLAIM, handoffs.claim),
        (ACTION_RESOLVE, handoffs.resolve),
        (ACTION_BACK_TO_BOT, handoffs.back_to_bot),
    ):
        bolt.action(action_id)(_button_listener(start))

    # registered last: bolt runs the first listener that matches, and these match anything else
    @bolt.command(_ANYTHING)
    async def on_other_command(ack: AsyncAck, command: dict[str, Any]) -> None:
        await ack(text=UNKNOWN_COMMAND_TEXT, response_type="ephemeral")

    @bolt.action(_ANYTHING)
    async def on_other_action(ack: AsyncAck) -> None:
        await ack()
        log.info("ignored a click on a button doorstep does not know")

    @bolt.event(_ANYTHING)
    async def on_other_event() -> None:
        log.debug("ignored a Slack event doorstep does not listen to")

    return bolt


def staff_reply_from(event: dict[str, Any], *, bot_user_id: str | None) -> StaffReply | None:
    """The staff reply in ``event``: a plain human message inside a thread; None for anything else."""
    thread_ts = event.get("thread_ts")
    user = event.get("user")
    if (
        event.get("subtype")
        or event.get("bot_id")
        or not thread_ts
        or not user
        or user == bot_user_id
        or thread_ts == event.get("ts")
    ):
        return None
    return StaffReply(
        channel=str(event.get("channel", "")),
        thread_ts=str(thread_ts),
        user_id=str(user),
        text=event.get("text") or "",
    )


def _button_listener(start: Callable[[int, str], None]) -> Callable[..., Awaitable[None]]:
    async def on_button(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        value = action.get("value")
        if not isinstance(value, str) or not _HANDOFF_ID.fullmatch(value):
            log.warning("button %s without a handoff id ignored", action.get("action_id"))
            return
        start(int(value), str(body.get("user", {}).get("id", "")))

    return on_button


async def answer_in_time(
    ack: AsyncAck,
    respond: AsyncRespond,
    answer: Awaitable[CommandAnswer],
    *,
    within: float = ANSWER_WITHIN_SECONDS,
) -> None:
    """Ack with the answer if it is ready ``within`` seconds; else ack at once and respond later."""
    task = asyncio.ensure_future(answer)
    done, _ = await asyncio.wait({task}, timeout=within)
    if done:
        result = task.result()
        await ack(text=result.text, blocks=result.blocks or None, response_type="ephemeral")
        return
    await ack(text="Looking that up…", response_type="ephemeral")
    result = await task
    await respond(text=result.text, blocks=result.blocks or None, response_type="ephemeral")


def _workspace_guard(team_id: str | None) -> Callable[..., Awaitable[BoltResponse | None]]:
    """Refuse requests from other workspaces (before authorize, so no API call is made for them)."""

    async def only_our_workspace(
        req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse | None:
        if team_id is None or req.context.team_id in (None, team_id):
            return await next()
        log.warning("refused a Slack request from another workspace")
        if req.body.get("command"):
            body = {"response_type": "ephemeral", "text": WRONG_WORKSPACE_TEXT}
            return BoltResponse(
                status=200, body=json.dumps(body), headers={"content-type": "application/json"}
            )
        return BoltResponse(status=200, body="")

    return only_our_workspace
