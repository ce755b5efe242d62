"""Building and validating :class:`NormalizedEvent` objects, and ``POST /api/events`` bodies.

Pydantic validation errors never escape: they become a :class:`PayloadError` with a short
reason such as ``status: 'teleported' is not one of pre_transit, in_transit, ...``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from bot.integrations.errors import PayloadError
from bot.integrations.jsonread import decode_json
from storage.domain import NormalizedEvent, normalize_order_number

#: what the order import accepts as an order number
_ORDER_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
#: at most this many validation problems are named in one reason
_MAX_PROBLEMS = 3
#: a rejected value is quoted only when it looks like a plain code word (never an email, phone...)
_QUOTABLE = re.compile(r"^[A-Za-z][A-Za-z0-9_. -]{0,39}$")
#: how far ahead of the server clock an event may be stamped (senders' clocks differ a little)
MAX_AHEAD = timedelta(hours=24)
#: events stamped before this come from a broken clock or a placeholder date
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "body"


def _enum_choices(expected: str) -> str:
    # pydantic writes "'a', 'b' or 'c'"; we list them plainly
    return ", ".join(word.strip(" '") for word in re.split(r",| or ", expected))


def _problem(error: Any) -> str:
    where = _location(tuple(error.get("loc", ())))
    kind = error.get("type", "")
    value = error.get("input")
    if kind == "enum" and isinstance(value, str):
        expected = _enum_choices(str(error.get("ctx", {}).get("expected", "")))
        shown = repr(value) if _QUOTABLE.match(value) else "the value"
        return f"{where}: {shown} is not one of {expected}"
    if kind == "missing":
        return f"{where}: missing"
    if kind == "extra_forbidden":
        return f"{where}: unknown field"
    return f"{where}: {error.get('msg', 'invalid')}"


def format_validation_error(exc: ValidationError, *, prefix: str = "") -> str:
    """A short, readable, PII-free summary of a pydantic error (first few problems)."""
    errors = exc.errors(include_url=False)
    problems = [_problem(error) for error in errors[:_MAX_PROBLEMS]]
    more = len(errors) - len(problems)
    text = "; ".join(f"{prefix}{p}" for p in problems)
    return f"{text} (and {more} more)" if more > 0 else text


def clean_order_number(text: str | None) -> str | None:
    """``"#1001"`` -> ``"1001"``; ``None`` when the text cannot be an order number."""
    if text is None:
        return None
    candidate = normalize_order_number(text)
    return candidate if _ORDER_NUMBER.match(candidate) else None


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def check_event_time(event: NormalizedEvent, now: datetime) -> None:
    """Refuse an event whose ``occurred_at`` cannot be true (:class:`PayloadError`, answered 400).

    Plausible means from :data:`EARLIEST` (2000-01-01) to :data:`MAX_AHEAD` (24 hours) after
    ``now``, the server clock. A far-future stamp would otherwise become the parcel's latest
    scan and make every honest event after it look older. Every way in calls this: the
    provider webhooks, ``POST /api/events`` and ``doorstep events replay``.
    """
    at = event.occurred_at
    if at > now + MAX_AHEAD:
        hours = int(MAX_AHEAD.total_seconds() // 3600)
        raise PayloadError(
            f"event {event.event_id}: occurred_at {_iso(at)} is more than {hours} hours ahead"
            " of the server clock"
        )
    if at < EARLIEST:
        raise PayloadError(f"event {event.event_id}: occurred_at {_iso(at)} is before {EARLIEST.date()}")


def build_event(**fields: Any) -> NormalizedEvent:
    """Validate fields into a :class:`NormalizedEvent`; a bad field is a :class:`PayloadError`.

    Fields left ``None`` are omitted so the model's defaults apply.
    """
    present = {key: value for key, value in fields.items() if value is not None}
    try:
        return NormalizedEvent.model_validate(present)
    except ValidationError as exc:
        raise PayloadError(format_validation_error(exc)) from None


def parse_normalized(body: bytes) -> NormalizedEvent:
    """Parse a ``POST /api/events`` body (the DESIGN.md normalized event contract).

    Raises :class:`PayloadError` for malformed JSON or any field the contract refuses.
    """
    value = decode_json(body)
    if not isinstance(value, dict):
        raise PayloadError("body: expected a JSON object")
    try:
        return NormalizedEvent.model_validate(value)
    except ValidationError as exc:
        raise PayloadError(format_validation_error(exc)) from None
