"""EasyPost webhooks: every shared fixture, tracker events, ignored events, bad bodies."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from bot.integrations import PayloadError, parse_easypost, parse_easypost_tracker
from storage.domain import EventType, ShipmentStatus

Body = Callable[[str], bytes]


def tracker_event(easypost_body: Body, **tracker_changes: object) -> dict:
    event = json.loads(easypost_body("tracking-webhook"))
    event["result"].update(tracker_changes)
    return event


def test_tracking_webhook_fixture(easypost_body: Body) -> None:
    [event] = parse_easypost(easypost_body("tracking-webhook"))
    assert event.event_id == "evt_..."
    assert event.source == "easypost"
    assert event.type == EventType.SHIPMENT_UPDATED
    assert event.tracking_number == "EZ4000000004"
    assert event.status == ShipmentStatus.DELIVERED
    assert event.substatus is None  # this older fixture has no status_detail
    assert event.raw_status is None
    assert event.eta == date(2014, 11, 27)
    # the last tracking_details entry gives place and time
    assert event.location == "SAN FRANCISCO, CA, US"
    assert event.occurred_at == datetime(2014, 11, 19, 10, 51, 54, tzinfo=UTC)
    assert event.order_number is None
    assert event.data == {
        "carrier": "UPS",
        "tracking_url": "https://track.easypost.com/djE7...",
        "provider_status": "delivered",
        "easypost_tracker_id": "trk_...",
        "message": "DELIVERED",
        "previous_status": "unknown",
    }


@pytest.mark.parametrize("name", ["event_example", "events-retrieve"])
def test_tracker_event_without_its_tracker_is_a_payload_error(easypost_body: Body, name: str) -> None:
    # these documentation examples omit "result"; a real tracker event always carries it
    with pytest.raises(PayloadError) as caught:
        parse_easypost(easypost_body(name))
    assert caught.value.reason == "result: missing (a tracker event must carry its Tracker)"


def test_non_tracker_event_is_ignored(easypost_body: Body) -> None:
    assert parse_easypost(easypost_body("post_json_example")) == []  # batch.created


def test_tracker_created_becomes_shipment_created(easypost_body: Body) -> None:
    event = tracker_event(easypost_body, status="unknown")
    event["description"] = "tracker.created"
    [parsed] = parse_easypost(json.dumps(event).encode())
    assert parsed.type == EventType.SHIPMENT_CREATED
    assert parsed.status == ShipmentStatus.PRE_TRANSIT


def test_trackers_retrieve_fixture_via_parse_easypost_tracker(easypost_body: Body) -> None:
    event = parse_easypost_tracker(easypost_body("trackers-retrieve"))
    assert event.event_id == "trk_9135862729734d96ad2f9ed0f0565a27:2025-05-09T20:40:17+00:00"
    assert event.type == EventType.SHIPMENT_UPDATED
    assert event.tracking_number == "EZ1000000001"
    assert event.status == ShipmentStatus.PRE_TRANSIT
    assert event.substatus == "status_update"
    assert event.eta == date(2025, 5, 9)
    assert event.location == "HOUSTON, TX"  # country is null in the fixture
    assert event.occurred_at == datetime(2025, 4, 10, 9, 17, 17, tzinfo=UTC)
    assert event.data["carrier"] == "USPS"
    assert event.data["message"] == "Shipping Label Created"
    assert event.data["tracking_url"].startswith("https://track.easypost.com/")


def test_trackers_retrieve_is_not_an_event(easypost_body: Body) -> None:
    with pytest.raises(PayloadError, match="object: expected an EasyPost Event"):
        parse_easypost(easypost_body("trackers-retrieve"))


def test_status_detail_becomes_substatus_and_refines(easypost_body: Body) -> None:
    event = tracker_event(easypost_body, status="in_transit", status_detail="lost")
    [parsed] = parse_easypost(json.dumps(event).encode())
    assert (parsed.status, parsed.substatus, parsed.raw_status) == (ShipmentStatus.LOST, "lost", None)
    assert parsed.data["provider_status"] == "in_transit"


def test_unknown_status_is_exception_with_raw_status(easypost_body: Body) -> None:
    event = tracker_event(easypost_body, status="vaporised")
    [parsed] = parse_easypost(json.dumps(event).encode())
    assert (parsed.status, parsed.raw_status) == (ShipmentStatus.EXCEPTION, "vaporised")


def test_local_estimated_delivery_date_wins(easypost_body: Body) -> None:
    event = tracker_event(
        easypost_body,
        est_delivery_date="2014-11-27T03:00:00Z",
        carrier_detail={"est_delivery_date_local": "2014-11-26", "est_delivery_time_local": "19:00:00"},
    )
    [parsed] = parse_easypost(json.dumps(event).encode())
    assert parsed.eta == date(2014, 11, 26)


def test_without_tracking_details_time_falls_back_to_event_time(easypost_body: Body) -> None:
    event = tracker_event(easypost_body, tracking_details=[])
    event["updated_at"] = "2014-11-20T08:00:00Z"
    [parsed] = parse_easypost(json.dumps(event).encode())
    assert parsed.occurred_at == datetime(2014, 11, 20, 8, 0, tzinfo=UTC)
    assert parsed.location is None
    assert "message" not in parsed.data


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda e: e.pop("description"), "description: missing"),
        (lambda e: e.pop("id"), "^id: missing"),
        (lambda e: e.update(result="trk_1"), "result: expected an object, got string"),
        (lambda e: e["result"].pop("tracking_code"), "result.tracking_code: missing"),
        (
            lambda e: e["result"].update(tracking_code=4),
            "result.tracking_code: expected a string, got number",
        ),
        (lambda e: e["result"].update(status=None), "result.status: missing"),
        (lambda e: e["result"].update(object="Shipment"), "result.object: expected a Tracker"),
        (
            lambda e: e["result"].update(est_delivery_date="soon"),
            "result.est_delivery_date: not an ISO 8601 date",
        ),
        (
            lambda e: e["result"]["tracking_details"][-1].update(datetime=12),
            r"result.tracking_details\[5\]\.datetime: expected a string, got number",
        ),
        (
            lambda e: e["result"].update(tracking_code="X" * 101),
            "tracking_number: String should have at most 100 characters",
        ),
    ],
)
def test_malformed_tracker_event_reasons(easypost_body: Body, mutate, reason: str) -> None:
    event = json.loads(easypost_body("tracking-webhook"))
    mutate(event)
    with pytest.raises(PayloadError, match=reason):
        parse_easypost(json.dumps(event).encode())
