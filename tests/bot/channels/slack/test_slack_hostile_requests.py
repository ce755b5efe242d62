"""POST /slack/events under hostile input: the signature is checked on the raw bytes before anything is
parsed (unsigned or stale: 401), a signed body that is malformed or of the wrong shape gets 400 with a
reason, never a 500, and no raw request body reaches the logs."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp.test_utils import TestClient

from bot.app_keys import STORE
from bot.channels.slack.listeners import UNKNOWN_COMMAND_TEXT
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
from tests.fakes.slack import (
    FORM_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    FakeSlack,
    make_event_callback,
    make_message_event,
    sign_slack_request,
)
from tests.fakes.slack_payloads import block_action_payload, event_callback
from tests.fakes.telegram import FakeTelegram

#: a marker that must never appear in a log line (it stands for a raw body holding personal data)
MARKER = "ann.marker@example.com"


@pytest.fixture
async def client(sqlite_url: str, make_client: Any, workspace: FakeSlack) -> TestClient:
    """The app with the engine and Slack (no shopper channel)."""
    return await make_client(slack_settings(sqlite_url, workspace), slack_features())


def _nested(depth: int) -> bytes:
    return b'{"type":"event_callback","event":' + b"[" * depth + b"]" * depth + b"}"


BAD_BODIES: dict[str, tuple[bytes, str]] = {
    "malformed json": (b'{"type": "event_callback", "event": {' + MARKER.encode(), JSON_CONTENT_TYPE),
    "json array": (json.dumps([{"type": "event_callback", "x": MARKER}]).encode(), JSON_CONTENT_TYPE),
    "json string": (json.dumps(MARKER).encode(), JSON_CONTENT_TYPE),
    "invalid utf-8": (
        b'{"type": "event_callback", "text": "\xff\xfe' + MARKER.encode() + b'"}',
        JSON_CONTENT_TYPE,
    ),
    "deep nesting": (_nested(50_000), JSON_CONTENT_TYPE),
    "form payload malformed": (urlencode({"payload": "{" + MARKER}).encode(), FORM_CONTENT_TYPE),
    "form payload array": (urlencode({"payload": json.dumps([MARKER])}).encode(), FORM_CONTENT_TYPE),
    "empty": (b"", JSON_CONTENT_TYPE),
}


def _message_callback(**event_changes: Any) -> dict[str, Any]:
    event = make_message_event(SUPPORT_CHANNEL_ID, STAFF_USER, MARKER, "1700000000.000100", ts="1700000001.0")
    event.update(event_changes)
    return event_callback(event)


def _action(**action_changes: Any) -> dict[str, Any]:
    payload = block_action_payload("handoff_claim", "1", STAFF_USER, SUPPORT_CHANNEL_ID, "1700000000.000100")
    payload["actions"][0].update(action_changes)
    payload["actions"][0] = {k: v for k, v in payload["actions"][0].items() if v is not None}
    return payload


def _form(payload: Any) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


WRONG_SHAPES: dict[str, tuple[bytes, str]] = {
    "event is a string": (json.dumps({**event_callback({}), "event": MARKER}).encode(), JSON_CONTENT_TYPE),
    "event without a type": (json.dumps(_message_callback(type=None)).encode(), JSON_CONTENT_TYPE),
    "event id is a number": (json.dumps({**_message_callback(), "event_id": 12}).encode(), JSON_CONTENT_TYPE),
    "event id missing": (
        json.dumps({k: v for k, v in _message_callback().items() if k != "event_id"}).encode(),
        JSON_CONTENT_TYPE,
    ),
    "text is a number": (json.dumps(_message_callback(text=5)).encode(), JSON_CONTENT_TYPE),
    "thread_ts is an object": (json.dumps(_message_callback(thread_ts={"a": 1})).encode(), JSON_CONTENT_TYPE),
    "user is a list": (json.dumps(_message_callback(user=[MARKER])).encode(), JSON_CONTENT_TYPE),
    "team is a number": (json.dumps({**_message_callback(), "team": 7}).encode(), JSON_CONTENT_TYPE),
    "authorizations is a string": (
        json.dumps({**_message_callback(), "authorizations": MARKER}).encode(),
        JSON_CONTENT_TYPE,
    ),
    "type is a number": (json.dumps({**_message_callback(), "type": 3}).encode(), JSON_CONTENT_TYPE),
    "action without action_id": (_form(_action(action_id=None)), FORM_CONTENT_TYPE),
    "action_id is a number": (_form(_action(action_id=4)), FORM_CONTENT_TYPE),
    "actions is an object": (_form({**_action(), "actions": {"action_id": "x"}}), FORM_CONTENT_TYPE),
    "no actions": (_form({**_action(), "actions": []}), FORM_CONTENT_TYPE),
    "action user is a string list": (_form({**_action(), "user": [MARKER]}), FORM_CONTENT_TYPE),
    "action value is a number": (_form(_action(value=12)), FORM_CONTENT_TYPE),
    "channel id is a number": (_form({**_action(), "channel": {"id": 5}}), FORM_CONTENT_TYPE),
    "click without a stamp": (
        _form({k: v for k, v in _action(action_ts=None).items() if k != "trigger_id"}),
        FORM_CONTENT_TYPE,
    ),
    "payload without a type": (_form({k: v for k, v in _action().items() if k != "type"}), FORM_CONTENT_TYPE),
}


async def _post_raw(client: TestClient, body: bytes, headers: dict[str, str]) -> int:
    response = await client.post("/slack/events", data=body, headers=headers)
    await response.read()
    return response.status


@pytest.mark.parametrize("name", sorted(BAD_BODIES))
async def test_unsigned_bad_bodies_get_401(
    client: TestClient, workspace: FakeSlack, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    body, content_type = BAD_BODIES[name]
    caplog.set_level(logging.DEBUG)
    statuses = [
        await _post_raw(client, body, {"Content-Type": content_type}),
        await _post_raw(
            client,
            body,
            {
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": str(now()),
                "X-Slack-Signature": "v0=" + "0" * 64,
            },
        ),
        await _post_raw(client, body, sign_slack_request("not-the-secret", body, content_type=content_type)),
    ]

    assert statuses == [401, 401, 401]
    assert workspace.calls == []
    assert MARKER not in caplog.text


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=" + "0" * 64},
        {"X-Slack-Request-Timestamp": "", "X-Slack-Signature": "v0=" + "0" * 64},
        {"X-Slack-Request-Timestamp": "1" * 400, "X-Slack-Signature": "v0=" + "0" * 64},
        {"X-Slack-Request-Timestamp": "-5", "X-Slack-Signature": "v0=" + "0" * 64},
        {"X-Slack-Request-Timestamp": "١٧٠٠٠٠٠٠٠٠", "X-Slack-Signature": "v0=" + "0" * 64},
        {"X-Slack-Request-Timestamp": "NOW", "X-Slack-Signature": "v0=é"},
        {"X-Slack-Signature": "v0=é"},
        {"X-Slack-Request-Timestamp": "NOW"},
        {"X-Slack-Request-Timestamp": "NOW", "X-Slack-Signature": "v1=" + "0" * 64},
        {"X-Slack-Request-Timestamp": "NOW", "X-Slack-Signature": ""},
    ],
    ids=[
        "word timestamp",
        "empty timestamp",
        "huge timestamp",
        "negative timestamp",
        "arabic digits",
        "non-ascii signature",
        "signature only",
        "timestamp only",
        "v1 signature",
        "empty signature",
    ],
)
async def test_bad_signature_headers_get_401(
    client: TestClient, workspace: FakeSlack, headers: dict[str, str]
) -> None:
    body = make_event_callback(make_message_event(SUPPORT_CHANNEL_ID, STAFF_USER, "hi", "1700000000.000100"))
    sent = {k: (str(now()) if v == "NOW" else v) for k, v in headers.items()}
    sent["Content-Type"] = JSON_CONTENT_TYPE

    assert await _post_raw(client, body, sent) == 401
    assert workspace.calls == []


async def test_a_signature_made_for_another_body_is_refused(client: TestClient) -> None:
    signed_for = make_event_callback(make_message_event(SUPPORT_CHANNEL_ID, STAFF_USER, "a", "1.0"))
    headers = sign_slack_request(SIGNING_SECRET, signed_for, content_type=JSON_CONTENT_TYPE)

    assert await _post_raw(client, signed_for + b" ", headers) == 401


@pytest.mark.parametrize("name", sorted(BAD_BODIES))
async def test_signed_malformed_bodies_get_400_with_a_reason(
    client: TestClient, workspace: FakeSlack, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    body, content_type = BAD_BODIES[name]
    caplog.set_level(logging.DEBUG)

    response = await post_slack(client, body, content_type)

    assert response.status == 400
    reason = (await response.json())["error"]
    assert reason and MARKER not in reason
    assert MARKER not in caplog.text
    assert workspace.calls == []


@pytest.mark.parametrize("name", sorted(WRONG_SHAPES))
async def test_signed_bodies_of_the_wrong_shape_get_400(
    client: TestClient, workspace: FakeSlack, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    body, content_type = WRONG_SHAPES[name]
    caplog.set_level(logging.DEBUG)

    response = await post_slack(client, body, content_type)

    assert response.status == 400, await response.text()
    assert (await response.json())["error"]
    assert MARKER not in caplog.text
    async with client.app[STORE].transaction() as repos:
        assert await repos.handoffs.list_open() == []
    assert workspace.calls_to("chat.update") == [] and workspace.calls_to("chat.postMessage") == []


async def test_a_well_formed_request_still_works_after_the_hostile_ones(client: TestClient) -> None:
    for body, content_type in (*BAD_BODIES.values(), *WRONG_SHAPES.values()):
        await post_slack(client, body, content_type)

    response = await post_slack(
        client,
        urlencode(
            {
                "command": "/order",
                "text": "1001",
                "user_id": STAFF_USER,
                "team_id": "T0001",
                "trigger_id": "1.2.abc",
                "response_url": "https://hooks.slack.com/x",
            }
        ).encode(),
        FORM_CONTENT_TYPE,
    )

    assert response.status == 200
    assert (await response.json())["text"] == "I couldn't find an order 1001. Check the number?"


async def test_the_bolt_logger_never_logs_request_bodies(client: TestClient) -> None:
    assert not logging.getLogger("doorstep.slack.bolt").isEnabledFor(logging.INFO)


async def test_a_staff_reply_with_half_an_emoji_is_relayed_with_a_replacement_character(
    sqlite_url: str, make_client: Any, workspace: FakeSlack, fake_telegram: FakeTelegram
) -> None:
    client = await make_client(slack_settings(sqlite_url, workspace), slack_features(fake_telegram))
    await seed_orders(client.app[STORE])
    await start_handoff(client)
    async with client.app[STORE].transaction() as repos:
        [handoff] = await repos.handoffs.list_open()
    event = make_message_event(
        SUPPORT_CHANNEL_ID, STAFF_USER, "On it PLACEHOLDER", handoff.slack_ts, ts="1700000200.0"
    )
    body = make_event_callback(event).replace(b"PLACEHOLDER", b"\\ud83d\\u0000")

    unsigned = await _post_raw(client, body, {"Content-Type": JSON_CONTENT_TYPE})
    signed = await post_slack(client, body)
    await slack_idle(client)

    assert (unsigned, signed.status) == (401, 200)
    assert [m["text"] for m in fake_telegram.sent_messages(SHOPPER_CHAT)] == [
        "Bo (support): On it \ufffd\ufffd"
    ]


async def test_unknown_commands_buttons_and_events_are_acknowledged_not_404(client: TestClient) -> None:
    command = urlencode(
        {"command": "/refund", "text": "", "user_id": STAFF_USER, "team_id": "T0001", "trigger_id": "9.9.z"}
    ).encode()
    button = _form(_action(action_id="some_other_button"))
    event = json.dumps(
        event_callback({"type": "reaction_added", "user": STAFF_USER, "item": {"channel": "C1", "ts": "1.0"}})
    ).encode()
    kind = json.dumps({"type": "app_rate_limited", "team_id": "T0001"}).encode()

    answers = [
        await post_slack(client, command, FORM_CONTENT_TYPE),
        await post_slack(client, button, FORM_CONTENT_TYPE),
        await post_slack(client, event),
        await post_slack(client, kind),
    ]

    assert [a.status for a in answers] == [200, 200, 200, 200]
    assert (await answers[0].json())["text"] == UNKNOWN_COMMAND_TEXT
