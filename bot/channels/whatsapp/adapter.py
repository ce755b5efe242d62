"""A WhatsApp webhook body (the Cloud API's JSON) -> the shopper messages and delivery reports in it.

Translation only, no I/O. The body is read as the JSON Meta sends (``object`` /
``entry[].changes[].value``) rather than through pywa's update objects, which would need a client
per update; the type names are pywa's (:class:`pywa.types.MessageType`,
:class:`pywa.types.MessageStatusType`).

- ``text``, ``interactive`` (a pressed reply button or list row) and ``button`` (a template's
  quick reply) become an :class:`~handlers.messages.IncomingMessage` for the engine; a text that
  carries a signed link token (the text of a ``wa.me`` link) sets ``link_token``.
- ``image`` and ``document`` carry an attachment (their caption, if any, is the text).
- Stickers, audio, video, locations, contacts and the like are UNSUPPORTED (a friendly answer).
- Reactions and system notices are not answered at all.
- ``statuses`` become :class:`StatusReport` (sent, delivered, read, failed with its error codes).

``message_id`` is WhatsApp's message id (``wamid...``), so a redelivered message is answered once.
Changes for another phone number than ours are skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pywa.types import MessageStatusType, MessageType

from bot.channels.whatsapp.errors import MalformedWebhook
from bot.links import find_link_token
from handlers.messages import Attachment, IncomingMessage

CHANNEL = "whatsapp"
#: the ``object`` of every WhatsApp Business Account notification
WABA_OBJECT = "whatsapp_business_account"
_ANSWERED_TYPES = frozenset({MessageType.TEXT, MessageType.INTERACTIVE, MessageType.BUTTON})
_FILE_TYPES = {MessageType.IMAGE: "photo", MessageType.DOCUMENT: "document"}
#: never answered: a reaction to one of our messages, a notice about the shopper's account
_SILENT_TYPES = frozenset({MessageType.REACTION, MessageType.SYSTEM, "request_welcome"})
_STATUSES = frozenset(
    {MessageStatusType.SENT, MessageStatusType.DELIVERED, MessageStatusType.READ, MessageStatusType.FAILED}
)


class InboundKind(StrEnum):
    """What a shopper's message asks of the channel."""

    MESSAGE = "message"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True, slots=True)
class Inbound:
    """One shopper message: ``message`` for the engine (for UNSUPPORTED it carries no text)."""

    kind: InboundKind
    message: IncomingMessage
    #: the message type as WhatsApp named it (``text``, ``interactive``, ``sticker``...)
    type: str

    @property
    def wa_id(self) -> str:
        """The shopper's WhatsApp id (their number, digits only): the identity's external id."""
        return self.message.external_id

    @property
    def message_id(self) -> str:
        """WhatsApp's id of the message (``wamid...``)."""
        return self.message.message_id or ""


@dataclass(frozen=True, slots=True)
class StatusReport:
    """A delivery report for a message we sent."""

    provider_message_id: str
    status: str
    recipient: str | None = None
    #: (code, title) of each error of a ``failed`` report
    errors: tuple[tuple[int, str], ...] = ()


@dataclass(slots=True)
class WebhookBatch:
    """Everything one webhook call carried, in order."""

    messages: list[Inbound] = field(default_factory=list)
    statuses: list[StatusReport] = field(default_factory=list)


