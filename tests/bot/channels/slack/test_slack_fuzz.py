"""Property: whatever body reaches POST /slack/events, signed or not, the answer is never a 5xx.

Bodies are Slack's own requests (an event, a button click, a slash command) with fields replaced by
random JSON values, and random bytes. Signed ones get 200 or 400; unsigned ones get 401; the server
stays healthy and no listener fails on a field of the wrong type.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.bot.channels.slack.conftest import (
    SIGNING_SECRET,
    STAFF_USER,
    SUPPORT_CHANNEL_ID,
    slack_features,
    slack_settings,
)
from tests.fakes.slack import FORM_CONTENT_TYPE, JSON_CONTENT_TYPE, FakeSlack, sign_slack_request
from tests.fakes.slack_payloads import block_action_payload, event_callback, make_message_event

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


def _templates() -> list[tuple[dict[str, Any], str]]:
    event = event_callback(make_message_event(SUPPORT_CHANNEL_ID, STAFF_USER, "hi", "1700000000.000100"))
    click = block_action_payload("handoff_claim", "1", STAFF_USER, SUPPORT_CHANNEL_ID, "1700000000.000100")
    command = {
        "command": "/order",
        "text": "1001",
        "user_id": STAFF_USER,
        "team_id": "T0001",
        "trigger_id": "1.2.x",
        "response_url": "https://hooks.slack.com/x",
    }
    return [(event, "json"), (click, "payload"), (command, "form")]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replace(value[head], rest, new)}
    return [_replace(item, rest, new) if index == head else item for index, item in enumerate(value)]


@st.composite
def slack_bodies(draw: st.DrawFn) -> tuple[bytes, str]:
    """A Slack request with one to three fields replaced by random JSON, or random bytes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=200)), draw(st.sampled_from([JSON_CONTENT_TYPE, FORM_CONTENT_TYPE]))
    body, shape = draw(st.sampled_from(_templates()))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(body)))
        body = _replace(body, path, draw(JSON_VALUES))
    if shape == "json":
        return json.dumps(body).encode(), JSON_CONTENT_TYPE
    if shape == "payload":
        return urlencode({"payload": json.dumps(body)}).encode(), FORM_CONTENT_TYPE
    form = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in body.items()}
    return urlencode(form).encode(), FORM_CONTENT_TYPE


@pytest.fixture
async def client(sqlite_url: str, make_client: Any, workspace: FakeSlack) -> TestClient:
    return await make_client(slack_settings(sqlite_url, workspace), slack_features())


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(request=slack_bodies())
async def test_no_slack_body_gets_a_5xx(
    client: TestClient, request: tuple[bytes, str], caplog: pytest.LogCaptureFixture
) -> None:
    body, content_type = request
    caplog.set_level(logging.ERROR)

    signed = await client.post(
        "/slack/events",
        data=body,
        headers=sign_slack_request(SIGNING_SECRET, body, content_type=content_type),
    )
    unsigned = await client.post("/slack/events", data=body, headers={"Content-Type": content_type})
    await signed.read()
    await unsigned.read()

    assert signed.status in (200, 400), signed.status
    assert unsigned.status == 401
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR and "slack" in r.name]
    assert failures == [], [r.getMessage() for r in failures]
    assert (await client.get("/healthz")).status == 200
