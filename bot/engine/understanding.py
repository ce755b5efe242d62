"""From an :class:`IncomingMessage` to a :class:`handlers.context.Understanding`.

The engine depends on the NLU only through the small :class:`Parser` protocol, so tests and
other NLUs plug in without the handlers ever seeing NLU types.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Protocol

from handlers.context import ProductMention, Understanding
from handlers.messages import IncomingMessage

#: typed text beyond this many characters is not read (channels refuse longer text anyway)
MAX_TEXT_CHARS = 2000
#: payloads longer than this are not ours
MAX_PAYLOAD_CHARS = 200


class Parser(Protocol):
    """An NLU: ``parse(text)`` answers an object with ``intent``, ``confidence`` and ``entities``.

    ``entities`` has ``order_numbers``, ``emails``, ``phones``, ``tracking_numbers`` (strings) and
    ``products`` (objects with ``sku`` and ``name``) -- ``bot.nlu`` fits.
    """

    def parse(self, text: str) -> Any:
        """Understand one message."""
        ...


def understand(message: IncomingMessage, parser: Parser) -> Understanding:
    """What the message means: a button press is read from its payload, typed text by the NLU."""
    attachments = tuple(message.attachments)
    payload = (message.payload or "").strip()[:MAX_PAYLOAD_CHARS] or None
    if payload is not None:
        return from_payload(payload, attachments)
    text = (message.text or "").strip()[:MAX_TEXT_CHARS]
    if not text:
        return Understanding(attachments=attachments)
    result = parser.parse(text)
    entities = result.entities
    return Understanding(
        text=text,
        intent=str(result.intent) if result.intent is not None else None,
        confidence=float(result.confidence),
        order_numbers=tuple(entities.order_numbers),
        emails=tuple(entities.emails),
        phones=tuple(entities.phones),
        tracking_numbers=tuple(entities.tracking_numbers),
        products=tuple(ProductMention(sku=p.sku, name=p.name) for p in entities.products),
        attachments=attachments,
        topic=_topic(result),
    )


def _topic(result: Any) -> str | None:
    topic = getattr(result, "topic", None)
    return str(topic) if topic is not None else None


def from_payload(payload: str, attachments: tuple[Any, ...] = ()) -> Understanding:
    """A button press: ``intent:<name>`` names an intent, ``order:<number>`` an order."""
    kind, _, rest = payload.partition(":")
    if kind == "intent" and rest:
        return Understanding(payload=payload, intent=rest, confidence=1.0, attachments=attachments)
    if kind == "order" and rest and rest != "other":
        return Understanding(payload=payload, order_numbers=(rest,), attachments=attachments)
    return Understanding(payload=payload, attachments=attachments)


def with_payload(understanding: Understanding, payload: str) -> Understanding:
    """The same understanding, as if ``payload`` had been pressed."""
    return replace(understanding, payload=payload)
