"""A handoff end to end: real engine, real slack_bolt/slack_sdk against FakeSlack, the real Telegram
sender against FakeTelegram, requests to /slack/events signed exactly as Slack signs them."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from bot.app_keys import STORE
from bot.channels.slack.handoff_message import ACTION_BACK_TO_BOT, ACTION_CLAIM, ACTION_RESOLVE
from bot.channels.slack.handoffs import BACK_WITH_BOT_TEXT, SHOPPER_LEFT_TEXT
from bot.engine.feature import ENGINE
from handlers.messages import IncomingMessage
from tests.bot.channels.slack.conftest import (
    SHOPPER_CHAT,
    STAFF_USER,
    SUPPORT_CHANNEL_ID,
    post_form,
    post_slack,
    seed_orders,
    shopper_says,
    slack_features,
    slack_idle,
    slack_settings,
    start_handoff,
)
from tests.fakes.slack import FakeSlack, make_block_action_body, make_event_callback, make_message_event
from tests.fakes.telegram import FakeTelegram


def texts_of(blocks: list[dict[str, Any]]) -> str:
    """Every mrkdwn/plain text of a message's blocks, one per line."""
    found: list[str] = []
    for block in blocks:
        if "text" in block:
            found.append(block["text"]["text"])
        for element in block.get("elements", []):
            if isinstance(element.get("text"), dict):
                found.append(element["text"]["text"])
            elif isinstance(element.get("text"), str):
                found.append(element["text"])
    return "\n".join(found)


def action_ids(blocks: list[dict[str, Any]]) -> list[str]:
    """The button action ids of a message."""
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


async def staff_says(client: TestClient, fake: FakeSlack, thread_ts: str, text: str) -> None:
    """A staff member's reply in the handoff thread, as Slack delivers it."""
    event = make_message_event(SUPPORT_CHANNEL_ID, STAFF_USER, text, thread_ts, ts=fake.next_ts())
    response = await post_slack(client, make_event_callback(event))
    assert response.status == 200
    await slack_idle(client)


async def click(client: TestClient, action_id: str, handoff_id: int, message_ts: str) -> None:
    """A staff member clicks a button of the handoff message."""
    body = make_block_action_body(action_id, str(handoff_id), STAFF_USER, SUPPORT_CHANNEL_ID, message_ts)
    response = await post_form(client, body)
    assert response.status == 200
    await slack_idle(client)


