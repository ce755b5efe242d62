"""POST /slack/events: bolt's signature check inside our aiohttp app, replays refused, 429s waited out."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app_keys import STORE
from bot.channels.slack.feature import SLACK, SLACK_ALERTS
from tests.bot.channels.slack.conftest import (
    SHOPPER_CHAT,
    SIGNING_SECRET,
    STAFF_USER,
    SUPPORT_CHANNEL_ID,
    now,
    post_slack,
    seed_orders,
    slack_features,
    slack_idle,
    slack_settings,
    start_handoff,
)
from tests.bot.conftest import test_settings
from tests.fakes.slack import (
    FORM_CONTENT_TYPE,
    FakeSlack,
    make_event_callback,
    make_message_event,
    make_slash_command_body,
    make_url_verification_body,
)
from tests.fakes.telegram import FakeTelegram


@pytest.fixture
async def client(sqlite_url: str, make_client: Any, workspace: FakeSlack) -> TestClient:
    """The app with the engine and Slack (no shopper channel)."""
    return await make_client(slack_settings(sqlite_url, workspace), slack_features())


def command_body() -> bytes:
    return make_slash_command_body("/order", "1001", STAFF_USER)


async def test_a_signed_request_is_answered(client: TestClient) -> None:
    response = await post_slack(client, command_body(), FORM_CONTENT_TYPE)

    assert response.status == 200
    assert json.loads(await response.text())["text"] == "I couldn't find an order 1001. Check the number?"


async def test_a_bad_signature_is_refused_with_401(client: TestClient, workspace: FakeSlack) -> None:
    wrong_secret = await post_slack(client, command_body(), FORM_CONTENT_TYPE, secret="not-the-secret")
    body = command_body()
    headers = {
        "X-Slack-Request-Timestamp": str(now()),
        "X-Slack-Signature": "v0=" + "0" * 64,
        "Content-Type": FORM_CONTENT_TYPE,
    }
    forged = await client.post("/slack/events", data=body, headers=headers)
    unsigned = await client.post("/slack/events", data=body, headers={"Content-Type": FORM_CONTENT_TYPE})

    assert [wrong_secret.status, forged.status, unsigned.status] == [401, 401, 401]
    assert workspace.calls == []


async def test_a_six_minute_old_timestamp_is_refused(client: TestClient, workspace: FakeSlack) -> None:
    stale = await post_slack(client, command_body(), FORM_CONTENT_TYPE, timestamp=int(time.time()) - 6 * 60)
    recent = await post_slack(client, command_body(), FORM_CONTENT_TYPE, timestamp=int(time.time()) - 4 * 60)

    assert stale.status == 401
    assert recent.status == 200


async def test_url_verification_answers_the_challenge(client: TestClient) -> None:
    response = await post_slack(client, make_url_verification_body("ch4ll3nge"))

    assert response.status == 200
    assert json.loads(await response.text()) == {"challenge": "ch4ll3nge"}


async def test_slack_is_off_without_its_token(sqlite_url: str, make_client: Any) -> None:
    client = await make_client(
        test_settings(sqlite_url, slack_signing_secret=SIGNING_SECRET), slack_features()
    )
    response = await post_slack(client, command_body(), FORM_CONTENT_TYPE)

    assert response.status == 404
    assert SLACK not in client.app and SLACK_ALERTS not in client.app


async def test_events_from_another_workspace_are_ignored(
    sqlite_url: str, make_client: Any, workspace: FakeSlack, fake_telegram: FakeTelegram
) -> None:
    client = await make_client(slack_settings(sqlite_url, workspace), slack_features(fake_telegram))
    await seed_orders(client.app[STORE])
    await start_handoff(client)
    async with client.app[STORE].transaction() as repos:
        [handoff] = await repos.handoffs.list_open()
    event = make_message_event(SUPPORT_CHANNEL_ID, STAFF_USER, "hi", handoff.slack_ts, team_id="T0OTHER")

    response = await post_slack(client, make_event_callback(event, team_id="T0OTHER"))
    await slack_idle(client)

    assert response.status == 200
    assert fake_telegram.sent_messages(SHOPPER_CHAT) == []


async def test_a_429_on_the_handoff_post_is_waited_out_and_posted_once(
    sqlite_url: str, make_client: Any, workspace: FakeSlack, fake_telegram: FakeTelegram
) -> None:
    client = await make_client(slack_settings(sqlite_url, workspace), slack_features(fake_telegram))
    await seed_orders(client.app[STORE])
    workspace.fail_next("chat.postMessage", status=429, retry_after=1)

    await start_handoff(client)

    calls = workspace.calls_to("chat.postMessage")
    assert [call.status for call in calls] == [429, 200]
    assert calls[1].at - calls[0].at >= 1.0
    [posted] = workspace.posted_messages()
    async with client.app[STORE].transaction() as repos:
        [handoff] = await repos.handoffs.list_open()
    assert posted["text"].startswith(f"Handoff #{handoff.id} from Telegram:")
    assert handoff.slack_ts == workspace.thread(SUPPORT_CHANNEL_ID, handoff.slack_ts)[0]["ts"]


async def test_slack_alerts_are_exposed_to_other_features(client: TestClient, workspace: FakeSlack) -> None:
    await seed_orders(client.app[STORE])
    async with client.app[STORE].transaction() as repos:
        order = await repos.orders.by_number(order_number="1001")

    posted = await client.app[SLACK_ALERTS].alert(order.id, "returned_to_sender", "UPS is sending it back")

    [message] = workspace.posted_messages()
    assert posted.channel == SUPPORT_CHANNEL_ID
    assert message["text"] == "Alert (returned to sender) order 1001: UPS is sending it back"
