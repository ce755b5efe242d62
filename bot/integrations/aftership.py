"""AfterShip webhooks -> normalized events.

The body is ``{"ts": <unix seconds>, "event": "tracking_update", "event_id": "<uuid>",
"is_tracking_first_tag": bool, "msg": {<the tracking>}}``. ``tracking_update`` (a new delivery
status or checkpoint) and ``edd_revise`` (a revised estimated delivery date) both become
``shipment.updated``; any other event code is ignored (:func:`parse_aftership` returns ``[]``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from bot.integrations.errors import PayloadError
from bot.integrations.jsonread import JsonObject, load_object
from bot.integrations.normalized import build_event, clean_order_number
from bot.integrations.statuses import Provider, map_status
from storage.domain import EventType, NormalizedEvent

SOURCE = Provider.AFTERSHIP.value
_MAX_MESSAGE = 500

#: the AfterShip event codes doorstep acts on
SUPPORTED_EVENTS = frozenset({"tracking_update", "edd_revise"})


def _unix_time(body: JsonObject) -> datetime | None:
    seconds = body.number("ts")
    if seconds is None:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise PayloadError("ts: not a usable unix timestamp") from None


def _eta(msg: JsonObject) -> date | None:
    """The best estimated delivery date: AfterShip's merged ``latest_estimated_delivery``, then
    the carrier's ``expected_delivery``, then the carrier's and AfterShip's own predictions."""
    latest = msg.obj("latest_estimated_delivery")
    if latest is not None:
        found = latest.day("datetime") or latest.day("datetime_max")
        if found:
            return found
    if msg.has("expected_delivery"):
        return msg.day("expected_delivery")
    for key in ("courier_estimated_delivery_date", "aftership_estimated_delivery_date"):
        estimate = msg.obj(key)
        if estimate is not None:
            found = estimate.day("estimated_delivery_date") or estimate.day("estimated_delivery_date_max")
            if found:
                return found
    return None


def _location(checkpoint: JsonObject) -> str | None:
    country = (
        checkpoint.text("country_iso3")
        or checkpoint.text("country_region")
        or checkpoint.text("country_name")
    )
    parts = [checkpoint.text("city"), checkpoint.text("state"), country]
    text = ", ".join(p for p in parts if p) or checkpoint.text("location") or ""
    return text[:300] or None


def _status_words(msg: JsonObject) -> tuple[str, str | None]:
    tag = msg.text("tag")
    subtag = msg.text("subtag")
    if tag is None and subtag and "_" in subtag:
        tag = subtag.partition("_")[0]  # "Exception_011" belongs to the "Exception" tag
    if tag is None:
        raise PayloadError("msg.tag: missing")
    return tag, subtag


def parse_aftership(body: bytes) -> list[NormalizedEvent]:
    """Parse an AfterShip webhook body.

    Returns one ``shipment.updated`` for ``tracking_update`` and ``edd_revise``
    (``event_id`` = AfterShip's ``event_id``), ``[]`` for other event codes (ignored).
    Raises :class:`PayloadError` for malformed JSON or a missing ``event``, ``event_id``,
    ``msg``, ``msg.tracking_number`` or ``msg.tag``.
    """
    envelope = load_object(body)
    event_code = envelope.required_text("event")
    if event_code not in SUPPORTED_EVENTS:
        return []
    event_id = envelope.required_text("event_id")
    msg = envelope.required_obj("msg")
    tag, subtag = _status_words(msg)
    status, raw = map_status(Provider.AFTERSHIP, tag, subtag)
    checkpoints = msg.objects("checkpoints")
    latest = checkpoints[-1] if checkpoints else None
    sent_at = _unix_time(envelope)
    if event_code == "edd_revise":
        occurred_at = sent_at or msg.timestamp("updated_at")
    else:
        checkpoint_time = latest.timestamp("checkpoint_time") if latest else None
        occurred_at = checkpoint_time or msg.timestamp("updated_at") or sent_at
    if occurred_at is None:
        raise PayloadError("ts: missing (no time for the event)")
    data: dict[str, Any] = {
        "aftership_event": event_code,
        "carrier": msg.text("slug"),
        "tracking_url": msg.text("courier_tracking_link"),
        "provider_status": tag,
        "subtag_message": msg.text("subtag_message"),
        "aftership_tracking_id": msg.ident("id"),
        "order_id": msg.ident("order_id"),
        "is_tracking_first_tag": envelope.boolean("is_tracking_first_tag"),
    }
    message = latest.text("message") if latest else None
    if message:
        data["message"] = message[:_MAX_MESSAGE]
    return [
        build_event(
            event_id=event_id,
            source=SOURCE,
            occurred_at=occurred_at,
            type=EventType.SHIPMENT_UPDATED,
            order_number=clean_order_number(msg.ident("order_number")),
            tracking_number=msg.required_text("tracking_number"),
            status=status,
            substatus=subtag,
            eta=_eta(msg),
            location=_location(latest) if latest else None,
            raw_status=raw,
            data={key: value for key, value in data.items() if value is not None},
        )
    ]
