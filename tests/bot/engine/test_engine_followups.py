"""Follow-up rules: short messages read with the conversation's state, before the fallback."""

from __future__ import annotations

import pytest

from bot.engine.followups import asks_for_other_order, chooses_a_remedy, follow_up_intent, refund_follow_up
from bot.engine.state import DialogueState
from handlers.context import ProductMention, Understanding


def said(text: str, **fields: object) -> Understanding:
    return Understanding(text=text, intent="out_of_scope", confidence=0.8, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "and my other order?",
        "what about the other one",
        "my other order",
        "And the second order please",
        "where is my other parcel?",
        "ok and my other orders",
        "Salamat po! Also po I ordered one more last week for my tita, can you check that one too?",
        "forget the router. wheres my other order, the kettle",
        "Ok fine. Also kindly tell status of my other order, the blender one, I am not having its number",
    ],
)
def test_other_order_phrasings(text: str) -> None:
    assert asks_for_other_order(said(text))


@pytest.mark.parametrize(
    "text",
    ["I want to return my other order", "where is my order", "the other one is broken", "other"],
)
def test_not_other_order_phrasings(text: str) -> None:
    assert not asks_for_other_order(said(text))


def test_an_order_number_or_a_button_is_never_the_other_order() -> None:
    assert not asks_for_other_order(said("and my other order 1002?", order_numbers=("1002",)))
    assert not asks_for_other_order(Understanding(payload="order:other"))


def test_status_questions_follow_a_status_answer_only() -> None:
    after_status = DialogueState(last_intent="order_status", order_number="1001")
    assert follow_up_intent(said("which carrier?"), after_status, verified=True) == "order_status"
    assert follow_up_intent(said("where is it now?"), after_status, verified=True) == "order_status"
    assert follow_up_intent(said("which carrier?"), DialogueState(), verified=True) is None
    no_order = DialogueState(last_intent="order_status")
    assert follow_up_intent(said("which carrier?"), no_order, verified=True) is None
    assert follow_up_intent(said("tell me a joke"), after_status, verified=True) is None


def test_symptoms_are_troubleshooting_with_a_product_a_setup_talk_or_a_verified_shopper() -> None:
    smell = said("it makes a weird smell")
    assert follow_up_intent(smell, DialogueState(), verified=False) is None
    assert follow_up_intent(smell, DialogueState(), verified=True) == "setup_help"
    assert follow_up_intent(smell, DialogueState(last_intent="setup_help"), verified=False) == "setup_help"
    kettle = said("the kettle makes a weird smell", products=(ProductMention("KT-200", "Kettle Pro 200"),))
    assert follow_up_intent(kettle, DialogueState(), verified=False) == "setup_help"
    # words about the parcel itself stay with the NLU (delivery problems), and so do near-domain topics
    assert follow_up_intent(said("the parcel arrived broken"), DialogueState(), verified=True) is None
    paying = said("I get an error when paying", topic="payment")
    assert follow_up_intent(paying, DialogueState(), verified=True) is None


@pytest.mark.parametrize(
    ("text", "chosen"),
    [
        ("replacement pls", True),
        ("I think a refund would suit me best. Warm regards, Betty", True),
        ("a replacement works for me", True),
        ("how long does a refund take", False),
        ("is a replacement possible?", False),
    ],
)
def test_a_remedy_chosen_after_a_lost_parcel(text: str, chosen: bool) -> None:
    state = DialogueState(last_intent="order_status", order_number="1009")
    assert chooses_a_remedy(said(text), state) is chosen


def test_the_refund_processing_after_a_refund_answer_is_that_refund() -> None:
    state = DialogueState(last_intent="refund_status", order_number="1011")
    assert refund_follow_up(said("processing since forever. just hit the button already"), state)
    assert not refund_follow_up(said("processing since forever"), DialogueState(last_intent="order_status", order_number="1011"))
