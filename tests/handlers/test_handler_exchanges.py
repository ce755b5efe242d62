"""Exchanges: which wordings ask for one, which items can be swapped, and what the shopper is told."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.exchanges import fits_badly, offer, wants_exchange
from handlers.return_rules import ItemEligibility
from handlers.returns import RefundStatusHandler
from storage.models import OrderItem
from tests.handlers.conversation_kit import Harness, handler_context


@pytest.mark.parametrize(
    "text",
    [
        "can I exchange it for a different size",
        "swap my jacket for another colour",
        "I'd like a bigger size instead",
        "could I trade it in for the blue one",
        "exchange pls",
        "can you send me the next size up",
        "size up please",
    ],
)
def test_exchange_wordings(text: str) -> None:
    assert wants_exchange(text)


@pytest.mark.parametrize(
    "text",
    ["I want to return it", "send it back for a refund", "return the mug set", "both", "the jacket", "it's broken"],
)
def test_plain_returns_are_not_exchanges(text: str) -> None:
    assert not wants_exchange(text)


@pytest.mark.parametrize(
    ("text", "fit"),
    [
        ("it doesn't fit", True),
        ("the shoes are too tight", True),
        ("I ordered the wrong size", True),
        ("these run small", True),
        ("it won't fit in my car", True),
        ("it arrived broken", False),
        ("I changed my mind", False),
    ],
)
def test_fit_problems(text: str, fit: bool) -> None:
    assert fits_badly(text) is fit


async def test_several_swappable_items_are_listed_to_pick_from(harness: Harness) -> None:
    async with harness.store.transaction() as repos:
        ctx = await handler_context(harness, repos, order_number="1011", verified_as="elif@example.com")
    last = date(2027, 1, 14)
    verdicts = [
        ItemEligibility(OrderItem(order_id=1, sku="JK-22", name="TrailShell Rain Jacket", category="apparel"), "ok", last),
        ItemEligibility(OrderItem(order_id=1, sku="BT-7", name="Trail Boots", category="footwear"), "ok", last),
        ItemEligibility(OrderItem(order_id=1, sku="KT-1", name="Kettle", category="kitchen-appliance"), "ok", last),
    ]

    outcome = offer(ctx, verdicts, {"reason": "swap"})

    assert outcome is not None
    assert outcome.replies[0].text.splitlines() == [
        "Which item from order #1011 would you like to exchange for another size or colour?",
        "• TrailShell Rain Jacket (until Thu 14 Jan)",
        "• Trail Boots (until Thu 14 Jan)",
    ]
    assert [b.payload for b in outcome.replies[0].buttons] == ["return:exchange:JK-22", "return:exchange:BT-7"]
    assert (outcome.await_step, outcome.data) == ("pick", {"reason": "swap", "exchange": True})
    assert offer(ctx, verdicts[2:], {}) is None  # a kettle is returned for a refund, not exchanged


async def test_refund_status_of_an_exchange_says_no_refund_is_due(harness: Harness) -> None:
    async with harness.store.transaction() as repos:
        ctx = await handler_context(harness, repos, order_number="1002", verified_as="ann@example.com")
        await repos.returns.create(
            order_id=int(ctx.order.order.id or 0),
            customer_id=ctx.customer_id,
            skus=["MG-12"],
            reason="wrong colour",
            exchange_for="the blue set",
        )
        outcome = await RefundStatusHandler().handle(ctx)

    text = outcome.replies[0].text
    assert "exchange #2 for Stoneware Mug Set of 4 was started" in text
    assert "so there's no refund: we send you the new one (the blue set)" in text
