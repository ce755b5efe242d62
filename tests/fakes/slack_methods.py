"""The Slack Web API methods FakeSlack implements, over its in-memory workspace (users, channels, messages)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tests.fakes.errors import ApiRejection

MAX_TEXT_LENGTH = 40000
MAX_BLOCKS = 50


def slack_error(error: str) -> ApiRejection:
    """An `{"ok": false, "error": error}` answer (HTTP 200, as Slack does)."""
    return ApiRejection(200, error)


@dataclass(frozen=True)
class SlackIdentity:
    """The workspace and bot the fake answers as."""

    team_id: str
    team_name: str
    team_domain: str
    bot_user_id: str
    bot_id: str
    bot_name: str


class SlackWorkspace:
    """Users, channels and messages of one fake workspace, and the methods that read and change them."""

    def __init__(self, identity: SlackIdentity, first_ts: int) -> None:
        self.identity = identity
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.messages: dict[str, dict[str, dict[str, Any]]] = {}
        self._ts_seconds = first_ts
        self._ts_counter = 0

    # ---- state helpers -------------------------------------------------------------------------

    def next_ts(self) -> str:
        """A new unique, increasing message timestamp ("1700000000.000100", "1700000000.000200", ...)."""
        self._ts_counter += 100
        seconds, micros = divmod(self._ts_counter, 1_000_000)
        return f"{self._ts_seconds + seconds}.{micros:06d}"

    def add_user(self, user_id: str, real_name: str, display_name: str | None = None, **extra: Any) -> None:
        """Register a user for users.info."""
        display = display_name if display_name is not None else real_name.split()[0]
        self.users[user_id] = {
            "id": user_id,
            "team_id": self.identity.team_id,
            "name": display.lower().replace(" ", "."),
            "deleted": False,
            "real_name": real_name,
            "tz": extra.pop("tz", "America/New_York"),
            "is_bot": extra.pop("is_bot", False),
            "is_admin": False,
            "profile": {
                "real_name": real_name,
                "real_name_normalized": real_name,
                "display_name": display,
                "display_name_normalized": display,
                "team": self.identity.team_id,
            },
            **extra,
        }

    def add_channel(self, channel_id: str, name: str) -> None:
        """Register a channel so `#name` resolves to it and conversations.info describes it."""
        self.channels[channel_id] = {
            "id": channel_id,
            "name": name,
            "is_channel": True,
            "is_private": False,
            "is_archived": False,
            "is_member": True,
        }

    def resolve_channel(self, channel: Any) -> str:
        """A channel id from an id or `#name`; channel_not_found for an unknown name or none given."""
        if not isinstance(channel, str) or not channel:
            raise slack_error("channel_not_found")
        if channel.startswith("#"):
            for channel_id, info in self.channels.items():
                if info["name"] == channel[1:]:
                    return channel_id
            raise slack_error("channel_not_found")
        return channel

    def store_message(
        self, channel: str, *, user: str, text: str, thread_ts: str | None, extra: dict[str, Any]
    ) -> dict[str, Any]:
        """Record a message in a channel (updating its thread parent) and return it."""
        ts = self.next_ts()
        message: dict[str, Any] = {"type": "message", "user": user, "text": text, "ts": ts, **extra}
        message["team"] = self.identity.team_id
        in_channel = self.messages.setdefault(channel, {})
        if thread_ts is not None:
            message["thread_ts"] = thread_ts
            parent = in_channel.get(thread_ts)
            if parent is not None:
                parent["thread_ts"] = thread_ts
                parent["reply_count"] = parent.get("reply_count", 0) + 1
                parent["latest_reply"] = ts
                parent["reply_users"] = sorted({*parent.get("reply_users", []), user})
                parent["reply_users_count"] = len(parent["reply_users"])
        in_channel[ts] = message
        return message

    # ---- methods -------------------------------------------------------------------------------

    def auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        """auth.test."""
        identity = self.identity
        return {
            "url": f"https://{identity.team_domain}.slack.com/",
            "team": identity.team_name,
            "user": identity.bot_name,
            "team_id": identity.team_id,
            "user_id": identity.bot_user_id,
            "bot_id": identity.bot_id,
            "is_enterprise_install": False,
        }

    def chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        """chat.postMessage."""
        channel = self.resolve_channel(params.get("channel"))
        text = _message_content(params)
        extra = _bot_extras(params, self.identity)
        message = self.store_message(
            channel, user=self.identity.bot_user_id, text=text, thread_ts=params.get("thread_ts"), extra=extra
        )
        return {"channel": channel, "ts": message["ts"], "message": message}

    def chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        """chat.update: only the bot's own messages can be changed."""
        channel = self.resolve_channel(params.get("channel"))
        ts = params.get("ts")
        if not ts:
            raise slack_error("message_not_found")
        message = self.messages.get(channel, {}).get(ts)
        if message is None:
            raise slack_error("message_not_found")
        if message.get("user") != self.identity.bot_user_id:
            raise slack_error("cant_update_message")
        text = _message_content(params)
        message["text"] = text
        for key in ("blocks", "attachments"):
            if key in params:
                message[key] = params[key]
        message["edited"] = {"user": self.identity.bot_user_id, "ts": self.next_ts()}
        return {"channel": channel, "ts": ts, "text": text, "message": message}

    def chat_post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        """chat.postEphemeral (not stored: nobody but `user` sees it)."""
        self.resolve_channel(params.get("channel"))
        if not params.get("user"):
            raise slack_error("user_not_found")
        _message_content(params)
        return {"message_ts": self.next_ts()}

    def chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        """chat.delete."""
        channel = self.resolve_channel(params.get("channel"))
        ts = params.get("ts")
        if not ts or self.messages.get(channel, {}).pop(ts, None) is None:
            raise slack_error("message_not_found")
        return {"channel": channel, "ts": ts}

    def users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        """users.info."""
        user = self.users.get(params.get("user", ""))
        if user is None:
            raise slack_error("user_not_found")
        return {"user": user}

    def conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        """conversations.replies: the parent then its replies, oldest first."""
        channel = self.resolve_channel(params.get("channel"))
        ts = params.get("ts")
        in_channel = self.messages.get(channel, {})
        if not ts or ts not in in_channel:
            raise slack_error("thread_not_found")
        thread = [
            message
            for message_ts, message in in_channel.items()
            if message_ts == ts or message.get("thread_ts") == ts
        ]
        thread.sort(key=lambda message: _ts_key(message["ts"]))
        return {"messages": thread, "has_more": False, "response_metadata": {"next_cursor": ""}}

    def conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        """conversations.info."""
        channel = self.resolve_channel(params.get("channel"))
        info = self.channels.get(channel) or {
            "id": channel,
            "name": channel.lower(),
            "is_channel": True,
            "is_private": False,
            "is_archived": False,
            "is_member": True,
        }
        return {"channel": info}

    def conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        """conversations.open: a DM channel id for one user."""
        users = params.get("users")
        if not users:
            raise slack_error("users_list_not_supplied")
        first = str(users).split(",")[0]
        return {"channel": {"id": f"D{first.lstrip('UW')}"}}

    def reactions_add(self, params: dict[str, Any]) -> dict[str, Any]:
        """reactions.add."""
        channel = self.resolve_channel(params.get("channel"))
        if not params.get("name"):
            raise slack_error("invalid_name")
        if params.get("timestamp") not in self.messages.get(channel, {}):
            raise slack_error("message_not_found")
        return {}


