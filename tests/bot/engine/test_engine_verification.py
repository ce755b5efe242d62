"""Contact matching for verification: email case-insensitively, phone by digits."""

from __future__ import annotations

from bot.engine.gate import number_variants
from bot.engine.verification import contact_matches, email_matches, phone_matches
from storage.models import Customer

ANN = Customer(email="ann@example.com", phone="+16175550100")


def test_email_matches_ignoring_case_and_spaces() -> None:
    assert email_matches(ANN, [" ANN@Example.COM "])
    assert not email_matches(ANN, ["ann@example.co", "anne@example.com"])


def test_phone_matches_by_digits_with_or_without_country_code() -> None:
    assert phone_matches(ANN, ["+1 (617) 555-0100"])
    assert phone_matches(ANN, ["617 555 0100"])
    assert not phone_matches(ANN, ["0100"])  # too short to mean anything
    assert not phone_matches(ANN, ["+1 617 555 0199"])
    assert not phone_matches(Customer(email="x@example.com", phone=None), ["617 555 0100"])


def test_either_contact_is_enough() -> None:
    assert contact_matches(ANN, ["wrong@example.com"], ["6175550100"])
    assert contact_matches(ANN, ["ann@example.com"], [])
    assert not contact_matches(ANN, [], [])


def test_order_number_variants() -> None:
    assert number_variants("#1042") == ["#1042", "1042"]
    assert number_variants("DS-1042") == ["DS-1042", "1042"]
    assert number_variants("1042") == ["1042"]