async def test_handoff_thread_relay_claim_resolve_and_the_bot_answers_again(
    db_url: str, make_client: Any, workspace: FakeSlack, fake_telegram: FakeTelegram
) -> None:
    client = await make_client(slack_settings(db_url, workspace), slack_features(fake_telegram))
    store = client.app[STORE]
    await seed_orders(store)

    # 1. the shopper asks for a person: a handoff message with the whole context
    await start_handoff(client)
    [posted] = workspace.posted_messages()
    async with store.transaction() as repos:
        [handoff] = await repos.handoffs.list_open()
    assert posted["channel"] == "#support"
    assert (handoff.slack_channel, handoff.slack_ts) == (SUPPORT_CHANNEL_ID, "1700000000.000100")
    thread_ts = handoff.slack_ts
    shown = texts_of(posted["blocks"])
    assert f"Handoff #{handoff.id} · Telegram shopper" in shown
    assert "*Reason:* Shopper asked for a person about order #1001" in shown
    assert "*Order 1001* · open · placed 2026-11-20" in shown
    assert "• UPS <https://track.example.test/1001|1Z999AA10000001001> — in transit · ETA 2026-11-24" in shown
    assert "No open cases" in shown
    assert "*Shopper:* where is my order 1001?" in shown
    assert "*Shopper:* I want to talk to a human" in shown
    assert "*Bot:* Your Kettle Pro 200 (order #1001) is on its way." in shown
    assert action_ids(posted["blocks"]) == [ACTION_CLAIM, ACTION_RESOLVE, ACTION_BACK_TO_BOT]

    # 2. a shopper message during the handoff goes into the thread
    replies = await shopper_says(client, "OK, I will wait for them.", 4)
    await slack_idle(client)
    thread = workspace.thread(SUPPORT_CHANNEL_ID, thread_ts)
    assert replies == ["Thanks, I've passed that on. A person from our support team will reply right here."]
    assert [m["text"] for m in thread[1:]] == ["*Shopper (Telegram):* OK, I will wait for them."]

    # 3. a staff reply is relayed to the shopper on Telegram, with the agent's name
    await staff_says(client, workspace, thread_ts, "Hi Ann &amp; thanks for waiting, I'm asking UPS now.")
    relayed = fake_telegram.sent_messages(SHOPPER_CHAT)
    assert [m["text"] for m in relayed] == ["Bo (support): Hi Ann & thanks for waiting, I'm asking UPS now."]

    # 4. a note stays internal
    await staff_says(client, workspace, thread_ts, "note: UPS ticket 4471, customer is polite")
    assert len(fake_telegram.sent_messages(SHOPPER_CHAT)) == 1

    # 5. Claim: the message says who, the handoff is claimed by Bo
    await click(client, ACTION_CLAIM, handoff.id, thread_ts)
    [update] = workspace.calls_to("chat.update")
    async with store.transaction() as repos:
        claimed = await repos.handoffs.get(handoff_id=handoff.id)
    assert (claimed.status, claimed.claimed_by) == ("claimed", "Bo")
    assert update.params["ts"] == thread_ts
    assert ":raising_hand: Claimed by Bo" in texts_of(update.params["blocks"])
    assert action_ids(update.params["blocks"]) == [ACTION_RESOLVE, ACTION_BACK_TO_BOT]
    assert workspace.thread(SUPPORT_CHANNEL_ID, thread_ts)[0]["blocks"] == update.params["blocks"]

    # 6. Resolve: stored, message updated, the shopper is told and is back with the bot
    await click(client, ACTION_RESOLVE, handoff.id, thread_ts)
    async with store.transaction() as repos:
        resolved = await repos.handoffs.get(handoff_id=handoff.id)
        conversation = await repos.conversations.by_id(conversation_id=handoff.conversation_id)
        transcript = await repos.transcript.recent(conversation_id=handoff.conversation_id, limit=3)
    assert resolved.status == "resolved" and resolved.resolved_at is not None
    assert conversation.state == "idle"
    last_update = workspace.calls_to("chat.update")[-1]
    assert ":white_check_mark: Resolved by Bo" in texts_of(last_update.params["blocks"])
    assert action_ids(last_update.params["blocks"]) == []
    assert [m["text"] for m in fake_telegram.sent_messages(SHOPPER_CHAT)][-1] == BACK_WITH_BOT_TEXT
    assert [(line.direction, line.text, line.author) for line in transcript] == [
        ("out", "Thanks, I've passed that on. A person from our support team will reply right here.", None),
        ("staff", "Hi Ann & thanks for waiting, I'm asking UPS now.", "Bo"),
        ("out", BACK_WITH_BOT_TEXT, None),
    ]

    # 7. the bot answers again, and nothing more goes to the thread
    replies = await shopper_says(client, "where is my order 1001?", 5)
    await slack_idle(client)
    assert replies[0].startswith("Your Kettle Pro 200 (order #1001) is on its way.")
    assert len(workspace.thread(SUPPORT_CHANNEL_ID, thread_ts)) == 2
    assert len(workspace.posted_messages()) == 2


