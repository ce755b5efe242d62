"""What a signed Slack request says, checked before slack_bolt sees it.

The body is read as slack_bolt reads it (JSON for the Events API, a form for slash commands, a form
with a JSON ``payload`` for buttons), with the limits of :func:`bot.integrations.jsonread.decode_json`
(UTF-8, well-formed, bounded nesting and numbers); as for the chat channels, a lone surrogate or a
NUL in a string becomes U+FFFD, so a staff reply with half an emoji is still relayed. Then every field slack_bolt or our
listeners read is checked for the type Slack sends, so a body of the wrong shape is a
:class:`SlackRequestError` (answered 400) instead of a ``KeyError`` or ``TypeError`` inside bolt.
Reasons name the field, never its value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from bot.channels.slack.errors import SlackError
from bot.integrations.errors import PayloadError
from bot.integrations.jsonread import decode_json

#: request kinds doorstep handles; anything else is acknowledged and ignored
EVENT_CALLBACK = "event_callback"
URL_VERIFICATION = "url_verification"
BLOCK_ACTIONS = "block_actions"

#: fields read as strings by slack_bolt or our listeners, at the top of a body
_TOP_STRINGS = (
    "type",
    "event_id",
    "team_id",
    "user_id",
    "channel_id",
    "enterprise_id",
    "context_team_id",
    "context_enterprise_id",
    "trigger_id",
    "response_url",
    "api_app_id",
    "callback_id",
    "thread_ts",
    "command",
    "text",
)
#: fields read as strings in an event (and in the message an event or a button is about)
_EVENT_STRINGS = (
    "type",
    "subtype",
    "text",
    "ts",
    "thread_ts",
    "event_ts",
    "bot_id",
    "user_team",
    "user_id",
    "team_id",
    "channel_id",
    "enterprise_id",
    "channel_type",
    "function_execution_id",
    "bot_access_token",
)
#: fields given either as an id string or as an object with a string ``id``
_IDS = ("team", "user", "channel", "enterprise")
#: objects inside an event that slack_bolt reads like an event
_NESTED_EVENTS = ("message", "previous_message", "item", "assistant_thread")


class SlackRequestError(SlackError):
    """A signed request that is malformed or of the wrong shape; ``reason`` names what is wrong."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_request(raw: bytes, content_type: str | None) -> dict[str, Any]:
    """The body of a signed request as slack_bolt would read it, checked; raises :class:`SlackRequestError`."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SlackRequestError("body is not UTF-8 text") from None
    if not text.strip():
        raise SlackRequestError("empty body")
    if content_type == "application/json" or text.startswith("{"):
        body = _json_object(raw, "body")
    else:
        form = dict(parse_qsl(text, keep_blank_values=True))
        body = _json_object(form["payload"].encode("utf-8"), "payload") if "payload" in form else form
    check_shape(body)
    return body


def check_shape(body: Mapping[str, Any]) -> None:
    """Check the fields of ``body`` that slack_bolt and the listeners read; raises :class:`SlackRequestError`."""
    _strings(body, _TOP_STRINGS, "")
    _ids(body, "")
    _flag(body, "is_enterprise_install", "", allow_text=True)
    _flag(body, "is_ext_shared_channel", "")
    for index, authorization in enumerate(_objects(body, "authorizations", "")):
        where = f"authorizations[{index}]"
        _strings(authorization, ("team_id", "user_id", "enterprise_id"), where)
        _ids(authorization, where)
        _flag(authorization, "is_enterprise_install", where, allow_text=True)
    for index, item in enumerate(_objects(body, "response_urls", "")):
        _strings(item, ("response_url",), f"response_urls[{index}]")
    view = _object(body, "view", "")
    if view is not None:
        _strings(view, ("team_id", "app_installed_team_id"), "view")
    function_data = _object(body, "function_data", "")
    if function_data is not None:
        _strings(function_data, ("execution_id",), "function_data")
    message = _object(body, "message", "")
    if message is not None:
        _event_like(message, "message")
    kind = body.get("type")
    if kind == EVENT_CALLBACK:
        _event_callback(body)
    elif kind == BLOCK_ACTIONS:
        _block_actions(body)
    elif body.get("command") is not None:
        _required_text(body, "trigger_id", "")
    elif kind is None and "ssl_check" not in body:
        raise SlackRequestError("type: missing")


def is_handled(body: Mapping[str, Any]) -> bool:
    """Whether doorstep handles this kind of request (events, the URL handshake, buttons, slash commands,
    Slack's SSL check); other kinds are acknowledged and ignored."""
    kind = body.get("type")
    return kind in (EVENT_CALLBACK, URL_VERIFICATION, BLOCK_ACTIONS) or (
        kind is None and ("command" in body or "ssl_check" in body)
    )


def _event_callback(body: Mapping[str, Any]) -> None:
    _required_text(body, "event_id", "")
    event = _object(body, "event", "")
    if event is None:
        raise SlackRequestError("event: missing")
    _required_text(event, "type", "event")
    _event_like(event, "event")


def _block_actions(body: Mapping[str, Any]) -> None:
    user = body.get("user")
    if not isinstance(user, dict):
        raise SlackRequestError("user: expected an object")
    _required_text(user, "id", "user")
    actions = _objects(body, "actions", "")
    if not actions:
        raise SlackRequestError("actions: missing")
    for index, action in enumerate(actions):
        where = f"actions[{index}]"
        _required_text(action, "action_id", where)
        _strings(action, ("value", "action_ts", "block_id", "type"), where)
    # a click needs a stamp to be told apart from a replay of itself
    if not any(action.get("action_ts") for action in actions) and not body.get("trigger_id"):
        raise SlackRequestError("actions[0].action_ts: missing")
    container = _object(body, "container", "")
    if container is not None:
        _strings(container, ("message_ts", "channel_id", "thread_ts"), "container")


def _event_like(event: Mapping[str, Any], where: str, depth: int = 0) -> None:
    _strings(event, _EVENT_STRINGS, where)
    _ids(event, where)
    if depth >= 2:
        return
    for key in _NESTED_EVENTS:
        nested = _object(event, key, where)
        if nested is not None:
            _event_like(nested, f"{where}.{key}", depth + 1)


# ---------------------------------------------------------------- field checks
def _json_object(raw: bytes, where: str) -> dict[str, Any]:
    try:
        value = decode_json(raw, surrogates="replace")
    except PayloadError as exc:
        raise SlackRequestError(f"{where}: {exc.reason}") from None
    if not isinstance(value, dict):
        raise SlackRequestError(f"{where}: expected a JSON object, got {_type_name(value)}")
    return value


def _type_name(value: object) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number" if isinstance(value, int | float) else type(value).__name__)


def _path(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _strings(obj: Mapping[str, Any], keys: tuple[str, ...], where: str) -> None:
    for key in keys:
        value = obj.get(key)
        if value is not None and not isinstance(value, str):
            raise SlackRequestError(f"{_path(where, key)}: expected a string, got {_type_name(value)}")


def _required_text(obj: Mapping[str, Any], key: str, where: str) -> None:
    value = obj.get(key)
    if value is None:
        raise SlackRequestError(f"{_path(where, key)}: missing")
    if not isinstance(value, str):
        raise SlackRequestError(f"{_path(where, key)}: expected a string, got {_type_name(value)}")
    if not value.strip():
        raise SlackRequestError(f"{_path(where, key)}: empty")


def _ids(obj: Mapping[str, Any], where: str) -> None:
    for key in _IDS:
        value = obj.get(key)
        if value is None or isinstance(value, str):
            continue
        if not isinstance(value, dict):
            raise SlackRequestError(
                f"{_path(where, key)}: expected a string or an object, got {_type_name(value)}"
            )
        _strings(value, ("id", "team_id", "enterprise_id"), _path(where, key))


def _flag(obj: Mapping[str, Any], key: str, where: str, *, allow_text: bool = False) -> None:
    value = obj.get(key)
    if value is None or isinstance(value, bool) or (allow_text and isinstance(value, str)):
        return
    raise SlackRequestError(f"{_path(where, key)}: expected true or false, got {_type_name(value)}")


def _object(obj: Mapping[str, Any], key: str, where: str) -> dict[str, Any] | None:
    value = obj.get(key)
    if value is None or isinstance(value, dict):
        return value
    raise SlackRequestError(f"{_path(where, key)}: expected an object, got {_type_name(value)}")


def _objects(obj: Mapping[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise SlackRequestError(f"{_path(where, key)}: expected an array, got {_type_name(value)}")
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise SlackRequestError(
                f"{_path(where, key)}[{index}]: expected an object, got {_type_name(item)}"
            )
    return value
