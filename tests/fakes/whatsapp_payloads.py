"""WhatsApp Cloud API shapes for FakeWhatsApp: webhook notifications, signatures, and the checks of
each ``messages`` call (text, interactive buttons, interactive list, template, read mark).

The limits are Meta's (https://developers.facebook.com/docs/whatsapp/cloud-api/messages):
text body 4096 characters; interactive body 1024; at most 3 reply buttons with distinct titles of
at most 20 characters and ids of at most 256; a list button text of at most 20, at most 10 sections
and 10 rows in all, row titles of at most 24, descriptions of at most 72 and ids of at most 200.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from tests.fakes.errors import ApiRejection

WABA_ID = "102290129340398"
INVALID_PARAMETER = 100

MAX_TEXT = 4096
MAX_INTERACTIVE_BODY = 1024
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_BUTTON_ID = 256
MAX_LIST_BUTTON = 20
MAX_SECTIONS = 10
MAX_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_ROW_ID = 200


def sign_body(body: bytes, app_secret: str) -> str:
    """``X-Hub-Signature-256`` for ``body``: ``sha256=`` + HMAC-SHA256 hex with the app secret."""
    return "sha256=" + hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def notification(
    phone_number_id: str,
    display_number: str,
    *,
    messages: list[dict[str, Any]] | None = None,
    statuses: list[dict[str, Any]] | None = None,
    contacts: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A whole webhook body: one entry, one ``messages`` change with what is given."""
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": display_number, "phone_number_id": phone_number_id},
    }
    if contacts:
        value["contacts"] = contacts
    if messages:
        value["messages"] = messages
    if statuses:
        value["statuses"] = statuses
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA_ID, "changes": [{"value": value, "field": "messages"}]}],
    }


def contact(wa_id: str, name: str) -> dict[str, Any]:
    """The ``contacts`` item naming the sender."""
    return {"profile": {"name": name}, "wa_id": wa_id}


def inbound(wa_id: str, message_id: str, timestamp: int, kind: str, **content: Any) -> dict[str, Any]:
    """One ``messages`` item of type ``kind`` with its content object(s)."""
    return {"from": wa_id, "id": message_id, "timestamp": str(timestamp), "type": kind, **content}


def status_item(
    message_id: str, status: str, recipient: str, timestamp: int, errors: list[tuple[int, str]] | None = None
) -> dict[str, Any]:
    """One ``statuses`` item (``failed`` ones carry ``errors``)."""
    item: dict[str, Any] = {
        "id": message_id,
        "status": status,
        "timestamp": str(timestamp),
        "recipient_id": recipient,
    }
    if errors:
        item["errors"] = [
            {"code": code, "title": title, "message": title, "error_data": {"details": title}}
            for code, title in errors
        ]
    return item


def error_body(code: int, message: str, *, details: str | None = None) -> dict[str, Any]:
    """A Graph API error answer."""
    return {
        "error": {
            "message": message,
            "type": "OAuthException",
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": details or message},
            "fbtrace_id": "AbCdEfFakeTrace",
        }
    }


def _reject(message: str) -> ApiRejection:
    return ApiRejection(400, f"(#{INVALID_PARAMETER}) {message}")