def _object(value: object) -> Mapping[str, Any] | None:
    return value if isinstance(value, Mapping) else None


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _string(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _received_at(value: object) -> datetime | None:
    """WhatsApp's ``timestamp`` (unix seconds as text) as an aware UTC time, or None."""
    if isinstance(value, str) and value.isdigit() and len(value) <= 12:
        return datetime.fromtimestamp(int(value), UTC)
    return None


def parse_webhook(data: object, phone_number_id: str | None = None) -> WebhookBatch:
    """The messages and delivery reports in ``data`` (the decoded body).

    Raises :class:`MalformedWebhook` when ``data`` is not a WhatsApp Business Account notification
    (not an object, another ``object``, no ``entry`` list). Inside a well-formed notification,
    anything unexpected is skipped rather than refused: Meta would redeliver a refused body forever.
    """
    body = _object(data)
    if body is None or body.get("object") != WABA_OBJECT or not isinstance(body.get("entry"), list):
        raise MalformedWebhook("not a WhatsApp Business Account notification")
    batch = WebhookBatch()
    for entry in body["entry"]:
        for change in _list((_object(entry) or {}).get("changes")):
            change = _object(change) or {}
            value = _object(change.get("value"))
            if change.get("field") != "messages" or value is None:
                continue
            metadata = _object(value.get("metadata")) or {}
            if phone_number_id and str(metadata.get("phone_number_id") or "") != phone_number_id:
                continue
            names = _contact_names(value)
            for item in _list(value.get("messages")):
                inbound = _message(_object(item), names)
                if inbound is not None:
                    batch.messages.append(inbound)
            for item in _list(value.get("statuses")):
                report = _status(_object(item))
                if report is not None:
                    batch.statuses.append(report)
    return batch


#: a WhatsApp id is a phone number: E.164 has at most 15 digits (a longer "from" is not a shopper)
MAX_WA_ID_DIGITS = 20


def _contact_names(value: Mapping[str, Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    for contact in _list(value.get("contacts")):
        contact = _object(contact) or {}
        wa_id, profile = _string(contact.get("wa_id")), _object(contact.get("profile")) or {}
        name = _string(profile.get("name"))
        if wa_id and name:
            names[wa_id] = name
    return names


def _message(item: Mapping[str, Any] | None, names: Mapping[str, str]) -> Inbound | None:
    if item is None:
        return None
    sender, message_id, kind = _string(item.get("from")), _string(item.get("id")), _string(item.get("type"))
    if sender is None or not sender.isdigit() or len(sender) > MAX_WA_ID_DIGITS:
        return None
    if message_id is None or kind is None or kind in _SILENT_TYPES:
        return None
    base: dict[str, Any] = {
        "channel": CHANNEL,
        "external_id": sender,
        "message_id": message_id[:200],
        "display_name": names.get(sender),
        "received_at": _received_at(item.get("timestamp")),
    }
    if kind in _ANSWERED_TYPES:
        text, payload = _text_and_payload(kind, item)
        if not text and payload is None:
            return Inbound(InboundKind.UNSUPPORTED, IncomingMessage(**base), kind)
        token = find_link_token(text) if payload is None else None
        if token is not None:
            text = " ".join(word for word in text.split() if word != token)
        message = IncomingMessage(text=text, payload=payload, link_token=token, **base)
        return Inbound(InboundKind.MESSAGE, message, kind)
    if kind in _FILE_TYPES:
        media = _object(item.get(kind)) or {}
        media_id = _string(media.get("id"))
        if media_id is None:
            return Inbound(InboundKind.UNSUPPORTED, IncomingMessage(**base), kind)
        attachment = Attachment(
            kind=_FILE_TYPES[kind],
            file_id=media_id,
            file_name=_string(media.get("filename")),
            mime_type=_string(media.get("mime_type")),
        )
        caption = (_string(media.get("caption")) or "").strip()
        return Inbound(
            InboundKind.MESSAGE, IncomingMessage(text=caption, attachments=(attachment,), **base), kind
        )
    return Inbound(InboundKind.UNSUPPORTED, IncomingMessage(**base), kind)


def _text_and_payload(kind: str, item: Mapping[str, Any]) -> tuple[str, str | None]:
    """Typed text, or the payload of a pressed button / chosen list row / template quick reply."""
    if kind == MessageType.TEXT:
        return (_string((_object(item.get("text")) or {}).get("body")) or "").strip(), None
    if kind == MessageType.BUTTON:
        button = _object(item.get("button")) or {}
        payload = _string(button.get("payload"))
        return ("", payload) if payload else ((_string(button.get("text")) or "").strip(), None)
    interactive = _object(item.get("interactive")) or {}
    reply = _object(interactive.get("button_reply")) or _object(interactive.get("list_reply")) or {}
    return "", _string(reply.get("id"))


def _status(item: Mapping[str, Any] | None) -> StatusReport | None:
    if item is None:
        return None
    message_id, status = _string(item.get("id")), _string(item.get("status"))
    if message_id is None or status not in _STATUSES:
        return None
    errors: list[tuple[int, str]] = []
    for error in _list(item.get("errors")):
        error = _object(error) or {}
        code = error.get("code")
        if isinstance(code, int) and not isinstance(code, bool):
            errors.append((code, str(error.get("title") or error.get("message") or "")[:200]))
    return StatusReport(message_id, str(status), _string(item.get("recipient_id")), tuple(errors))
