"""order_status: the words for every shipment state, from real order rows."""

from __future__ import annotations

import pytest

from handlers.order_facts import has_shipped, lateness, unshipped_items
from handlers.order_status import (
    PICKUP_HOLD_DAYS,
    REFUSE_LATE,
    OrderStatusHandler,
    answer_follow_up,
    asks_about_packaging,
    asks_beyond_the_status,
    asks_if_the_carrier_calls,
    asks_if_the_date_holds,
    covers_the_question,
    describe_order,
    question_focus,
)
from tests.handlers.conversation_kit import TODAY, Harness, handler_context, shared_knowledge


async def _describe(kit: Harness, number: str) -> tuple[str, list[str], list[str]]:
    async with kit.store.transaction() as repos:
        details = await repos.orders.details_by_number(order_number=number)
    assert details is not None
    reply = describe_order(details, TODAY)
    return reply.text, [b.payload for b in reply.buttons], [link.url for link in reply.links]


async def test_in_transit_with_last_scan(harness: Harness) -> None:
    text, buttons, links = await _describe(harness, "1001")
    assert text == (
        "Your Kettle Pro 200 (order #1001) is on its way. Expected delivery: Wednesday 25 November. "
        "Last scan in Hartford, CT today at 06:12. UPS tracking number: 1Z999AA10000001001."
    )
    assert buttons == [] and links == ["https://track.example.test/1Z999AA10000001001"]


async def test_late_parcel_apologises_with_new_date_and_options(harness: Harness) -> None:
    text, buttons, _ = await _describe(harness, "1004")
    assert "I'm sorry, it's running late: we promised it by Saturday 21 November." in text
    assert "The carrier now expects to deliver it Wednesday 25 November." in text
    assert buttons == ["problem:late", "intent:human_agent"]


async def test_delivered_offers_didnt_get_it(harness: Harness) -> None:
    text, buttons, _ = await _describe(harness, "1002")
    assert text == (
        "Your Barista Pro Espresso Machine and Stoneware Mug Set of 4 (order #1002) were delivered "
        "yesterday at 10:00 by UPS."
    )
    assert buttons == ["problem:not_received", "intent:human_agent"]


async def test_not_shipped_backordered_and_cancelled(harness: Harness) -> None:
    text, _, links = await _describe(harness, "1003")
    assert "hasn't shipped yet. We expect to ship it tomorrow." in text and links == []
    text, buttons, _ = await _describe(harness, "1007")
    assert "on backorder until Saturday 5 December" in text and "intent:cancel_order" in buttons
    text, buttons, _ = await _describe(harness, "1006")
    assert text.startswith("Order #1006 was cancelled") and "intent:refund_status" in buttons


async def test_order_facts(harness: Harness) -> None:
    async with harness.store.transaction() as repos:
        late = await repos.orders.details_by_number(order_number="1004")
        fresh = await repos.orders.details_by_number(order_number="1003")
        split = await repos.orders.details_by_number(order_number="1008")
    assert late and fresh and split
    info = lateness(late.shipments[0], TODAY)
    assert (
        info is not None
        and info.promised_by.isoformat() == "2026-11-21"
        and info.new_eta.isoformat() == "2026-11-25"
    )
    assert lateness(split.shipments[1], TODAY) is None
    assert has_shipped(late) and not has_shipped(fresh)
    assert [i.sku for i in unshipped_items(fresh)] == ["SD-140"] and unshipped_items(split) == []


async def test_handler_needs_an_order_and_ends_the_flow(harness: Harness) -> None:
    async with harness.store.transaction() as repos:
        ctx = await handler_context(harness, repos, order_number="1010", verified_as="elif@example.com")
        handler = OrderStatusHandler()
        assert handler.order_need(ctx).value == "required"
        outcome = await handler.handle(ctx)
    assert outcome.await_step is None
    assert outcome.replies[0].text == (
        "Your ErgoSeat Office Chair (order #1010) is out for delivery today. UPS tracking number: 1Z999AA10000001010."
    )


