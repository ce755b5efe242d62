"""Every provider status word maps to the documented normalized status."""

from __future__ import annotations

import pytest

from bot.integrations import IntegrationError, Provider, map_status
from bot.integrations.statuses import (
    AFTERSHIP_SUBTAG_REFINEMENTS,
    AFTERSHIP_TAGS,
    EASYPOST_DETAIL_REFINEMENTS,
    EASYPOST_STATUSES,
    SHOPIFY_STATUSES,
)
from storage.domain import ShipmentStatus as S

SHOPIFY_EXPECTED = {
    "label_printed": S.PRE_TRANSIT,
    "label_purchased": S.PRE_TRANSIT,
    "confirmed": S.PRE_TRANSIT,
    "in_transit": S.IN_TRANSIT,
    "carrier_picked_up": S.IN_TRANSIT,
    "out_for_delivery": S.OUT_FOR_DELIVERY,
    "attempted_delivery": S.ATTEMPT_FAILED,
    "ready_for_pickup": S.AVAILABLE_FOR_PICKUP,
    "picked_up": S.DELIVERED,
    "delivered": S.DELIVERED,
    "delayed": S.DELAYED,
    "failure": S.EXCEPTION,
}
EASYPOST_EXPECTED = {
    "unknown": S.PRE_TRANSIT,
    "pre_transit": S.PRE_TRANSIT,
    "in_transit": S.IN_TRANSIT,
    "out_for_delivery": S.OUT_FOR_DELIVERY,
    "available_for_pickup": S.AVAILABLE_FOR_PICKUP,
    "delivered": S.DELIVERED,
    "return_to_sender": S.RETURNED_TO_SENDER,
    "failure": S.EXCEPTION,
    "cancelled": S.EXCEPTION,
    "canceled": S.EXCEPTION,
    "error": S.EXCEPTION,
}
AFTERSHIP_EXPECTED = {
    "Pending": S.PRE_TRANSIT,
    "InfoReceived": S.PRE_TRANSIT,
    "InTransit": S.IN_TRANSIT,
    "OutForDelivery": S.OUT_FOR_DELIVERY,
    "AttemptFail": S.ATTEMPT_FAILED,
    "Delivered": S.DELIVERED,
    "AvailableForPickup": S.AVAILABLE_FOR_PICKUP,
    "Exception": S.EXCEPTION,
    "Expired": S.EXCEPTION,
}
# SOURCES.md lists each provider's vocabulary; the tables must cover all of it
SOURCES_SHOPIFY = (
    "label_printed, label_purchased, confirmed, in_transit, out_for_delivery, attempted_delivery, "
    "ready_for_pickup, picked_up, delivered, delayed, carrier_picked_up, failure"
).split(", ")
SOURCES_EASYPOST = (
    "unknown, pre_transit, in_transit, out_for_delivery, available_for_pickup, delivered, "
    "return_to_sender, failure, cancelled, error"
).split(", ")
SOURCES_AFTERSHIP = (
    "Pending, InfoReceived, InTransit, OutForDelivery, AttemptFail, Delivered, AvailableForPickup, Exception, Expired"
).split(", ")


def test_tables_cover_the_documented_vocabularies_exactly() -> None:
    assert set(SHOPIFY_STATUSES) == set(SOURCES_SHOPIFY)
    assert set(EASYPOST_STATUSES) == {*SOURCES_EASYPOST, "canceled"}
    assert set(AFTERSHIP_TAGS) == set(SOURCES_AFTERSHIP)


@pytest.mark.parametrize(("word", "expected"), SHOPIFY_EXPECTED.items())
def test_shopify_word(word: str, expected: S) -> None:
    assert map_status("shopify", word) == (expected, None)
    assert map_status(Provider.SHOPIFY, word.upper()) == (expected, None)  # GraphQL spelling


@pytest.mark.parametrize(("word", "expected"), EASYPOST_EXPECTED.items())
def test_easypost_word(word: str, expected: S) -> None:
    assert map_status("easypost", word) == (expected, None)


