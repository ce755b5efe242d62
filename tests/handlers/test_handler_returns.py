"""Returns: eligibility from delivery date, window and category; the policy from the KB."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.return_rules import eligibility, policy_summary
from handlers.returns import (
    FURNITURE_MOVING_PARTS_YEARS,
    REFUND_AMOUNT,
    REFUND_GOES_BACK,
    REFUND_HURRY,
    REFUND_NO_PROMISE,
    REFUND_ORDER_NOW,
    REFUND_TOLD,
    RETURN_ADDRESS_ANSWER,
    WARRANTY_YEARS,
    RefundStatusHandler,
    ReturnRequestHandler,
    refund_timing_question,
)
from knowledge.policies import ReturnPolicy
from tests.handlers.conversation_kit import TODAY, Harness, handler_context, shared_knowledge

POLICY = ReturnPolicy(
    default_window_days=30,
    window_days_by_category={"apparel": 60},
    non_returnable_categories=frozenset({"gift-card"}),
    opened_electronics_fee_percent=0,
)


async def _details(kit: Harness, number: str):  # type: ignore[no-untyped-def]
    async with kit.store.transaction() as repos:
        return await repos.orders.details_by_number(order_number=number)


async def test_eligibility_per_item(harness: Harness) -> None:
    delivered = await _details(harness, "1002")
    verdicts = eligibility(delivered, POLICY, TODAY)
    assert [(v.item.sku, v.verdict, v.last_day) for v in verdicts] == [
        ("ES-900", "ok", date(2026, 12, 22)),
        ("MG-12", "ok", date(2026, 12, 22)),
    ]
    old = await _details(harness, "1005")
    assert [(v.item.sku, v.verdict) for v in eligibility(old, POLICY, TODAY)] == [
        ("GC-50", "non_returnable"),
        ("TS-01", "window_closed"),
    ]
    assert eligibility(old, POLICY, date(2026, 10, 31))[1].verdict == "ok"  # the last day still counts
    travelling = await _details(harness, "1001")
    assert eligibility(travelling, POLICY, TODAY)[0].verdict == "not_delivered"
    cancelled = await _details(harness, "1006")
    assert eligibility(cancelled, POLICY, TODAY)[0].verdict == "cancelled"


def test_policy_summary_uses_the_knowledge_base_numbers() -> None:
    assert policy_summary(POLICY) == (
        "Most items can be returned within 30 days of delivery. Clothing: 60 days. Gift cards can't be returned. "
        "Returns are free, even for opened electronics."
    )
    assert "Clothing and shoes: 60 days" in policy_summary(shared_knowledge().base.return_policy())


async def test_return_request_creates_the_request_for_the_pressed_item(harness: Harness) -> None:
    handler = ReturnRequestHandler()
    async with harness.store.transaction() as repos:
        ctx = await handler_context(
            harness, repos, order_number="1002", verified_as="ann@example.com", text="return it"
        )
        listed = await handler.handle(ctx)
        ctx.step, ctx.data = listed.await_step, listed.data
        ctx.understanding = type(ctx.understanding)(payload="return:item:ES-900")
        done = await handler.handle(ctx)
        returns = await repos.returns.for_order(order_id=ctx.order.order.id)
    assert listed.await_step == "pick" and listed.data == {"reason": "return it"}
    assert [b.payload for b in listed.replies[0].buttons] == [
        "return:item:ES-900",
        "return:item:MG-12",
        "return:all",
    ]
    assert done.replies[0].text.startswith("Done: return #2 is started for Barista Pro Espresso Machine")
    assert [(r.skus, r.reason) for r in returns] == [(["ES-900"], "return it")]


async def test_refund_status_from_order_state(harness: Harness) -> None:
    async with harness.store.transaction() as repos:
        issued = await RefundStatusHandler().handle(
            await handler_context(harness, repos, order_number="1006", verified_as="carla@example.com")
        )
        none = await RefundStatusHandler().handle(
            await handler_context(harness, repos, order_number="1002", verified_as="ann@example.com")
        )
        travelling = await RefundStatusHandler().handle(
            await handler_context(harness, repos, order_number="1001", verified_as="ann@example.com")
        )
    assert "has been issued" in issued.replies[0].text
    assert "no refund on order #1002 yet" in none.replies[0].text
    assert "no refund on order #1001, as it hasn't arrived yet" in travelling.replies[0].text


async def test_a_large_item_is_collected_from_home_not_posted_with_a_label(harness: Harness) -> None:
    from datetime import UTC, datetime

    from storage.domain import ShipmentStatus

    async with harness.store.transaction() as repos:
        ctx = await handler_context(
            harness, repos, order_number="1010", verified_as="elif@example.com", payload="return:item:CH-50"
        )
        assert ctx.order is not None and ctx.order.items[0].category == "furniture"
        ctx.order.shipments[0].status = ShipmentStatus.DELIVERED  # the chair arrived yesterday
        ctx.order.shipments[0].delivered_at = datetime(2026, 11, 22, 12, tzinfo=UTC)
        outcome = await ReturnRequestHandler().handle(ctx)
        handoff = await repos.handoffs.open_for_conversation(conversation_id=ctx.conversation_id)

    text = outcome.replies[0].text
    assert "ErgoSeat Office Chair is collected from your home, so there's no label to print" in text
    assert "arrange a collection date" in text
    assert "drop-off point" not in text and "return label" not in text
    assert handoff is not None and "arrange a home collection of ErgoSeat Office Chair" in handoff.reason


def test_the_policy_collects_what_the_how_to_return_article_says_is_collected() -> None:
    policy = shared_knowledge().base.return_policy()
    article = shared_knowledge().base.by_id("how-to-return").body
    assert "standing desks and office chairs are collected from your home" in article
    assert policy.is_collected("furniture") and not policy.is_collected("kitchen")


async def test_without_a_staff_channel_the_collection_is_arranged_by_email(harness: Harness) -> None:
    from datetime import UTC, datetime

    from handlers.support import SupportDesk
    from storage.domain import ShipmentStatus

    async with harness.store.transaction() as repos:
        ctx = await handler_context(
            harness, repos, order_number="1010", verified_as="elif@example.com", payload="return:item:CH-50"
        )
        assert ctx.order is not None
        ctx.support = SupportDesk(staffed=False)
        ctx.order.shipments[0].status = ShipmentStatus.DELIVERED
        ctx.order.shipments[0].delivered_at = datetime(2026, 11, 22, 12, tzinfo=UTC)
        outcome = await ReturnRequestHandler().handle(ctx)
        handoff = await repos.handoffs.open_for_conversation(conversation_id=ctx.conversation_id)

    assert "our team will contact you by email within one business day" in outcome.replies[0].text
    assert handoff is None


def test_where_a_refund_goes_is_said_as_the_refunds_article_says() -> None:
    body = " ".join(shared_knowledge().base.by_id("refunds").body.split())
    assert REFUND_GOES_BACK in body


def test_the_returns_address_answer_and_the_how_to_return_article_agree() -> None:
    body = " ".join(shared_knowledge().base.by_id("how-to-return").body.split())
    assert "We send you a prepaid return label by email." in body
    assert "prepaid return label by email" in RETURN_ADDRESS_ANSWER


def test_the_refund_amount_answer_and_the_refunds_article_agree() -> None:
    body = " ".join(shared_knowledge().base.by_id("refunds").body.split())
    assert "You receive a message when the refund is issued, with the amount." in body
    assert REFUND_AMOUNT.startswith("You receive a message when the refund is issued, with the amount.")


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("Can you make it faster po?", REFUND_HURRY),
        ("do I get an email when its done or do I gotta keep checking", REFUND_TOLD),
        ("I want to buy it again in a bigger size. I must wait for refund first?", REFUND_ORDER_NOW),
        ("3-5 days plus the bank?? rent's due on the 1st", REFUND_NO_PROMISE),
        ("when will my refund come", None),  # the status answers it
        ("which card will it go to", None),
    ],
)
def test_refund_timing_questions(text: str, answer: str | None) -> None:
    assert refund_timing_question(text) == answer


def test_being_told_of_the_refund_is_said_as_the_refunds_article_says() -> None:
    body = " ".join(shared_knowledge().base.by_id("refunds").body.split())
    assert "You receive a message when the refund is issued, with the amount." in body
    assert REFUND_TOLD.endswith("you get a message when the refund is issued, with the amount.")


def test_the_warranty_years_and_the_warranty_article_agree() -> None:
    body = " ".join(shared_knowledge().base.by_id("warranty").body.split())
    appliance_years = {years for category, years in WARRANTY_YEARS.items() if category != "furniture"}
    assert appliance_years == {2}
    assert "Every appliance and electronic product we sell has a **2-year warranty** from the date of delivery." in body
    assert f"Furniture has a {WARRANTY_YEARS['furniture']}-year warranty on the frame and mechanisms" in body
    assert f"and {FURNITURE_MOVING_PARTS_YEARS} years on moving parts" in body

