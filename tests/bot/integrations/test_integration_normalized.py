"""POST /api/events bodies: the DESIGN.md example parses; bad fields give short readable reasons."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from bot.integrations import PayloadError, parse_normalized
from bot.integrations.normalized import clean_order_number
from storage.domain import EventType, ShipmentStatus

DESIGN_EXAMPLE = {
    "event_id": "evt_1",
    "source": "api",
    "occurred_at": "2026-11-22T10:00:00Z",
    "type": "shipment.updated",
    "order_number": "1001",
    "tracking_number": "1Z999AA10123456784",
    "status": "out_for_delivery",
    "substatus": None,
    "eta": "2026-11-22",
    "location": "Boston, MA",
}


def encode(changes: dict | None = None, drop: tuple[str, ...] = ()) -> bytes:
    body = {**DESIGN_EXAMPLE, **(changes or {})}
    for key in drop:
        body.pop(key)
    return json.dumps(body).encode()


def test_design_example_parses() -> None:
    event = parse_normalized(encode())
    assert event.event_id == "evt_1"
    assert event.source == "api"
    assert event.occurred_at == datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    assert event.type == EventType.SHIPMENT_UPDATED
    assert event.status == ShipmentStatus.OUT_FOR_DELIVERY
    assert event.eta == date(2026, 11, 22)
    assert event.location == "Boston, MA"
    assert event.data == {}


def test_naive_time_is_utc() -> None:
    event = parse_normalized(encode({"occurred_at": "2026-11-22T10:00:00"}))
    assert event.occurred_at == datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def test_unknown_status_reason_lists_the_choices() -> None:
    with pytest.raises(PayloadError) as caught:
        parse_normalized(encode({"status": "teleported"}))
    assert caught.value.reason == (
        "status: 'teleported' is not one of pre_transit, in_transit, out_for_delivery, available_for_pickup, "
        "delivered, attempt_failed, delayed, exception, returned_to_sender, lost"
    )


def test_rejected_value_that_looks_personal_is_not_quoted() -> None:
    with pytest.raises(PayloadError) as caught:
        parse_normalized(encode({"status": "ann@example.com"}))
    assert caught.value.reason.startswith("status: the value is not one of pre_transit,")
    assert "ann@example.com" not in caught.value.reason


@pytest.mark.parametrize(
    ("changes", "drop", "reason"),
    [
        ({}, ("event_id",), "event_id: missing"),
        (
            {"type": "parcel.exploded"},
            (),
            "type: 'parcel.exploded' is not one of order.created, order.updated,",
        ),
        ({"occurred_at": "noon"}, (), "occurred_at: Input should be a valid datetime"),
        ({"eta": "2026-02-30"}, (), "eta: Input should be a valid date"),
        ({"tracking_number": "1" * 101}, (), "tracking_number: String should have at most 100 characters"),
        ({"colour": "red"}, (), "colour: unknown field"),
        ({"data": [1]}, (), "data: Input should be a valid dictionary"),
    ],
)
def test_field_reasons(changes: dict, drop: tuple[str, ...], reason: str) -> None:
    with pytest.raises(PayloadError) as caught:
        parse_normalized(encode(changes, drop))
    assert caught.value.reason.startswith(reason)


def test_many_problems_are_summarised() -> None:
    with pytest.raises(PayloadError) as caught:
        parse_normalized(b"{}")
    assert caught.value.reason == "event_id: missing; source: missing; occurred_at: missing (and 1 more)"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty body"),
        (b"[]", "body: expected a JSON object"),
        (b"{", "malformed JSON at line 1 column 2"),
        (b'{"a": NaN}', "malformed JSON: NaN is not a JSON number"),
        (b"\xff\xfe{}", "body is not UTF-8 text"),
    ],
)
def test_malformed_bodies(body: bytes, reason: str) -> None:
    with pytest.raises(PayloadError) as caught:
        parse_normalized(body)
    assert caught.value.reason.startswith(reason)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#1001", "1001"),
        (" 1001 ", "1001"),
        ("EU-1001_b", "EU-1001_b"),
        ("10 01", None),
        ("#", None),
        (None, None),
        ("1" * 65, None),
    ],
)
def test_clean_order_number(text: str | None, expected: str | None) -> None:
    assert clean_order_number(text) == expected
