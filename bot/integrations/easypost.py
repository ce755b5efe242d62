"""EasyPost webhooks (Event objects) and Tracker objects -> normalized events.

An EasyPost webhook body is an ``Event``: ``{"id": "evt_...", "object": "Event",
"description": "tracker.updated", "result": {<Tracker>}, ...}``. Only tracker events concern
doorstep: ``tracker.created`` -> ``shipment.created`` and ``tracker.updated`` ->
``shipment.updated``. Any other description (``batch.created``, ``refund.successful`` ...) is
ignored: :func:`parse_easypost` returns an empty list, and the route answers 2xx "ignored"
so EasyPost does not retry.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.integrations.errors import PayloadError
from bot.integrations.jsonread import JsonObject, load_object
from bot.integrations.normalized import build_event
from bot.integrations.statuses import Provider, map_status
from storage.domain import EventType, NormalizedEvent

SOURCE = Provider.EASYPOST.value
_MAX_MESSAGE = 500

#: Event descriptions that carry a Tracker, and the event type each becomes
TRACKER_EVENTS: dict[str, EventType] = {
    "tracker.created": EventType.SHIPMENT_CREATED,
    "tracker.updated": EventType.SHIPMENT_UPDATED,
}


def _location(detail: JsonObject) -> str | None:
    place = detail.obj("tracking_location")
    if place is None:
        return None
    parts = [place.text("city"), place.text("state"), place.text("country")]
    text = ", ".join(p for p in parts if p)
    return text[:300] or None


def _eta(tracker: JsonObject) -> date | None:
    carrier_detail = tracker.obj("carrier_detail")
    local = carrier_detail.day("est_delivery_date_local") if carrier_detail else None
    return local or tracker.day("est_delivery_date")


def tracker_to_event(
    tracker: JsonObject,
    *,
    event_id: str,
    kind: EventType,
    fallback_time: datetime | None,
    extra: dict[str, Any] | None = None,
) -> NormalizedEvent:
    """Normalize one EasyPost ``Tracker`` object.

    The latest ``tracking_details`` entry gives ``occurred_at`` (its ``datetime``) and
    ``location`` (city, state, country); without one, ``fallback_time`` (the Event's time) or
    the tracker's ``updated_at``/``created_at`` is used.
    """
    if tracker.text("object") not in (None, "Tracker"):
        raise PayloadError(f"{tracker.where('object')}: expected a Tracker")
    tracking_code = tracker.required_text("tracking_code")
    word = tracker.required_text("status")
    detail_word = tracker.text("status_detail")
    status, raw = map_status(Provider.EASYPOST, word, detail_word)
    details = tracker.objects("tracking_details")
    latest = details[-1] if details else None
    occurred_at = (
        (latest.timestamp("datetime") if latest else None)
        or fallback_time
        or tracker.timestamp("updated_at")
        or tracker.timestamp("created_at")
    )
    if occurred_at is None:
        raise PayloadError(f"{tracker.where('updated_at')}: missing (no time for the event)")
    data: dict[str, Any] = {
        "carrier": tracker.text("carrier"),
        "tracking_url": tracker.text("public_url"),
        "provider_status": word,
        "easypost_tracker_id": tracker.ident("id"),
        "easypost_shipment_id": tracker.ident("shipment_id"),
    }
    message = latest.text("message") if latest is not None else None
    if message:
        data["message"] = message[:_MAX_MESSAGE]
    data.update(extra or {})
    return build_event(
        event_id=event_id,
        source=SOURCE,
        occurred_at=occurred_at,
        type=kind,
        tracking_number=tracking_code,
        status=status,
        substatus=detail_word,
        eta=_eta(tracker),
        location=_location(latest) if latest else None,
        raw_status=raw,
        data={key: value for key, value in data.items() if value is not None},
    )


def parse_easypost(body: bytes) -> list[NormalizedEvent]:
    """Parse an EasyPost webhook ``Event`` body.

    Returns one event for ``tracker.created``/``tracker.updated`` (``event_id`` = the EasyPost
    event id, ``evt_...``) and ``[]`` for any other description (ignored, not an error).
    Raises :class:`PayloadError` for malformed JSON, a body that is not an Event, or a tracker
    event without its Tracker ``result``.
    """
    event = load_object(body)
    if event.text("object") not in (None, "Event"):
        raise PayloadError("object: expected an EasyPost Event")
    description = event.required_text("description")
    kind = TRACKER_EVENTS.get(description)
    if kind is None:
        return []
    event_id = event.required_text("id")
    tracker = event.obj("result")
    if tracker is None:
        raise PayloadError("result: missing (a tracker event must carry its Tracker)")
    previous = event.obj("previous_attributes")
    return [
        tracker_to_event(
            tracker,
            event_id=event_id,
            kind=kind,
            fallback_time=event.timestamp("updated_at") or event.timestamp("created_at"),
            extra={"previous_status": previous.text("status") if previous else None},
        )
    ]


def parse_easypost_tracker(body: bytes) -> NormalizedEvent:
    """Parse a bare EasyPost ``Tracker`` (e.g. from polling ``GET /trackers/{id}``).

    It becomes a ``shipment.updated`` whose ``event_id`` is ``<tracker id>:<updated_at>``, so
    polling the same unchanged tracker twice yields the same id (a no-op downstream).
    """
    tracker = load_object(body)
    tracker_id = tracker.required_text("id")
    updated = tracker.timestamp("updated_at") or tracker.timestamp("created_at")
    if updated is None:
        raise PayloadError("updated_at: missing")
    return tracker_to_event(
        tracker,
        event_id=f"{tracker_id}:{updated.isoformat()}",
        kind=EventType.SHIPMENT_UPDATED,
        fallback_time=updated,
    )