def _text(value: Any, field: str, limit: int, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise _reject(f"{field} must be a non-empty string")
    if len(value) > limit:
        raise _reject(f"{field} is longer than {limit} characters")
    return value


def message_kind(body: dict[str, Any]) -> str:
    """What a ``messages`` call is: ``text``, ``interactive.button``, ``interactive.list``,
    ``template``, ``read`` or ``typing`` (after :func:`check_message`)."""
    if body.get("status") == "read":
        return "typing" if body.get("typing_indicator") else "read"
    kind = str(body.get("type"))
    if kind == "interactive":
        return f"interactive.{body['interactive']['type']}"
    return kind


def check_message(body: Any) -> None:
    """Raise :class:`ApiRejection` (400, code 100) unless ``body`` is a valid ``messages`` call."""
    if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
        raise _reject("messaging_product must be whatsapp")
    if body.get("status") == "read":
        _text(body.get("message_id"), "message_id", 200)
        indicator = body.get("typing_indicator")
        if indicator is not None and indicator != {"type": "text"}:
            raise _reject("typing_indicator.type must be text")
        return
    to = body.get("to")
    if not isinstance(to, str) or not to.isdigit():
        raise _reject("to must be a phone number")
    if body.get("recipient_type", "individual") != "individual":
        raise _reject("recipient_type must be individual")
    kind = body.get("type")
    if kind == "text":
        text = body.get("text")
        if not isinstance(text, dict):
            raise _reject("text must be an object")
        _text(text.get("body"), "text.body", MAX_TEXT)
        if not isinstance(text.get("preview_url", False), bool):
            raise _reject("text.preview_url must be a boolean")
    elif kind == "interactive":
        _check_interactive(body.get("interactive"))
    elif kind == "template":
        template = body.get("template")
        if not isinstance(template, dict):
            raise _reject("template must be an object")
        _text(template.get("name"), "template.name", 512)
        language = template.get("language")
        if not isinstance(language, dict):
            raise _reject("template.language must be an object")
        _text(language.get("code"), "template.language.code", 15)
    else:
        raise _reject(f"unsupported message type {kind!r}")


def _check_interactive(interactive: Any) -> None:
    if not isinstance(interactive, dict):
        raise _reject("interactive must be an object")
    body = interactive.get("body")
    if not isinstance(body, dict):
        raise _reject("interactive.body must be an object")
    _text(body.get("text"), "interactive.body.text", MAX_INTERACTIVE_BODY)
    action = interactive.get("action")
    if not isinstance(action, dict):
        raise _reject("interactive.action must be an object")
    kind = interactive.get("type")
    if kind == "button":
        buttons = action.get("buttons")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_BUTTONS:
            raise _reject(f"interactive.action.buttons must hold 1 to {MAX_BUTTONS} buttons")
        titles, ids = [], []
        for button in buttons:
            if (
                not isinstance(button, dict)
                or button.get("type") != "reply"
                or not isinstance(button.get("reply"), dict)
            ):
                raise _reject("each button must be a reply button")
            titles.append(_text(button["reply"].get("title"), "button title", MAX_BUTTON_TITLE))
            ids.append(_text(button["reply"].get("id"), "button id", MAX_BUTTON_ID))
        if len(set(titles)) != len(titles) or len(set(ids)) != len(ids):
            raise _reject("button titles and ids must be unique")
    elif kind == "list":
        _text(action.get("button"), "interactive.action.button", MAX_LIST_BUTTON)
        sections = action.get("sections")
        if not isinstance(sections, list) or not 1 <= len(sections) <= MAX_SECTIONS:
            raise _reject(f"interactive.action.sections must hold 1 to {MAX_SECTIONS} sections")
        ids: list[str] = []
        for section in sections:
            if (
                not isinstance(section, dict)
                or not isinstance(section.get("rows"), list)
                or not section["rows"]
            ):
                raise _reject("each section needs rows")
            _text(section.get("title"), "section title", MAX_ROW_TITLE, required=len(sections) > 1)
            for row in section["rows"]:
                if not isinstance(row, dict):
                    raise _reject("each row must be an object")
                ids.append(_text(row.get("id"), "row id", MAX_ROW_ID))
                _text(row.get("title"), "row title", MAX_ROW_TITLE)
                _text(row.get("description"), "row description", MAX_ROW_DESCRIPTION, required=False)
        if len(ids) > MAX_ROWS:
            raise _reject(f"a list holds at most {MAX_ROWS} rows")
        if len(set(ids)) != len(ids):
            raise _reject("row ids must be unique")
    else:
        raise _reject(f"unsupported interactive type {kind!r}")


def template_parameters(template: dict[str, Any]) -> list[str]:
    """The body parameters' texts of a template call."""
    for component in template.get("components") or []:
        if isinstance(component, dict) and component.get("type") == "body":
            return [str(p.get("text")) for p in component.get("parameters") or [] if isinstance(p, dict)]
    return []


def encode(body: dict[str, Any]) -> bytes:
    """A webhook body as Meta sends it (compact JSON)."""
    return json.dumps(body, separators=(",", ":")).encode("utf-8")
