"""The web chat WebSocket protocol: parsing the browser's frames and building the server's.

Browser -> server (JSON text frames):

- ``{"type": "hello", "visitor_id": "<id>", "last_seq": n?}`` first, once per connection. An absent
  or malformed id gets a fresh one. ``last_seq`` is the number of the last stored message the page
  has shown (see below). The server answers ``{"type": "ready", "visitor_id": "<id>", "queued": n,
  "seq": s}`` and then delivers the stored messages numbered above ``s``, in order: ``n`` of them
  right after ``ready`` (at most 100; any more follow at once). The page keeps ``s`` as its last
  number (it is lower than the page's own only when the server's mailbox was reset).
- ``{"type": "message", "id": "<client message id>", "text": "...", "link_token": "..."?}``
- ``{"type": "button", "id": "<client message id>", "payload": "...", "title": "..."?,
  "link_token": "..."?}``
- ``{"type": "ack", "seq": n}``: the page has shown every stored message up to ``n``.

Server -> browser, for each message: ``{"type": "typing", "id"}``, then one
``{"type": "reply", "id", "pushed": false, "reply": {"text", "buttons": [{"title", "payload"}],
"links": [{"title", "url"}]}}`` per reply, then ``{"type": "done", "id", "duplicate": bool}``.

Messages not answered on the visitor's own request (staff replies, proactive messages, and an
answer whose page closed before it was written) are stored first, numbered 1, 2, 3 ... per
visitor, and delivered by whichever server process holds the visitor's page: ``reply`` frames with
``"pushed": true`` and ``"seq": n`` (``"id"`` is null, or the message answered). The page shows a
number once (it ignores numbers it has seen) and acknowledges it; a page that reconnects, to any
process and after any restart, gets what it missed. A frame that breaks these rules gets
``{"type": "error", "reason", "id"}`` and the connection stays open; so does a message sent too fast
(with ``"retry_after"`` seconds) or one the bot failed to answer.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.channels.webchat.errors import BadFrame
from bot.integrations.errors import PayloadError
from bot.integrations.jsonread import decode_json_text
from handlers.messages import IncomingMessage, Reply

#: the channel name of the web chat (``IncomingMessage.channel``, ``Sender.channel``)
CHANNEL = "web"
#: longest text a shopper may send in one message (characters)
MAX_TEXT_CHARS = 2000
#: a button payload is stored with the transcript, in at most 200 characters
MAX_PAYLOAD_CHARS = 200
MAX_TITLE_CHARS = 256
MAX_LINK_TOKEN_CHARS = 1024
#: the highest sequence number a frame may carry (JavaScript's safe integers)
MAX_SEQ = 2**53 - 1
#: browser-generated visitor ids: 16-64 URL-safe characters (the page makes 22 from 16 random bytes)
_VISITOR_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
_MESSAGE_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_LINK_TOKEN = re.compile(r"[\x21-\x7e]+")


@dataclass(frozen=True, slots=True)
class Hello:
    """The first frame of a connection: who the visitor is (None when the page sent no usable id)
    and the number of the last stored message the page has shown (None when it did not say)."""

    visitor_id: str | None
    last_seq: int | None = None


@dataclass(frozen=True, slots=True)
class Ack:
    """The page has shown every stored message up to ``seq``."""

    seq: int


@dataclass(frozen=True, slots=True)
class ChatFrame:
    """A typed message or a pressed button from the page."""

    id: str
    text: str
    payload: str | None = None
    link_token: str | None = None


ClientFrame = Hello | Ack | ChatFrame


def new_visitor_id() -> str:
    """A fresh random visitor id (128 bits, URL-safe)."""
    return secrets.token_urlsafe(16)


def is_visitor_id(value: object) -> bool:
    """True when ``value`` has the form of a visitor id."""
    return isinstance(value, str) and _VISITOR_ID.fullmatch(value) is not None


def external_id_for(visitor_id: str) -> str:
    """The identity's external id for a visitor: ``web:<visitor id>``."""
    return f"{CHANNEL}:{visitor_id}"


def visitor_of(external_id: str) -> str | None:
    """The visitor id inside ``web:<visitor id>``, or None when ``external_id`` is not one."""
    prefix, sep, visitor_id = external_id.partition(":")
    if prefix != CHANNEL or not sep or not is_visitor_id(visitor_id):
        return None
    return visitor_id