@pytest.mark.parametrize(
    ("text", "focus"),
    [
        ("when will it arrive?", "eta"),
        ("when does it get here", "eta"),
        ("how many more days?", "eta"),
        ("which carrier?", "carrier"),
        ("who is delivering it", "carrier"),
        ("tracking number?", "tracking"),
        ("what's the tracking code", "tracking"),
        ("where is it now?", "location"),
        ("where exactly is my parcel", "location"),
        ("where do I pick it up", "pickup"),
        ("what should I bring", "pickup"),
        ("do I need my ID", "pickup"),
        ("how long will they keep it for me", "pickup"),
        ("how long will it take", "eta"),
        ("can my wife pick it up for me", "pickup"),
        ("when will it be back in stock", "eta"),
        ("is it going to be late", "eta"),
        ("will it arrive on time?", "eta"),
        ("what's going on with it?", "reason"),
        ("what does in transit mean", "meaning"),
        ("what does the orange light mean", None),
        ("whats the problem", "reason"),
        ("what's going on in the world", None),
        ("where is my order", None),
        ("thanks", None),
        ("nothing on the porch. where'd they put it??", "proof"),
        ("where did the driver leave my parcel", "proof"),
        ("can i just pick it up somewhere??", "pickup"),
        ("can I pick it up from your warehouse", None),  # from the shop, not the carrier
    ],
)
def test_question_focus(text: str, focus: str | None) -> None:
    assert question_focus(text) == focus


@pytest.mark.parametrize(
    ("text", "packaging", "calls"),
    [
        ("does the box say kettle on it tho?", True, False),
        ("is the packaging discreet", True, False),
        ("will the driver ring me before he comes", False, True),
        ("does UPS text you on the day?", False, True),
        ("can you call me", False, False),  # the shopper asking for a call: a person
        ("the box was crushed", False, False),
    ],
)
def test_the_parcel_outside_and_the_carrier_calling(text: str, packaging: bool, calls: bool) -> None:
    assert (asks_about_packaging(text), asks_if_the_carrier_calls(text)) == (packaging, calls)


@pytest.mark.parametrize(
    ("text", "beyond"),
    [
        ("Does running late mean something happened to it? Will it still arrive in one piece?", True),
        ("You say DHL, yet the number looks like a UPS one. Which firm really has the parcel?", True),
        ("when will it arrive? I need it for a birthday on friday", False),  # the day: the status answers it
        ("what happens now?", False),  # short
        ("i orderd it ages ago and its stil not shiped?? my bak is kiling me", False),  # the wait: the status answers
        ("I will be at work all day on wednesday so nobody can take it in", False),  # no question
    ],
)
def test_a_question_beyond_the_status(text: str, beyond: bool) -> None:
    assert asks_beyond_the_status(text) is beyond


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("The new date is sure or it can change again?", True),
        ("5th December is sure or again it may extend?", True),
        ("is the date guaranteed?", True),
        ("can it change again", True),
        ("are you sure it's the right address", False),
        ("can I change the date", False),  # the shopper changing it: another delivery day
    ],
)
def test_whether_the_date_holds(text: str, asks: bool) -> None:
    assert asks_if_the_date_holds(text) is asks


def test_a_passage_covers_a_question_only_with_several_of_its_words() -> None:
    question = "Does running late mean something happened to it? Will it still arrive in one piece?"
    assert not covers_the_question(question, "For late express orders we refund the express shipping fee.")
    assert covers_the_question(
        "what if the lost parcel turns up after the replacement?",
        "If the lost parcel turns up after we sent a replacement, you can keep it or refuse it.",
    )


async def test_follow_up_answers_only_after_a_status_answer(harness: Harness) -> None:
    async with harness.store.transaction() as repos:
        ctx = await handler_context(
            harness, repos, order_number="1001", verified_as="ann@example.com", text="which carrier?"
        )
        first = await OrderStatusHandler().handle(ctx)
        ctx.last_intent = "order_status"
        again = await OrderStatusHandler().handle(ctx)
    assert first.replies[0].text.startswith("Your Kettle Pro 200 (order #1001) is on its way.")
    assert again.replies[0].text == "Your Kettle Pro 200 is travelling with UPS."


def test_the_offer_for_a_late_parcel_and_the_delays_article_agree() -> None:
    body = " ".join(shared_knowledge().base.by_id("delivery-delays").body.split())
    assert (
        "If you no longer need the items because they are late, you can refuse the delivery or return them "
        "free of charge for a full refund." in body
    )
    assert "you can refuse the delivery or send it back free of charge, and we refund you in full" in REFUSE_LATE


def test_the_pickup_answer_and_the_pickup_points_article_agree() -> None:
    body = shared_knowledge().base.by_id("pickup-points").body
    assert f"Parcels are held for {PICKUP_HOLD_DAYS} days" in body
    assert "a photo ID in the name on the order" in body


async def test_a_follow_up_about_an_item_named_with_an_article_reads_well(harness: Harness) -> None:
    async with harness.store.transaction() as repos:
        details = await repos.orders.details_by_number(order_number="1010")
    assert details is not None
    details.items[0].name = "The Home Barista Book"

    reply = answer_follow_up(details, question_focus("what time will the driver come") or "", TODAY)

    assert reply.text == "The Home Barista Book is out for delivery, so it should arrive today."