def _ts_key(ts: str) -> tuple[int, int]:
    seconds, _, micros = ts.partition(".")
    return int(seconds), int(micros or 0)


def decode_structured(params: dict[str, Any]) -> dict[str, Any]:
    """Form bodies carry blocks/attachments/metadata as JSON strings: decode them."""
    decoded = dict(params)
    for key, error in (
        ("blocks", "invalid_blocks"),
        ("attachments", "invalid_attachments"),
        ("metadata", "invalid_metadata_format"),
    ):
        value = decoded.get(key)
        if isinstance(value, str):
            try:
                decoded[key] = json.loads(value)
            except ValueError as exc:
                raise slack_error(error) from exc
    return decoded


def _message_content(params: dict[str, Any]) -> str:
    """Check text/blocks/attachments like chat.postMessage does; returns the text."""
    text = params.get("text") or ""
    blocks = params.get("blocks")
    attachments = params.get("attachments")
    if blocks is not None:
        if not isinstance(blocks, list) or len(blocks) > MAX_BLOCKS:
            raise slack_error("invalid_blocks")
        if not all(isinstance(block, dict) and isinstance(block.get("type"), str) for block in blocks):
            raise slack_error("invalid_blocks")
    if attachments is not None and not isinstance(attachments, list):
        raise slack_error("invalid_attachments")
    if not text and not blocks and not attachments:
        raise slack_error("no_text")
    if len(text) > MAX_TEXT_LENGTH:
        raise slack_error("msg_too_long")
    return text


def _bot_extras(params: dict[str, Any], identity: SlackIdentity) -> dict[str, Any]:
    extra: dict[str, Any] = {"bot_id": identity.bot_id, "app_id": "A0001"}
    for key in ("blocks", "attachments", "metadata"):
        if key in params:
            extra[key] = params[key]
    return extra