def parse_client_frame(raw: str) -> ClientFrame:
    """Read one text frame from the page; raises :class:`BadFrame` with the reason to send back.

    Decoded by the shared JSON reader (nesting and number limits); a lone surrogate (half of an
    emoji, which ``JSON.stringify`` writes as ``\\udXXX``) or a NUL becomes U+FFFD.
    """
    try:
        data = decode_json_text(raw, surrogates="replace")
    except PayloadError as exc:
        raise BadFrame(f"frame is not valid JSON ({exc.reason})") from None
    if not isinstance(data, dict):
        raise BadFrame("frame must be a JSON object")
    kind = data.get("type")
    if kind == "hello":
        visitor_id = data.get("visitor_id")
        last_seq = data.get("last_seq")
        return Hello(
            visitor_id if is_visitor_id(visitor_id) else None,
            last_seq if _is_seq(last_seq, lowest=0) else None,
        )
    if kind == "ack":
        seq = data.get("seq")
        if not _is_seq(seq, lowest=1):
            raise BadFrame(f"seq must be a whole number from 1 to {MAX_SEQ}")
        return Ack(seq)
    if kind not in ("message", "button"):
        raise BadFrame(f"unknown frame type {str(kind)[:40]!r}; expected hello, ack, message or button")
    frame_id = data.get("id")
    if not isinstance(frame_id, str) or _MESSAGE_ID.fullmatch(frame_id) is None:
        raise BadFrame("id must be 1-64 characters of letters, digits, '_', '-', '.' or ':'")
    link_token = _optional_string(data, "link_token", MAX_LINK_TOKEN_CHARS, frame_id)
    if link_token is not None and _LINK_TOKEN.fullmatch(link_token) is None:
        raise BadFrame("link_token must be printable ASCII without spaces", frame_id)
    if kind == "message":
        text = data.get("text")
        if not isinstance(text, str):
            raise BadFrame("text must be a string", frame_id)
        if len(text) > MAX_TEXT_CHARS:
            raise BadFrame(f"text is longer than {MAX_TEXT_CHARS} characters", frame_id)
        if not text.strip():
            raise BadFrame("text is empty", frame_id)
        return ChatFrame(id=frame_id, text=text.strip(), link_token=link_token)
    payload = _optional_string(data, "payload", MAX_PAYLOAD_CHARS, frame_id)
    if not payload:
        raise BadFrame("payload must be a non-empty string", frame_id)
    _optional_string(data, "title", MAX_TITLE_CHARS, frame_id)  # shown by the page only; checked
    return ChatFrame(id=frame_id, text="", payload=payload, link_token=link_token)


def _is_seq(value: object, *, lowest: int) -> bool:
    """True for a whole number (not a bool) from ``lowest`` to :data:`MAX_SEQ`."""
    return type(value) is int and lowest <= value <= MAX_SEQ


def _optional_string(data: dict[str, Any], key: str, limit: int, frame_id: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadFrame(f"{key} must be a string", frame_id)
    if len(value) > limit:
        raise BadFrame(f"{key} is longer than {limit} characters", frame_id)
    return value


def to_incoming(frame: ChatFrame, visitor_id: str, received_at: datetime) -> IncomingMessage:
    """The engine's view of a page frame (channel ``web``, external id ``web:<visitor id>``).

    The message id is namespaced by visitor, so one visitor's ids can never collide with
    (or suppress) another's in the engine's duplicate check.
    """
    return IncomingMessage(
        channel=CHANNEL,
        external_id=external_id_for(visitor_id),
        text=frame.text,
        payload=frame.payload,
        message_id=f"{visitor_id}/{frame.id}",
        received_at=received_at,
        link_token=frame.link_token,
    )


def reply_body(reply: Reply) -> dict[str, object]:
    """A reply as the page renders it: text, buttons and links (both lists always present)."""
    return {
        "text": reply.text,
        "buttons": [{"title": b.title, "payload": b.payload} for b in reply.buttons],
        "links": [{"title": link.title, "url": link.url} for link in reply.links],
    }


def reply_frame(reply: Reply, *, in_reply_to: str | None = None, pushed: bool = False) -> dict[str, object]:
    """``{"type": "reply"}``: an answer to message ``in_reply_to``, or a pushed one (``id`` null)."""
    return {"type": "reply", "id": in_reply_to, "pushed": pushed, "reply": reply_body(reply)}


def typing_frame(frame_id: str) -> dict[str, object]:
    """``{"type": "typing"}``: the bot is working on message ``frame_id``."""
    return {"type": "typing", "id": frame_id}


def done_frame(frame_id: str, *, duplicate: bool) -> dict[str, object]:
    """``{"type": "done"}``: every reply to ``frame_id`` was sent (none when it was a duplicate)."""
    return {"type": "done", "id": frame_id, "duplicate": duplicate}


def ready_frame(visitor_id: str, queued: int, seq: int) -> dict[str, object]:
    """``{"type": "ready"}``: the answer to hello, with the visitor id to keep, how many stored
    messages follow, and the number they follow (the page's last number from now on)."""
    return {"type": "ready", "visitor_id": visitor_id, "queued": queued, "seq": seq}


def numbered(frame: dict[str, object], seq: int) -> dict[str, object]:
    """A stored frame as delivered: with its number for the visitor."""
    return {**frame, "seq": seq}


def error_frame(
    reason: str, frame_id: str | None = None, *, retry_after: int | None = None
) -> dict[str, object]:
    """``{"type": "error"}``: a frame was refused (or the bot failed), with why.

    ``retry_after`` (seconds) is present when the visitor is sending too fast.
    """
    frame: dict[str, object] = {"type": "error", "reason": reason, "id": frame_id}
    if retry_after is not None:
        frame["retry_after"] = retry_after
    return frame
