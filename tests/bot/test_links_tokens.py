"""Signed link tokens: round trip, tampering, expiry, format."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.links import TOKEN_CHARS, LinkError, customer_links, sign_link, verify_link

SECRET = "s3cret-for-tests"
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
EXPIRES = NOW + timedelta(days=30)


def test_round_trip_names_the_customer() -> None:
    token = sign_link(42, SECRET, EXPIRES)
    assert verify_link(token, SECRET, NOW) == 42


def test_token_fits_a_telegram_start_payload() -> None:
    token = sign_link(2**63 - 1, SECRET, EXPIRES)
    assert len(token) == TOKEN_CHARS <= 64
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
    assert verify_link(token, SECRET, NOW) == 2**63 - 1


def test_tokens_differ_per_customer_and_expiry() -> None:
    tokens = {
        sign_link(1, SECRET, EXPIRES),
        sign_link(2, SECRET, EXPIRES),
        sign_link(1, SECRET, EXPIRES + timedelta(seconds=1)),
    }
    assert len(tokens) == 3


def test_every_single_character_change_is_refused() -> None:
    token = sign_link(7, SECRET, EXPIRES)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for index, char in enumerate(token):
        for replacement in alphabet:
            if replacement == char:
                continue
            tampered = token[:index] + replacement + token[index + 1 :]
            assert verify_link(tampered, SECRET, NOW) is None, (index, replacement)


def test_another_secret_verifies_nothing() -> None:
    token = sign_link(7, SECRET, EXPIRES)
    assert verify_link(token, "other-secret", NOW) is None


def test_expired_token_verifies_nothing() -> None:
    token = sign_link(7, SECRET, EXPIRES)
    assert verify_link(token, SECRET, EXPIRES) == 7
    assert verify_link(token, SECRET, EXPIRES + timedelta(seconds=1)) is None


def test_naive_times_are_utc() -> None:
    token = sign_link(9, SECRET, EXPIRES.replace(tzinfo=None))
    assert verify_link(token, SECRET, EXPIRES.replace(tzinfo=None)) == 9
    assert verify_link(token, SECRET, EXPIRES + timedelta(seconds=1)) is None


@pytest.mark.parametrize(
    "token",
    ["", "abc", "x" * TOKEN_CHARS, "!" * TOKEN_CHARS, "A" * 64, None, 12345],
)
def test_malformed_tokens_verify_nothing(token: object) -> None:
    assert verify_link(token, SECRET, NOW) is None  # type: ignore[arg-type]


def test_truncated_or_extended_token_verifies_nothing() -> None:
    token = sign_link(7, SECRET, EXPIRES)
    assert verify_link(token[:-1], SECRET, NOW) is None
    assert verify_link(token + "A", SECRET, NOW) is None


@pytest.mark.parametrize("customer_id", [0, -1, 2**63])
def test_out_of_range_customer_is_refused(customer_id: int) -> None:
    with pytest.raises(LinkError):
        sign_link(customer_id, SECRET, EXPIRES)


def test_empty_secret_is_refused() -> None:
    with pytest.raises(LinkError):
        sign_link(1, "", EXPIRES)
    assert verify_link(sign_link(1, SECRET, EXPIRES), "", NOW) is None


def test_expiry_beyond_32_bit_time_is_refused() -> None:
    with pytest.raises(LinkError):
        sign_link(1, SECRET, datetime(2200, 1, 1, tzinfo=UTC))


def test_customer_links_share_one_token_and_expiry() -> None:
    links = customer_links(
        42,
        secret=SECRET,
        bot_username="@shop_bot",
        public_url="https://shop.example.test/",
        expires_at=EXPIRES.replace(microsecond=123456),
    )
    token = links.telegram.rsplit("=", 1)[1]
    assert links.telegram == f"https://t.me/shop_bot?start={token}"
    assert links.web == f"https://shop.example.test/?t={token}"
    assert links.expires_at == EXPIRES  # whole seconds, as the token carries it
    assert verify_link(token, SECRET, NOW) == 42
    assert links.to_dict() == {
        "telegram": links.telegram,
        "web": links.web,
        "expires_at": EXPIRES.isoformat(),
    }
