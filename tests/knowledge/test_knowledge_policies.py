"""Typed policies read from policy articles."""

from __future__ import annotations

import pytest

from knowledge import PolicyError, ReturnPolicy, ShippingPolicy


def test_return_policy_windows_by_category() -> None:
    policy = ReturnPolicy.from_mapping(
        {
            "return_window_days": {"default": 30, "apparel": 60},
            "non_returnable_categories": ["gift-card"],
            "opened_electronics_fee_percent": 0,
        }
    )

    assert policy.window_days("apparel") == 60
    assert policy.window_days("kitchen-appliance") == 30
    assert policy.window_days(None) == 30
    assert policy.is_returnable("apparel") is True
    assert policy.is_returnable("gift-card") is False
    assert policy.opened_electronics_fee_percent == 0.0
    assert policy.is_exchangeable("apparel") is False  # no exchangeable_categories: no exchanges


def test_exchangeable_categories() -> None:
    policy = ReturnPolicy.from_mapping(
        {
            "return_window_days": 30,
            "non_returnable_categories": ["gift-card"],
            "exchangeable_categories": ["apparel", "footwear", "gift-card"],
        }
    )

    assert policy.is_exchangeable("footwear") is True
    assert policy.is_exchangeable("kitchen-appliance") is False
    assert policy.is_exchangeable(None) is False
    assert policy.is_exchangeable("gift-card") is False  # what can't be returned can't be exchanged


def test_a_single_window_for_everything() -> None:
    assert ReturnPolicy.from_mapping({"return_window_days": 14}).window_days("footwear") == 14


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({}, "'return_window_days' must be a number of days or a mapping with 'default'"),
        (
            {"return_window_days": {"default": -1}},
            "'return_window_days.default' must be a whole number of 0 or more",
        ),
        (
            {"return_window_days": 30, "non_returnable_categories": "gift-card"},
            "'non_returnable_categories' must be",
        ),
        (
            {"return_window_days": 30, "exchangeable_categories": "apparel"},
            "'exchangeable_categories' must be",
        ),
        (
            {"return_window_days": 30, "collected_categories": "furniture"},
            "'collected_categories' must be",
        ),
        (
            {"return_window_days": 30, "opened_electronics_fee_percent": 150},
            "'opened_electronics_fee_percent' must",
        ),
    ],
)
def test_bad_return_policy_shapes(mapping: dict[str, object], message: str) -> None:
    with pytest.raises(PolicyError) as caught:
        ReturnPolicy.from_mapping(mapping)

    assert caught.value.message.startswith(message)


def test_shipping_policy() -> None:
    policy = ShippingPolicy.from_mapping({"standard_delivery_days": 5, "express_delivery_days": 2})

    assert (policy.standard_delivery_days, policy.express_delivery_days) == (5, 2)
    with pytest.raises(PolicyError, match="'express_delivery_days' is missing"):
        ShippingPolicy.from_mapping({"standard_delivery_days": 5})
