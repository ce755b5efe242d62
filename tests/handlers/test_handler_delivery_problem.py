"""delivery_problem: kinds of problem, cases and handoffs."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from handlers.delivery_problem import (
    COUNTS_AS_LOST,
    DeliveryProblemHandler,
    detect_kind,
    turned_up,
    wanted_after_return,
)
from handlers.messages import Attachment
from storage.models import Case, Handoff
from tests.handlers.conversation_kit import Harness, handler_context, shared_knowledge


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("the box arrived crushed", "damaged"),
        ("the box was wet", "damaged"),
        ("my mug is cracked", "damaged"),
        ("you sent me the wrong size", "wrong_item"),
        ("this is not what I ordered", "wrong_item"),
        ("an item was missing from the parcel", "missing_item"),
        ("tracking says delivered but nothing here", "not_received"),
        ("I never received it", "not_received"),
        ("the carrier lost my parcel", "lost"),
        ("it's really late", "late"),
        ("still waiting for it", "late"),
        ("tracking hasn't moved in days", "late"),
        ("no tracking update since monday", "late"),
        ("can you chase the courier", "late"),
        ("something went wrong with my delivery", None),
        ("hello", None),
    ],
)
def test_detect_kind(text: str, kind: str | None) -> None:
    assert detect_kind(text) == kind


async def test_damaged_description_opens_case_with_photo_and_handoff(harness: Harness) -> None:
    handler = DeliveryProblemHandler()
    async with harness.store.transaction() as repos:
        ctx = await handler_context(
            harness,
            repos,
            order_number="1002",
            verified_as="ann@example.com",
            step="describe",
            data={"kind": "damaged"},
            text="the glass jug is shattered",
            attachments=(Attachment(kind="photo", file_id="ph-1", file_name="jug.jpg"),),
        )
        outcome = await handler.handle(ctx)
        cases = list((await repos.cases._session.execute(select(Case))).scalars())
        handoffs = list((await repos.handoffs._session.execute(select(Handoff))).scalars())
    assert outcome.await_step is None
    assert outcome.replies[0].text.startswith("Thank you, and sorry again. I've opened case #1")
    assert [(c.kind, c.description, c.attachments) for c in cases] == [
        (
            "damaged",
            "the glass jug is shattered",
            [{"kind": "photo", "file_id": "ph-1", "file_name": "jug.jpg"}],
        )
    ]
    assert handoffs[0].reason == "Damaged item reported on order #1002 (case #1)"
    assert ctx.handoff is not None and ctx.handoff.created and ctx.handoff.handoff_id == handoffs[0].id


async def test_unknown_kind_asks_with_buttons_then_re_asks(harness: Harness) -> None:
    handler = DeliveryProblemHandler()
    async with harness.store.transaction() as repos:
        ctx = await handler_context(
            harness, repos, order_number="1001", verified_as="ann@example.com", text="help"
        )
        first = await handler.handle(ctx)
        ctx.step = "kind"
        second = await handler.handle(ctx)
    assert first.await_step == "kind" and len(first.replies[0].buttons) == 5
    assert second.replies[0].text.startswith("Sorry, I didn't catch that")
    assert second.replies[0].buttons[-1].payload == "intent:human_agent"


async def test_not_received_on_an_undelivered_parcel_is_treated_as_late(harness: Harness) -> None:
    async with harness.store.transaction() as repos:
        ctx = await handler_context(
            harness, repos, order_number="1004", verified_as="bob@example.com", payload="problem:not_received"
        )
        outcome = await DeliveryProblemHandler().handle(ctx)
        cases = await repos.cases.open_for_order(order_id=ctx.order.order.id)
    assert "was promised by Saturday 21 November" in outcome.replies[0].text
    assert [c.kind for c in cases] == ["late"]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("it says delivered but my neighbour has it", True),
        ("found it in the bin store, it says delivered", True),
        ("it says delivered but I never got it", False),
        ("it says delivered but my neighbour doesn't have it", False),
        ("marked delivered, I haven't found it anywhere", False),
    ],
)
def test_a_parcel_that_turned_up_is_told_apart_from_one_still_missing(text: str, found: bool) -> None:
    assert turned_up(text) is found


def test_when_a_parcel_counts_as_lost_is_said_as_the_lost_parcels_article_says() -> None:
    body = " ".join(shared_knowledge().base.by_id("lost-parcel").body.split())
    assert COUNTS_AS_LOST in body


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("refund please", "refund"),
        ("Replacement only I will take, money back not required", "resend"),
        ("no refund, just send a new one", "resend"),
        ("I don't want a replacement, give me my money back", "refund"),
        ("hmm not sure", None),
        ("Before I choose: how long would a replacement take, and would a refund go back to my card?", None),
        ("how soon would a replacement come? if it's quick I'll take it", None),
    ],
)
def test_the_remedy_wanted_leaves_out_one_turned_down(text: str, wanted: str | None) -> None:
    assert wanted_after_return(text) == wanted


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("my neighbour had it all along", True),
        ("found it behind the bins", True),
        ("cancel it. found it cheaper somewhere else", False),
        ("I found it for less on another site", False),
    ],
)
def test_a_parcel_turned_up(text: str, found: bool) -> None:
    assert turned_up(text) is found
