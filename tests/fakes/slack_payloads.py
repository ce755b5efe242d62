"""Slack request signing and the request bodies Slack posts to an app (events, slash commands, buttons).

Bodies are bytes exactly as Slack sends them; sign them with `sign_slack_request` and post them with the
matching content type (`JSON_CONTENT_TYPE` for events, `FORM_CONTENT_TYPE` for commands and actions).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

JSON_CONTENT_TYPE = "application/json"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
DEFAULT_TEAM_ID = "T0001"
DEFAULT_TEAM_DOMAIN = "doorstep-test"
DEFAULT_APP_ID = "A0001"
DEFAULT_BOT_USER_ID = "U0BOT"
DEFAULT_BOT_ID = "B0BOT"
DEFAULT_VERIFICATION_TOKEN = "fake-verification-token"
PLACEHOLDER_RESPONSE_URL = "https://hooks.slack.com/commands/T0001/1/placeholder"


def sign_slack_request(
    signing_secret: str,
    body: bytes,
    timestamp: int | None = None,
    *,
    content_type: str | None = None,
) -> dict[str, str]:
    """Headers Slack adds to a request: `X-Slack-Request-Timestamp` and `X-Slack-Signature`.

    The signature is `v0=` + hex HMAC-SHA256(signing_secret, f"v0:{timestamp}:{body}"); `timestamp`
    defaults to now. Pass `content_type` to get a `Content-Type` header too.
    """
    ts = int(time.time()) if timestamp is None else timestamp
    base = b"v0:" + str(ts).encode() + b":" + body
    digest = hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    headers = {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={digest}"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    return headers


def new_ts() -> str:
    """A message timestamp from the clock ("1700000000.123456"); pass explicit ts for strict uniqueness."""
    micros = time.time_ns() // 1000
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def make_message_event(
    channel: str,
    user: str,
    text: str,
    thread_ts: str | None = None,
    *,
    ts: str | None = None,
    team_id: str = DEFAULT_TEAM_ID,
    channel_type: str = "channel",
) -> dict[str, Any]:
    """A `message` event from a human user (a staff reply in a thread when `thread_ts` is given)."""
    message_ts = ts or new_ts()
    event: dict[str, Any] = {
        "type": "message",
        "client_msg_id": str(uuid.uuid4()),
        "text": text,
        "user": user,
        "ts": message_ts,
        "team": team_id,
        "blocks": [
            {
                "type": "rich_text",
                "block_id": uuid.uuid4().hex[:5],
                "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}],
            }
        ],
        "channel": channel,
        "event_ts": message_ts,
        "channel_type": channel_type,
    }
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
        event["parent_user_id"] = DEFAULT_BOT_USER_ID
    return event


def make_app_mention_event(
    channel: str, user: str, text: str, thread_ts: str | None = None, *, ts: str | None = None
) -> dict[str, Any]:
    """An `app_mention` event (`text` should contain `<@U0BOT>`)."""
    event = make_message_event(channel, user, text, thread_ts, ts=ts)
    event["type"] = "app_mention"
    event.pop("channel_type")
    return event


def event_callback(
    event: dict[str, Any],
    team_id: str = DEFAULT_TEAM_ID,
    *,
    event_id: str | None = None,
    event_time: int | None = None,
    api_app_id: str = DEFAULT_APP_ID,
    bot_user_id: str = DEFAULT_BOT_USER_ID,
) -> dict[str, Any]:
    """The `event_callback` envelope around `event`, as a dict."""
    return {
        "token": DEFAULT_VERIFICATION_TOKEN,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": event_time if event_time is not None else int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{uuid.uuid4().hex}",
    }


def make_event_callback(
    event: dict[str, Any],
    team_id: str = DEFAULT_TEAM_ID,
    *,
    event_id: str | None = None,
    event_time: int | None = None,
    api_app_id: str = DEFAULT_APP_ID,
    bot_user_id: str = DEFAULT_BOT_USER_ID,
) -> bytes:
    """The JSON body of an Events API `event_callback` request carrying `event`."""
    envelope = event_callback(
        event,
        team_id,
        event_id=event_id,
        event_time=event_time,
        api_app_id=api_app_id,
        bot_user_id=bot_user_id,
    )
    return json.dumps(envelope).encode()


def make_url_verification_body(challenge: str) -> bytes:
    """The JSON body of the `url_verification` handshake Slack sends when the events URL is configured."""
    return json.dumps(
        {"token": DEFAULT_VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
    ).encode()


def make_slash_command_body(
    command: str,
    text: str,
    user_id: str,
    team_id: str = DEFAULT_TEAM_ID,
    channel_id: str = "C0SUPPORT",
    response_url: str = PLACEHOLDER_RESPONSE_URL,
    *,
    user_name: str = "staff",
    channel_name: str = "support",
    trigger_id: str | None = None,
    api_app_id: str = DEFAULT_APP_ID,
) -> bytes:
    """The form-encoded body of a slash command (pass `FakeSlack.response_url(id)` to capture replies)."""
    fields = {
        "token": DEFAULT_VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": DEFAULT_TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or f"{int(time.time())}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex}",
    }
    return urlencode(fields).encode()


def block_action_payload(
    action_id: str,
    value: str,
    user_id: str,
    channel_id: str,
    message_ts: str,
    team_id: str = DEFAULT_TEAM_ID,
    response_url: str = PLACEHOLDER_RESPONSE_URL,
    *,
    block_id: str = "actions",
    message_text: str = "",
    thread_ts: str | None = None,
    user_name: str = "staff",
    api_app_id: str = DEFAULT_APP_ID,
) -> dict[str, Any]:
    """The `block_actions` interaction payload for a button click, as a dict."""
    button = {
        "action_id": action_id,
        "block_id": block_id,
        "text": {"type": "plain_text", "text": value, "emoji": True},
        "value": value,
        "type": "button",
        "action_ts": new_ts(),
    }
    element = {key: item for key, item in button.items() if key != "action_ts"}
    message: dict[str, Any] = {
        "type": "message",
        "user": DEFAULT_BOT_USER_ID,
        "bot_id": DEFAULT_BOT_ID,
        "ts": message_ts,
        "text": message_text,
        "team": team_id,
        "blocks": [{"type": "actions", "block_id": block_id, "elements": [element]}],
    }
    container: dict[str, Any] = {
        "type": "message",
        "message_ts": message_ts,
        "channel_id": channel_id,
        "is_ephemeral": False,
    }
    if thread_ts is not None:
        message["thread_ts"] = thread_ts
        container["thread_ts"] = thread_ts
    return {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id},
        "api_app_id": api_app_id,
        "token": DEFAULT_VERIFICATION_TOKEN,
        "container": container,
        "trigger_id": f"{int(time.time())}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex}",
        "team": {"id": team_id, "domain": DEFAULT_TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": "support"},
        "message": message,
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [button],
    }


def make_block_action_body(
    action_id: str,
    value: str,
    user_id: str,
    channel_id: str,
    message_ts: str,
    team_id: str = DEFAULT_TEAM_ID,
    response_url: str = PLACEHOLDER_RESPONSE_URL,
    *,
    block_id: str = "actions",
    message_text: str = "",
    thread_ts: str | None = None,
) -> bytes:
    """The form-encoded body (`payload=<json>`) Slack posts when a button in a message is clicked."""
    payload = block_action_payload(
        action_id,
        value,
        user_id,
        channel_id,
        message_ts,
        team_id,
        response_url,
        block_id=block_id,
        message_text=message_text,
        thread_ts=thread_ts,
    )
    return urlencode({"payload": json.dumps(payload)}).encode()