@pytest.mark.parametrize(("word", "expected"), AFTERSHIP_EXPECTED.items())
def test_aftership_tag(word: str, expected: S) -> None:
    assert map_status("aftership", word) == (expected, None)
    assert map_status("aftership", f" {word.lower()} ") == (expected, None)


@pytest.mark.parametrize(
    ("subtag", "expected"),
    [
        ("Exception_004", S.DELAYED),
        ("Exception_005", S.DELAYED),
        ("Exception_010", S.RETURNED_TO_SENDER),
        ("Exception_011", S.RETURNED_TO_SENDER),
        ("Exception_013", S.LOST),
        ("Exception_016", S.DELAYED),
        ("Exception_017", S.DELAYED),
    ],
)
def test_aftership_subtag_refines_exception(subtag: str, expected: S) -> None:
    assert map_status("aftership", "Exception", subtag) == (expected, None)


@pytest.mark.parametrize(
    "subtag",
    [
        "Exception_001",
        "Exception_002",
        "Exception_003",
        "Exception_006",
        "Exception_007",
        "Exception_008",
        "Exception_009",
        "Exception_012",
        "Exception_099",
    ],
)
def test_other_aftership_exception_subtags_stay_exception(subtag: str) -> None:
    assert map_status("aftership", "Exception", subtag) == (S.EXCEPTION, None)


def test_every_refinement_entry_is_exercised() -> None:
    assert {k: map_status("aftership", "Exception", k)[0] for k in AFTERSHIP_SUBTAG_REFINEMENTS} == (
        AFTERSHIP_SUBTAG_REFINEMENTS
    )
    assert {k: map_status("easypost", "in_transit", k)[0] for k in EASYPOST_DETAIL_REFINEMENTS} == (
        EASYPOST_DETAIL_REFINEMENTS
    )


@pytest.mark.parametrize(
    ("status", "detail", "expected"),
    [
        ("in_transit", "lost", S.LOST),
        ("failure", "lost", S.LOST),
        ("in_transit", "delayed", S.DELAYED),
        ("in_transit", "return", S.RETURNED_TO_SENDER),
        ("in_transit", "damaged", S.EXCEPTION),
        ("in_transit", "arrived_at_pickup_location", S.AVAILABLE_FOR_PICKUP),
        ("in_transit", "arrived_at_destination", S.IN_TRANSIT),
        ("in_transit", "status_update", S.IN_TRANSIT),
        ("delivered", "damaged", S.DELIVERED),  # a delivered parcel stays delivered
        ("delivered", "lost", S.DELIVERED),
        ("return_to_sender", "delayed", S.RETURNED_TO_SENDER),
        ("available_for_pickup", "delayed", S.AVAILABLE_FOR_PICKUP),
    ],
)
def test_easypost_status_detail_refines_only_vague_statuses(status: str, detail: str, expected: S) -> None:
    assert map_status("easypost", status, detail) == (expected, None)


def test_delivered_tag_is_not_overridden_by_a_refinement_subtag() -> None:
    assert map_status("aftership", "Delivered", "Exception_013") == (S.DELIVERED, None)


@pytest.mark.parametrize("provider", list(Provider))
@pytest.mark.parametrize("word", ["teleported", "", "IN TRANSIT", "in-transit"])
def test_unknown_word_falls_back_to_exception_with_raw_word(provider: Provider, word: str) -> None:
    assert map_status(provider, word) == (S.EXCEPTION, word)


def test_unknown_word_keeps_raw_word_even_when_detail_refines() -> None:
    assert map_status("easypost", "vanished", "lost") == (S.LOST, "vanished")


def test_shopify_has_no_detail_table() -> None:
    assert map_status("shopify", "in_transit", "lost") == (S.IN_TRANSIT, None)


def test_unknown_provider_is_an_integration_error() -> None:
    with pytest.raises(IntegrationError, match="unknown provider 'fedex'"):
        map_status("fedex", "delivered")
