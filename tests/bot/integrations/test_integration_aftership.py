"""AfterShip webhooks: the hand-written fixtures (see fixtures/README.md), tags and subtags."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from bot.integrations import PayloadError, parse_aftership
from storage.domain import EventType, ShipmentStatus

Body = Callable[[str], bytes]
EST = timezone(timedelta(hours=-5))


def altered(aftership_body: Body, name: str = "tracking_update", **msg_changes: object) -> bytes:
    envelope = json.loads(aftership_body(name))
    envelope["msg"].update(msg_changes)
    return json.dumps(envelope).encode()


def test_tracking_update_fixture(aftership_body: Body) -> None:
    [event] = parse_aftership(aftership_body("tracking_update"))
    assert event.event_id == "6f1c2a8e-3b7d-4c59-9a41-0d2e8b5f7c13"
    assert event.source == "aftership"
    assert event.type == EventType.SHIPMENT_UPDATED
    assert event.order_number == "1001"
    assert event.tracking_number == "1Z999AA10123456784"
    assert event.status == ShipmentStatus.OUT_FOR_DELIVERY
    assert event.substatus == "OutForDelivery_001"
    assert event.raw_status is None
    assert event.eta == date(2026, 11, 23)
    assert event.location == "Boston, MA, USA"
    assert event.occurred_at == datetime(2026, 11, 23, 7, 42, tzinfo=EST)  # the latest checkpoint
    assert event.data == {
        "aftership_event": "tracking_update",
        "carrier": "ups",
        "tracking_url": "https://www.ups.com/track?tracknum=1Z999AA10123456784",
        "provider_status": "OutForDelivery",
        "subtag_message": "Out for Delivery",
        "aftership_tracking_id": "k5lh7dy7vvqeck71p5loe011",
        "order_id": "450789469",
        "is_tracking_first_tag": True,
        "message": "Out For Delivery Today",
    }


def test_edd_revise_fixture(aftership_body: Body) -> None:
    [event] = parse_aftership(aftership_body("edd_revise"))
    assert event.event_id == "b0a3d5f2-71e4-4f0c-8a6b-2c9e1d47a805"
    assert event.type == EventType.SHIPMENT_UPDATED
    assert event.eta == date(2026, 11, 25)
    assert event.status == ShipmentStatus.IN_TRANSIT
    # the revision time is the webhook's ts, not the last checkpoint
    assert event.occurred_at == datetime(2026, 11, 22, 0, 20, tzinfo=UTC)
    assert event.data["aftership_event"] == "edd_revise"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"latest_estimated_delivery": None}, date(2026, 11, 23)),  # expected_delivery
        ({"latest_estimated_delivery": None, "expected_delivery": None}, date(2026, 11, 23)),  # courier EDD
        (
            {
                "latest_estimated_delivery": None,
                "expected_delivery": None,
                "courier_estimated_delivery_date": None,
            },
            date(2026, 11, 24),  # AfterShip's own prediction
        ),
        (
            {
                "latest_estimated_delivery": None,
                "expected_delivery": None,
                "courier_estimated_delivery_date": None,
                "aftership_estimated_delivery_date": None,
            },
            None,
        ),
        ({"latest_estimated_delivery": {"datetime": "2026-11-30T18:00:00+09:00"}}, date(2026, 11, 30)),
    ],
)
def test_eta_sources_in_order(aftership_body: Body, changes: dict, expected: date | None) -> None:
    [event] = parse_aftership(altered(aftership_body, **changes))
    assert event.eta == expected


@pytest.mark.parametrize(
    ("tag", "subtag", "expected"),
    [
        ("Exception", "Exception_011", ShipmentStatus.RETURNED_TO_SENDER),
        ("Exception", "Exception_013", ShipmentStatus.LOST),
        ("Exception", "Exception_004", ShipmentStatus.DELAYED),
        ("Exception", "Exception_007", ShipmentStatus.EXCEPTION),
        ("AttemptFail", "AttemptFail_001", ShipmentStatus.ATTEMPT_FAILED),
        ("Expired", "Expired_001", ShipmentStatus.EXCEPTION),
        (None, "Exception_013", ShipmentStatus.LOST),  # tag derived from the subtag
        (None, "Delivered_002", ShipmentStatus.DELIVERED),
    ],
)
def test_tag_and_subtag(aftership_body: Body, tag: str | None, subtag: str, expected: ShipmentStatus) -> None:
    [event] = parse_aftership(altered(aftership_body, tag=tag, subtag=subtag))
    assert (event.status, event.substatus, event.raw_status) == (expected, subtag, None)


def test_unknown_tag_is_exception_with_raw_status(aftership_body: Body) -> None:
    [event] = parse_aftership(altered(aftership_body, tag="Teleported", subtag=None))
    assert (event.status, event.raw_status, event.substatus) == (ShipmentStatus.EXCEPTION, "Teleported", None)


def test_without_checkpoints_time_is_updated_at(aftership_body: Body) -> None:
    [event] = parse_aftership(altered(aftership_body, checkpoints=[], tag="Pending", subtag="Pending_001"))
    assert event.occurred_at == datetime(2026, 11, 23, 13, 5, 10, tzinfo=UTC)
    assert event.location is None
    assert event.status == ShipmentStatus.PRE_TRANSIT
    assert "message" not in event.data


def test_without_checkpoints_or_updated_at_time_is_ts(aftership_body: Body) -> None:
    [event] = parse_aftership(altered(aftership_body, checkpoints=[], updated_at=None))
    assert event.occurred_at == datetime(2026, 11, 23, 13, 6, tzinfo=UTC)


def test_location_falls_back_to_the_location_text(aftership_body: Body) -> None:
    checkpoint = {"checkpoint_time": "2026-11-23T07:42:00-05:00", "location": "BOSTON MA DISTRIBUTION CENTER"}
    [event] = parse_aftership(altered(aftership_body, checkpoints=[checkpoint]))
    assert event.location == "BOSTON MA DISTRIBUTION CENTER"


def test_order_number_that_cannot_be_one_is_left_out(aftership_body: Body) -> None:
    [event] = parse_aftership(altered(aftership_body, order_number="order 1001 / gift"))
    assert event.order_number is None
    [event] = parse_aftership(altered(aftership_body, order_number=1001))
    assert event.order_number == "1001"


@pytest.mark.parametrize("code", ["tracking_pending_time", "something_new"])
def test_other_event_codes_are_ignored(aftership_body: Body, code: str) -> None:
    envelope = json.loads(aftership_body("tracking_update"))
    envelope["event"] = code
    assert parse_aftership(json.dumps(envelope).encode()) == []


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda b: b.pop("event"), "^event: missing"),
        (lambda b: b.pop("event_id"), "^event_id: missing"),
        (lambda b: b.pop("msg"), "^msg: missing"),
        (lambda b: b.update(msg="hi"), "^msg: expected an object, got string"),
        (lambda b: b["msg"].pop("tracking_number"), "msg.tracking_number: missing"),
        (lambda b: b["msg"].update(tag=None, subtag=None), "msg.tag: missing"),
        (lambda b: b["msg"].update(tag=["InTransit"]), "msg.tag: expected a string, got array"),
        (lambda b: b.update(ts="yesterday"), "ts: expected a number, got string"),
        (lambda b: b.update(ts=10**20), "ts: not a usable unix timestamp"),
        (lambda b: b["msg"].update(checkpoints={}), "msg.checkpoints: expected an array, got object"),
        (
            lambda b: b["msg"]["checkpoints"][1].update(checkpoint_time="noon"),
            r"msg.checkpoints\[1\]\.checkpoint_time: not an ISO 8601 date-time",
        ),
        (lambda b: b.update(is_tracking_first_tag="yes"), "is_tracking_first_tag: expected true or false"),
    ],
)
def test_malformed_bodies(aftership_body: Body, mutate, reason: str) -> None:
    envelope = json.loads(aftership_body("tracking_update"))
    mutate(envelope)
    with pytest.raises(PayloadError, match=reason):
        parse_aftership(json.dumps(envelope).encode())
