"""Replays: the same signed Slack request, however often it arrives (Slack's retries, a captured
request sent again, a restart in between), is relayed or applied exactly once."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp.test_utils import TestClient

from bot.app_keys import STORE
from bot.channels.slack.handoff_message import ACTION_CLAIM, ACTION_RESOLVE
from bot.channels.slack.handoffs import BACK_WITH_BOT_TEXT
from bot.channels.slack.replays import ALREADY_ANSWERED_TEXT
from tests.bot.channels.slack.conftest import (
    SHOPPER_CHAT,
    SIGNING_SECRET,
    STAFF_USER,
    SUPPORT_CHANNEL_ID,
    seed_orders,
    slack_features,
    slack_idle,
    slack_settings,
    start_handoff,
)
from tests.fakes.slack import (
    FORM_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    FakeSlack,
    make_block_action_body,
    make_event_callback,
    make_message_event,
    make_slash_command_body,
    sign_slack_request,
)
from tests.fakes.telegram import FakeTelegram


async def _post(client: TestClient, body: bytes, content_type: str, retry: int | None = None) -> int:
    headers = sign_slack_request(SIGNING_SECRET, body, content_type=content_type)
    if retry is not None:
        headers["X-Slack-Retry-Num"] = str(retry)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    response = await client.post("/slack/events", data=body, headers=headers)
    await response.read()
    return response.status


async def _handoff_client(make_client: Any, db_url: str, workspace: FakeSlack, telegram: FakeTelegram) -> Any:
    client = await make_client(slack_settings(db_url, workspace), slack_features(telegram))
    await seed_orders(client.app[STORE])
    await start_handoff(client)
    return client


async def _open_handoff(client: TestClient) -> Any:
    async with client.app[STORE].transaction() as repos:
        [handoff] = await repos.handoffs.list_open()
    return handoff


async def _staff_lines(client: TestClient, conversation_id: int) -> list[str]:
    async with client.app[STORE].transaction() as repos:
        lines = await repos.transcript.recent(conversation_id=conversation_id, limit=20)
    return [line.text for line in lines if line.direction == "staff"]


async def test_a_redelivered_staff_reply_reaches_the_shopper_once(
    db_url: str, make_client: Any, workspace: FakeSlack, fake_telegram: FakeTelegram
) -> None:
    client = await _handoff_client(make_client, db_url, workspace, fake_telegram)
    handoff = await _open_handoff(client)
    event = make_message_event(
        SUPPORT_CHANNEL_ID, STAFF_USER, "On it!", handoff.slack_ts, ts=workspace.next_ts()
    )
    body = make_event_callback(event, event_id="Ev0REPLAY1")

    statuses = [await _post(client, body, JSON_CONTENT_TYPE, retry) for retry in (None, 1, 2, None)]
    await slack_idle(client)

    assert statuses == [200, 200, 200, 200]
    assert [m["text"] for m in fake_telegram.sent_messages(SHOPPER_CHAT)] == ["Bo (support): On it!"]
    assert await _staff_lines(client, handoff.conversation_id) == ["On it!"]


async def test_simultaneous_redeliveries_relay_once(
    db_url: str, make_client: Any, workspace: FakeSlack, fake_telegram: FakeTelegram
) -> None:
    client = await _handoff_client(make_client, db_url, workspace, fake_telegram)
    handoff = await _open_handoff(client)
    event = make_message_event(
        SUPPORT_CHANNEL_ID, STAFF_USER, "Hello", handoff.slack_ts, ts=workspace.next_ts()
    )
    body = make_event_callback(event, event_id="Ev0REPLAY2")

    statuses = await asyncio.gather(*(_post(client, body, JSON_CONTENT_TYPE, n or None) for n in range(6)))
    await slack_idle(client)

    assert statuses == [200] * 6
    assert [m["text"] for m in fake_telegram.sent_messages(SHOPPER_CHAT)] == ["Bo (support): Hello"]


async def test_a_replay_after_a_restart_is_still_dropped(
    db_url: str, make_client: Any, workspace: FakeSlack, fake_telegram: FakeTelegram
) -> None:
    first = await _handoff_client(make_client, db_url, workspace, fake_telegram)
    handoff = await _open_handoff(first)
    event = make_message_event(
        SUPPORT_CHANNEL_ID, STAFF_USER, "Once", handoff.slack_ts, ts=workspace.next_ts()
    )
    body = make_event_callback(event, event_id="Ev0REPLAY3")
    assert await _post(first, body, JSON_CONTENT_TYPE) == 200
    await slack_idle(first)
    await first.close()

    second = await make_client(slack_settings(db_url, workspace), slack_features(fake_telegram))
    assert await _post(second, body, JSON_CONTENT_TYPE, retry=3) == 200
    await slack_idle(second)

    assert [m["text"] for m in fake_telegram.sent_messages(SHOPPER_CHAT)] == ["Bo (support): Once"]


async def test_a_new_event_is_still_relayed_after_a_replay(
    sqlite_url: str, make_client: Any, workspace: FakeSlack, fake_telegram: FakeTelegram
) -> None:
    client = await _handoff_client(make_client, sqlite_url, workspace, fake_telegram)
    handoff = await _open_handoff(client)
    for n, text in enumerate(("first", "first", "second")):
        event_id = "Ev0A" if text == "first" else "Ev0B"
        event = make_message_event(
            SUPPORT_CHANNEL_ID, STAFF_USER, text, handoff.slack_ts, ts=f"1700000100.00{n}"
        )
        assert await _post(client, make_event_callback(event, event_id=event_id), JSON_CONTENT_TYPE) == 200
        await slack_idle(client)

    assert [m["text"] for m in fake_telegram.sent_messages(SHOPPER_CHAT)] == [
        "Bo (support): first",
        "Bo (support): second",
    ]


async def test_replayed_button_clicks_apply_once(
    db_url: str, make_client: Any, workspace: FakeSlack, fake_telegram: FakeTelegram
) -> None:
    client = await _handoff_client(make_client, db_url, workspace, fake_telegram)
    handoff = await _open_handoff(client)
    claim = make_block_action_body(
        ACTION_CLAIM, str(handoff.id), STAFF_USER, SUPPORT_CHANNEL_ID, handoff.slack_ts
    )
    resolve = make_block_action_body(
        ACTION_RESOLVE, str(handoff.id), STAFF_USER, SUPPORT_CHANNEL_ID, handoff.slack_ts
    )

    claims = await asyncio.gather(*(_post(client, claim, FORM_CONTENT_TYPE) for _ in range(3)))
    await slack_idle(client)
    resolves = [await _post(client, resolve, FORM_CONTENT_TYPE, retry) for retry in (None, 1, None)]
    await slack_idle(client)

    assert claims == [200] * 3 and resolves == [200] * 3
    assert len(workspace.calls_to("chat.update")) == 2  # one for the claim, one for the resolve
    assert [m["text"] for m in fake_telegram.sent_messages(SHOPPER_CHAT)] == [BACK_WITH_BOT_TEXT]
    async with client.app[STORE].transaction() as repos:
        resolved = await repos.handoffs.get(handoff_id=handoff.id)
    assert (resolved.status, resolved.claimed_by) == ("resolved", "Bo")


async def test_a_replayed_slash_command_is_answered_once(
    db_url: str, make_client: Any, workspace: FakeSlack
) -> None:
    client = await make_client(slack_settings(db_url, workspace), slack_features())
    await seed_orders(client.app[STORE])
    body = make_slash_command_body("/customer", "ann@example.com", STAFF_USER, trigger_id="111.222.abc")

    first = await client.post(
        "/slack/events",
        data=body,
        headers=sign_slack_request(SIGNING_SECRET, body, content_type=FORM_CONTENT_TYPE),
    )
    again = await client.post(
        "/slack/events",
        data=body,
        headers=sign_slack_request(SIGNING_SECRET, body, content_type=FORM_CONTENT_TYPE),
    )
    other = make_slash_command_body("/customer", "ann@example.com", STAFF_USER, trigger_id="111.222.def")
    fresh = await client.post(
        "/slack/events",
        data=other,
        headers=sign_slack_request(SIGNING_SECRET, other, content_type=FORM_CONTENT_TYPE),
    )

    answered = json.loads(await first.text())
    assert answered["text"].startswith("Customer Ann Lee")
    replayed = json.loads(await again.text())
    assert replayed == {"response_type": "ephemeral", "text": ALREADY_ANSWERED_TEXT}
    assert "ann@example.com" not in json.dumps(replayed)
    assert json.loads(await fresh.text())["text"].startswith("Customer Ann Lee")
