"""FakeSlack driven by the real slack_sdk and slack_bolt clients, and the Slack signing helper."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from tests.fakes.errors import FakeServerError
from tests.fakes.fixtures import FAKE_SLACK_TOKEN
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

pytestmark = pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing:UserWarning")
SIGNING_SECRET = "fake-signing-secret"


async def test_auth_test_answers_the_bot_identity(slack_client: AsyncWebClient) -> None:
    response = await slack_client.auth_test()

    assert (response["team_id"], response["user_id"], response["bot_id"]) == ("T0001", "U0BOT", "B0BOT")


async def test_post_message_in_a_thread_and_read_the_replies(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    parent = await slack_client.chat_postMessage(channel="C0SUPPORT", text="Handoff: order 1001")
    reply = await slack_client.chat_postMessage(
        channel="C0SUPPORT", text="Transcript", thread_ts=parent["ts"]
    )
    staff_ts = fake_slack.add_message("C0SUPPORT", "on it", user="U0STAFF", thread_ts=parent["ts"])
    replies = await slack_client.conversations_replies(channel="C0SUPPORT", ts=parent["ts"])

    assert parent["ts"] == "1700000000.000100"
    assert reply["ts"] == "1700000000.000200"
    assert reply["message"]["thread_ts"] == parent["ts"]
    assert [(message["user"], message["text"]) for message in replies["messages"]] == [
        ("U0BOT", "Handoff: order 1001"),
        ("U0BOT", "Transcript"),
        ("U0STAFF", "on it"),
    ]
    assert replies["messages"][0]["reply_count"] == 2
    assert replies["messages"][-1]["ts"] == staff_ts
    assert [params["text"] for params in fake_slack.posted_messages("C0SUPPORT")] == [
        "Handoff: order 1001",
        "Transcript",
    ]


async def test_blocks_are_accepted_and_checked(fake_slack: FakeSlack, slack_client: AsyncWebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Order 1001*"}}]
    await slack_client.chat_postMessage(channel="C1", blocks=blocks, text="Order 1001")
    with pytest.raises(SlackApiError) as raised:
        await slack_client.chat_postMessage(channel="C1", blocks=[{"text": "no type"}])

    assert raised.value.response["error"] == "invalid_blocks"
    assert fake_slack.posted_messages()[0]["blocks"] == blocks


async def test_chat_update_changes_the_bot_message(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    posted = await slack_client.chat_postMessage(channel="C1", text="Waiting for staff")
    updated = await slack_client.chat_update(channel="C1", ts=posted["ts"], text="Taken by Bo")
    staff_ts = fake_slack.add_message("C1", "hi", user="U0STAFF")

    assert updated["text"] == "Taken by Bo"
    assert fake_slack.thread("C1", posted["ts"])[0]["text"] == "Taken by Bo"
    for ts, error in ((staff_ts, "cant_update_message"), ("1.000001", "message_not_found")):
        with pytest.raises(SlackApiError) as raised:
            await slack_client.chat_update(channel="C1", ts=ts, text="x")
        assert raised.value.response["error"] == error


async def test_missing_arguments_answer_slack_errors(slack_client: AsyncWebClient) -> None:
    errors = []
    for call in (
        slack_client.chat_postMessage(channel="C1"),
        slack_client.chat_postMessage(channel="", text="hi"),
        slack_client.users_info(user="U404"),
        slack_client.conversations_replies(channel="C1", ts="1.000001"),
    ):
        with pytest.raises(SlackApiError) as raised:
            await call
        errors.append(raised.value.response["error"])

    assert errors == ["no_text", "channel_not_found", "user_not_found", "thread_not_found"]


async def test_users_info_returns_added_user(fake_slack: FakeSlack, slack_client: AsyncWebClient) -> None:
    fake_slack.add_user("U0STAFF", "Bo Staff")

    user = (await slack_client.users_info(user="U0STAFF"))["user"]

    assert (user["real_name"], user["profile"]["display_name"]) == ("Bo Staff", "Bo")


async def test_invalid_and_missing_token(fake_slack: FakeSlack) -> None:
    wrong = AsyncWebClient(token="xoxb-wrong", base_url=fake_slack.api_base_url)
    anonymous = AsyncWebClient(base_url=fake_slack.api_base_url)

    with pytest.raises(SlackApiError) as invalid:
        await wrong.auth_test()
    with pytest.raises(SlackApiError) as missing:
        await anonymous.auth_test()

    assert invalid.value.response["error"] == "invalid_auth"
    assert missing.value.response["error"] == "not_authed"
    assert [call.error for call in fake_slack.calls_to("auth.test")] == ["invalid_auth", "not_authed"]


async def test_planned_429_reaches_the_caller_without_retry_handler(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=2)

    with pytest.raises(SlackApiError) as raised:
        await slack_client.chat_postMessage(channel="C1", text="hi")

    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "2"
    assert raised.value.response["error"] == "ratelimited"
    assert fake_slack.throttled_count == 1
    assert fake_slack.posted_messages() == []


async def test_slack_sdk_rate_limit_handler_waits_retry_after(fake_slack: FakeSlack) -> None:
    client = AsyncWebClient(
        token=FAKE_SLACK_TOKEN,
        base_url=fake_slack.api_base_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=1)

    started = time.monotonic()
    response = await client.chat_postMessage(channel="C1", text="hi")

    assert response["ok"] is True
    assert time.monotonic() - started >= 1.0
    assert [call.status for call in fake_slack.calls_to("chat.postMessage")] == [429, 200]


async def test_per_channel_rate_limit() -> None:
    async with FakeSlack(token=FAKE_SLACK_TOKEN, rate_limit_per_channel=1.0) as fake:
        client = AsyncWebClient(token=FAKE_SLACK_TOKEN, base_url=fake.api_base_url)
        await client.chat_postMessage(channel="C1", text="one")
        with pytest.raises(SlackApiError) as raised:
            await client.chat_postMessage(channel="C1", text="two")
        await client.chat_postMessage(channel="C2", text="other channel")

    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "1"
    assert [params["text"] for params in fake.posted_messages()] == ["one", "other channel"]


async def test_planned_error_with_200_status(fake_slack: FakeSlack, slack_client: AsyncWebClient) -> None:
    fake_slack.fail_next("chat.postMessage", status=200, error="not_in_channel")

    with pytest.raises(SlackApiError) as raised:
        await slack_client.chat_postMessage(channel="C1", text="hi")

    assert (raised.value.response.status_code, raised.value.response["error"]) == (200, "not_in_channel")


async def test_response_url_posts_are_captured(fake_slack: FakeSlack) -> None:
    webhook = AsyncWebhookClient(fake_slack.response_url("cmd-1"))

    response = await webhook.send(text="Looking it up", response_type="ephemeral")

    assert response.status_code == 200
    assert fake_slack.responses_to("cmd-1") == [{"text": "Looking it up", "response_type": "ephemeral"}]


def test_signature_matches_slack_sdk_verifier() -> None:
    body = make_event_callback(make_message_event("C1", "U0STAFF", "hello", "1700000000.000100"))
    now = int(time.time())
    headers = sign_slack_request(SIGNING_SECRET, body, now)
    verifier = SignatureVerifier(SIGNING_SECRET)

    assert verifier.is_valid(body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"])
    assert not verifier.is_valid(
        body + b" ", headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )
    stale = sign_slack_request(SIGNING_SECRET, body, now - 600)
    assert not verifier.is_valid(body, stale["X-Slack-Request-Timestamp"], stale["X-Slack-Signature"])


def test_slash_command_and_block_action_bodies_are_form_encoded() -> None:
    command = parse_qs(make_slash_command_body("/doorstep", "order 1001", "U0STAFF").decode())
    action = parse_qs(make_block_action_body("take", "h-1", "U0STAFF", "C1", "1700000000.000100").decode())

    assert (command["command"], command["text"], command["user_id"]) == (
        ["/doorstep"],
        ["order 1001"],
        ["U0STAFF"],
    )
    payload = json.loads(action["payload"][0])
    assert payload["type"] == "block_actions"
    assert payload["actions"][0]["action_id"] == "take"
    assert payload["container"]["message_ts"] == "1700000000.000100"


async def _dispatch(app: AsyncApp, body: bytes, content_type: str) -> Any:
    headers = sign_slack_request(SIGNING_SECRET, body, content_type=content_type)
    return await app.async_dispatch(AsyncBoltRequest(body=body.decode(), headers=headers))


async def test_bolt_app_handles_signed_event_command_and_action(fake_slack: FakeSlack) -> None:
    app = AsyncApp(
        client=AsyncWebClient(token=FAKE_SLACK_TOKEN, base_url=fake_slack.api_base_url),
        signing_secret=SIGNING_SECRET,
    )

    @app.event("message")
    async def relay(event: dict[str, Any], say: Any) -> None:
        await say(text=f"relayed: {event['text']}", thread_ts=event["thread_ts"])

    @app.command("/doorstep")
    async def command(ack: Any, respond: Any, command: dict[str, Any]) -> None:
        await ack()
        await respond(f"looking up {command['text']}")

    @app.action("take")
    async def take(ack: Any, respond: Any, body: dict[str, Any]) -> None:
        await ack()
        await respond(f"taken by {body['user']['id']}")

    event = make_event_callback(make_message_event("C1", "U0STAFF", "hello", "1700000000.000100"))
    command_body = make_slash_command_body(
        "/doorstep", "1001", "U0STAFF", response_url=fake_slack.response_url("cmd")
    )
    action_body = make_block_action_body(
        "take", "h-1", "U0STAFF", "C1", "1700000000.000100", response_url=fake_slack.response_url("act")
    )
    unsigned = await app.async_dispatch(AsyncBoltRequest(body=event.decode(), headers={}))

    statuses = [
        (await _dispatch(app, event, JSON_CONTENT_TYPE)).status,
        (await _dispatch(app, command_body, FORM_CONTENT_TYPE)).status,
        (await _dispatch(app, action_body, FORM_CONTENT_TYPE)).status,
    ]
    for _ in range(100):
        if fake_slack.posted_messages() and len(fake_slack.responses) == 2:
            break
        await asyncio.sleep(0.05)

    assert unsigned.status == 401
    assert statuses == [200, 200, 200]
    assert fake_slack.posted_messages() == [
        {"channel": "C1", "text": "relayed: hello", "thread_ts": "1700000000.000100", "team_id": "T0001"}
    ]
    assert fake_slack.responses_to("cmd")[0]["text"] == "looking up 1001"
    assert fake_slack.responses_to("act")[0]["text"] == "taken by U0STAFF"


async def test_ephemeral_delete_and_reactions(fake_slack: FakeSlack, slack_client: AsyncWebClient) -> None:
    ephemeral = await slack_client.chat_postEphemeral(channel="C1", user="U0STAFF", text="only you")
    posted = await slack_client.chat_postMessage(channel="C1", text="to delete")
    await slack_client.reactions_add(channel="C1", timestamp=posted["ts"], name="eyes")
    await slack_client.chat_delete(channel="C1", ts=posted["ts"])

    assert ephemeral["message_ts"] < posted["ts"]
    with pytest.raises(SlackApiError) as raised:
        await slack_client.conversations_replies(channel="C1", ts=posted["ts"])
    assert raised.value.response["error"] == "thread_not_found"
    assert [call.method for call in fake_slack.calls] == [
        "chat.postEphemeral",
        "chat.postMessage",
        "reactions.add",
        "chat.delete",
        "conversations.replies",
    ]


async def test_channel_names_resolve_and_unknown_methods_fail(
    fake_slack: FakeSlack, slack_client: AsyncWebClient
) -> None:
    fake_slack.add_channel("C0SUPPORT", "support")

    posted = await slack_client.chat_postMessage(channel="#support", text="hi")
    with pytest.raises(SlackApiError) as unknown_channel:
        await slack_client.chat_postMessage(channel="#nowhere", text="hi")
    with pytest.raises(SlackApiError) as unknown_method:
        await slack_client.api_call("chat.teleport")

    assert posted["channel"] == "C0SUPPORT"
    assert unknown_channel.value.response["error"] == "channel_not_found"
    assert unknown_method.value.response["error"] == "unknown_method"
    with pytest.raises(FakeServerError):
        fake_slack.fail_next("chat.teleport")
