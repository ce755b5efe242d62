"""Listener helpers: the 3-second rule for slash commands, and which messages are staff replies."""

from __future__ import annotations

import asyncio
import json

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.channels.slack.commands import CommandAnswer
from bot.channels.slack.handoffs import StaffReply
from bot.channels.slack.listeners import answer_in_time, staff_reply_from
from tests.fakes.slack import FakeSlack, make_message_event

CARD = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Order 1001*"}}]


async def test_a_quick_answer_goes_in_the_ack(fake_slack: FakeSlack) -> None:
    ack = AsyncAck()
    respond = AsyncRespond(response_url=fake_slack.response_url("cmd"))

    async def quick() -> CommandAnswer:
        return CommandAnswer("Order 1001: open", CARD)

    await answer_in_time(ack, respond, quick(), within=1.0)

    assert ack.response is not None and ack.response.status == 200
    assert json.loads(ack.response.body) == {
        "text": "Order 1001: open",
        "blocks": CARD,
        "response_type": "ephemeral",
    }
    assert fake_slack.responses_to("cmd") == []


async def test_a_slow_answer_is_acked_first_then_sent_to_the_response_url(fake_slack: FakeSlack) -> None:
    ack = AsyncAck()
    respond = AsyncRespond(response_url=fake_slack.response_url("cmd"))
    acked_before_answer: list[bool] = []

    async def slow() -> CommandAnswer:
        await asyncio.sleep(0.2)
        acked_before_answer.append(ack.response is not None)
        return CommandAnswer("Order 1001: open", CARD)

    await answer_in_time(ack, respond, slow(), within=0.05)

    assert acked_before_answer == [True]
    assert json.loads(ack.response.body) == {"text": "Looking that up…", "response_type": "ephemeral"}
    assert fake_slack.responses_to("cmd") == [
        {"text": "Order 1001: open", "blocks": CARD, "response_type": "ephemeral"}
    ]


def test_only_human_thread_replies_are_staff_replies() -> None:
    reply = make_message_event("C1", "U0STAFF", "on it", "1700000000.000100", ts="1700000000.000900")
    parent = make_message_event("C1", "U0STAFF", "top", "1700000000.000100", ts="1700000000.000100")
    own = make_message_event("C1", "U0BOT", "mine", "1700000000.000100")
    joined = {**reply, "subtype": "channel_join"}
    from_bot = {**reply, "bot_id": "B0OTHER"}
    top_level = make_message_event("C1", "U0STAFF", "hello")

    assert staff_reply_from(reply, bot_user_id="U0BOT") == StaffReply(
        channel="C1", thread_ts="1700000000.000100", user_id="U0STAFF", text="on it"
    )
    for event in (parent, own, joined, from_bot, top_level):
        assert staff_reply_from(event, bot_user_id="U0BOT") is None