async def test_back_to_bot_returns_the_conversation_and_late_replies_are_not_sent(
    sqlite_url: str, make_client: Any, workspace: FakeSlack, fake_telegram: FakeTelegram
) -> None:
    client = await make_client(slack_settings(sqlite_url, workspace), slack_features(fake_telegram))
    store = client.app[STORE]
    await seed_orders(store)
    await start_handoff(client)
    async with store.transaction() as repos:
        [handoff] = await repos.handoffs.list_open()

    await click(client, ACTION_BACK_TO_BOT, handoff.id, handoff.slack_ts)
    await staff_says(client, workspace, handoff.slack_ts, "one more thing")

    async with store.transaction() as repos:
        returned = await repos.handoffs.get(handoff_id=handoff.id)
    assert (returned.status, returned.claimed_by) == ("returned", "Bo")
    assert [m["text"] for m in fake_telegram.sent_messages(SHOPPER_CHAT)] == [BACK_WITH_BOT_TEXT]
    assert ":robot_face: Back with the bot (Bo)" in texts_of(
        workspace.calls_to("chat.update")[-1].params["blocks"]
    )
    assert workspace.thread(SUPPORT_CHANNEL_ID, handoff.slack_ts)[-1]["text"] == (
        "This conversation is back with the bot, so that reply was *not* sent to the shopper."
    )
    replies = await shopper_says(client, "hello", 9)
    assert replies and "passed that on" not in replies[0]


async def test_bot_messages_and_edits_in_the_thread_are_not_relayed(
    sqlite_url: str, make_client: Any, workspace: FakeSlack, fake_telegram: FakeTelegram
) -> None:
    client = await make_client(slack_settings(sqlite_url, workspace), slack_features(fake_telegram))
    await seed_orders(client.app[STORE])
    await start_handoff(client)
    async with client.app[STORE].transaction() as repos:
        [handoff] = await repos.handoffs.list_open()
    own = make_message_event(
        SUPPORT_CHANNEL_ID, "U0BOT", "bot's own", handoff.slack_ts, ts=workspace.next_ts()
    )
    other_bot = make_message_event(
        SUPPORT_CHANNEL_ID, "U0OTHER", "other bot", handoff.slack_ts, ts=workspace.next_ts()
    )
    other_bot["bot_id"] = "B0OTHER"
    edited = make_message_event(
        SUPPORT_CHANNEL_ID, STAFF_USER, "edit", handoff.slack_ts, ts=workspace.next_ts()
    )
    edited["subtype"] = "message_changed"
    top_level = make_message_event(SUPPORT_CHANNEL_ID, STAFF_USER, "not in a thread", ts=workspace.next_ts())

    for event in (own, other_bot, edited, top_level):
        assert (await post_slack(client, make_event_callback(event))).status == 200
    await slack_idle(client)

    assert fake_telegram.sent_messages(SHOPPER_CHAT) == []


async def test_a_shopper_leaving_the_handoff_is_shown_in_slack(
    sqlite_url: str, make_client: Any, workspace: FakeSlack, fake_telegram: FakeTelegram
) -> None:
    client = await make_client(slack_settings(sqlite_url, workspace), slack_features(fake_telegram))
    store = client.app[STORE]
    await seed_orders(store)
    await start_handoff(client)
    async with store.transaction() as repos:
        [handoff] = await repos.handoffs.list_open()

    await client.app[ENGINE].handle(
        IncomingMessage(
            channel="telegram", external_id=SHOPPER_CHAT, payload="handoff:leave", message_id="m9"
        )
    )
    await slack_idle(client)
    await staff_says(client, workspace, handoff.slack_ts, "still there?")

    [update] = workspace.calls_to("chat.update")
    assert ":robot_face: Back with the bot" in texts_of(update.params["blocks"])
    assert action_ids(update.params["blocks"]) == []
    assert [m["text"] for m in workspace.thread(SUPPORT_CHANNEL_ID, handoff.slack_ts)[1:]] == [
        SHOPPER_LEFT_TEXT,
        "This conversation is back with the bot, so that reply was *not* sent to the shopper.",
    ]
    assert fake_telegram.sent_messages(SHOPPER_CHAT) == []
