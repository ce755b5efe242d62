"""Dialogue policy rules: global commands, idle routing and topic switches."""

from __future__ import annotations

import pytest

from bot.engine.policy import (
    asks_for_a_person,
    asks_which_of_several_orders,
    asks_why_details_needed,
    clear_request,
    describes_the_order,
    entity_only,
    finding_the_number,
    greeting_or_goodbye_in_another_language,
    idle_intent,
    picks_from_a_list,
    topic_switch,
    wants_cancel,
    wants_compensation,
    wants_human,
    wants_menu,
    wants_preferences,
    wants_stop_notifications,
    wants_to_leave_handoff,
)
from handlers.context import ProductMention, Understanding


def said(text: str, intent: str | None = None, confidence: float = 0.0, **entities: object) -> Understanding:
    return Understanding(text=text, intent=intent, confidence=confidence, **entities)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text", ["agent", "Human!", "talk to a person", "I want to speak to a human please", "live agent"]
)
def test_human_requests(text: str) -> None:
    assert wants_human(said(text))


@pytest.mark.parametrize("text", ["the agent left it at the door", "my husband is a human", ""])
def test_not_human_requests(text: str) -> None:
    assert not wants_human(said(text))


@pytest.mark.parametrize("text", ["cancel", "stop that", "Never mind", "nevermind.", "forget it"])
def test_cancel_words(text: str) -> None:
    assert wants_cancel(said(text))


def test_cancel_button_and_not_cancel_sentences() -> None:
    assert wants_cancel(Understanding(payload="cancel"))
    assert not wants_cancel(said("cancel my order"))


def test_stop_and_menu_words() -> None:
    assert wants_stop_notifications(said("/stop")) and wants_stop_notifications(said("unsubscribe"))
    assert not wants_stop_notifications(said("stop sending me shipping updates"))
    assert (
        wants_menu(said("/start")) and wants_menu(said("help")) and not wants_menu(said("help me set it up"))
    )


def test_entity_only_messages() -> None:
    assert entity_only(
        said("order 1001 ann@example.com", order_numbers=("1001",), emails=("ann@example.com",))
    )
    assert entity_only(said("my email is ann@example.com", emails=("ann@example.com",)))
    assert not entity_only(said("cancel order 1001", order_numbers=("1001",)))
    assert not entity_only(said("hello"))


def test_idle_intent() -> None:
    assert idle_intent(said("where is it", "order_status", 0.9)) == "order_status"
    assert idle_intent(said("what's the weather", "out_of_scope", 0.97)) == "out_of_scope"
    assert idle_intent(said("hmm", "setup_help", 0.2)) == "out_of_scope"
    assert idle_intent(said("1042", "greeting", 0.5, order_numbers=("1042",))) == "order_status"
    assert idle_intent(said("where is 1010", "order_status", 0.43, order_numbers=("1010",))) == "order_status"
    assert (
        idle_intent(said("cancel order 1003", "cancel_order", 1.0, order_numbers=("1003",))) == "cancel_order"
    )


def test_topic_switch_needs_a_confident_new_intent() -> None:
    current = ("return_request",)
    assert (
        topic_switch(
            said("where is my refund", "refund_status", 0.95),
            current=current,
            free_text=False,
            expects_entities=False,
        )
        == "refund_status"
    )
    assert (
        topic_switch(
            said("refund?", "refund_status", 0.6), current=current, free_text=False, expects_entities=False
        )
        is None
    )
    assert (
        topic_switch(
            said("return it", "return_request", 0.99),
            current=current,
            free_text=False,
            expects_entities=False,
        )
        is None
    )


def test_short_answers_and_entities_never_switch() -> None:
    assert (
        topic_switch(
            said("no", "goodbye", 0.97), current=("cancel_order",), free_text=False, expects_entities=False
        )
        is None
    )
    assert (
        topic_switch(
            said("both", "human_agent", 0.74),
            current=("return_request",),
            free_text=False,
            expects_entities=False,
        )
        is None
    )
    assert (
        topic_switch(
            said(
                "cancel order 1001 ann@example.com",
                "cancel_order",
                0.9,
                order_numbers=("1001",),
                emails=("ann@example.com",),
            ),
            current=("order_status",),
            free_text=False,
            expects_entities=True,
        )
        is None
    )


def test_free_text_steps_need_more_confidence() -> None:
    text = said("the box is wet and the manual is torn", "return_request", 0.8)
    assert topic_switch(text, current=("delivery_problem",), free_text=True, expects_entities=False) is None
    assert (
        topic_switch(text, current=("delivery_problem",), free_text=False, expects_entities=False)
        == "return_request"
    )


def test_clearly_unrelated_questions_leave_for_the_fallback() -> None:
    weather = said("what's the weather in Paris", "out_of_scope", 0.97)
    assert (
        topic_switch(weather, current=("setup_help",), free_text=False, expects_entities=False)
        == "out_of_scope"
    )
    assert topic_switch(weather, current=("change_order",), free_text=True, expects_entities=False) is None
    product = said("the mug set", "out_of_scope", 0.95, products=(ProductMention("MG-12", "Mugs"),))
    assert topic_switch(product, current=("return_request",), free_text=False, expects_entities=False) is None


def test_button_presses_never_switch() -> None:
    pressed = Understanding(payload="intent:order_status", intent="order_status", confidence=1.0)
    assert topic_switch(pressed, current=("return_request",), free_text=False, expects_entities=False) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("stop the setup guides", True),
        ("please don't send me review requests", True),
        ("turn on shipping updates again", True),
        ("stop the delivery", False),
        ("start a return", False),
        ("I want the updates on my order", False),
    ],
)
def test_preference_requests_are_recognised_without_the_nlu(text: str, expected: bool) -> None:
    assert wants_preferences(said(text)) is expected


@pytest.mark.parametrize(
    "text",
    [
        "back to the bot",
        "Back to the assistant!",
        "cancel",
        "main menu",
        "menu",
        "never mind",
        "I don't need a person anymore",
        "take me back to the bot",
    ],
)
def test_leaving_a_handoff(text: str) -> None:
    assert wants_to_leave_handoff(said(text))


@pytest.mark.parametrize(
    "text", ["cancel my order 1001", "the bot was useless", "hello??", "where is my order"]
)
def test_not_leaving_a_handoff(text: str) -> None:
    assert not wants_to_leave_handoff(said(text))


def test_leaving_a_handoff_by_button() -> None:
    assert wants_to_leave_handoff(Understanding(payload="handoff:leave"))
    assert wants_to_leave_handoff(Understanding(payload="intent:greeting"))
    assert not wants_to_leave_handoff(Understanding(payload="intent:order_status"))


def test_clear_requests_are_confident_in_domain_questions() -> None:
    assert clear_request(said("where is my order 1001", "order_status", 0.95))
    assert not clear_request(said("where is it maybe", "order_status", 0.5))
    assert not clear_request(said("hello", "greeting", 0.99))
    assert not clear_request(said("what's the weather", "out_of_scope", 0.99))
    assert not clear_request(said("agent", "human_agent", 0.99))
    assert clear_request(said("can you compensate me?", "refund_status", 0.4))


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("can you compensate me?", "refund_status"),
        ("I want compensation for the delay", "delivery_problem"),
        ("compensation please", "out_of_scope"),
        ("what will you do to make it up to me", None),
    ],
)
def test_compensation_requests_go_to_the_compensation_flow(text: str, intent: str | None) -> None:
    understanding = said(text, intent, 0.9)
    assert wants_compensation(understanding)
    assert idle_intent(understanding) == "compensation"


def test_compensation_words_do_not_hijack_other_clear_intents() -> None:
    assert not wants_compensation(said("cancel my order, no compensation needed", "cancel_order", 0.95))
    assert not wants_compensation(said("where is my refund", "refund_status", 0.95))
    assert (
        topic_switch(
            said("I want compensation", "refund_status", 0.9),
            current=("order_status",),
            free_text=False,
            expects_entities=True,
        )
        == "compensation"
    )
    # a flow waiting for a description lets only a very confident switch through
    assert (
        topic_switch(
            said("I want compensation", "refund_status", 0.8),
            current=("delivery_problem",),
            free_text=True,
            expects_entities=False,
        )
        is None
    )
    assert (
        topic_switch(
            said("I want compensation", "refund_status", 0.95),
            current=("delivery_problem",),
            free_text=True,
            expects_entities=False,
        )
        == "compensation"
    )


@pytest.mark.parametrize("text", ["can't find it", "I don't have it", "lost the email", "cannot find the number"])
def test_saying_the_number_is_not_at_hand_answers_the_question_for_it(text: str) -> None:
    waiting = {"current": ("order_status",), "free_text": False}
    assert topic_switch(said(text, "delivery_problem", 0.95), **waiting, expects_entities=True) is None
    # the same words when nothing waits for an order number are a question of their own
    assert topic_switch(said(text, "delivery_problem", 0.95), **waiting, expects_entities=False) == "delivery_problem"


def test_a_parcel_that_cannot_be_found_is_still_a_new_question() -> None:
    understanding = said("I can't find my parcel anywhere", "delivery_problem", 0.95)
    assert (
        topic_switch(understanding, current=("order_status",), free_text=False, expects_entities=True)
        == "delivery_problem"
    )


@pytest.mark.parametrize(
    ("text", "reading", "intent"),
    [
        ("I got charged but never got an order confirmation", "delivery_problem", "out_of_scope"),
        ("the confirmation email never came", "order_status", "out_of_scope"),
        ("I have no delivery confirmation", "delivery_problem", "delivery_problem"),
        ("my kettle stopped working, I want a replacement", "return_request", "setup_help"),
        ("the discount code doesn't work, I want a refund of the difference", "refund_status", "refund_status"),
        ("I think my order was sent to my old address", "delivery_problem", "change_order"),
        ("it was delivered to my old address", "delivery_problem", "delivery_problem"),
    ],
)
def test_idle_rules_route_narrow_phrasings(text: str, reading: str, intent: str) -> None:
    assert idle_intent(said(text, reading, 0.9)) == intent


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Assalamu alaikum", "greeting"),
        ("Bonjour", "greeting"),
        ("Hola, good afternoon", "greeting"),
        ("Howzit", "greeting"),
        ("Obrigada, tchau!", "goodbye"),
        ("merci, au revoir", "goodbye"),
        ("thanks bye", None),  # English: the classifier's own goodbye
        ("hola, donde esta mi pedido", None),  # a request, not a greeting alone
        ("bonjour, my parcel is late", None),
    ],
)
def test_greetings_and_goodbyes_in_other_languages(text: str, expected: str | None) -> None:
    assert greeting_or_goodbye_in_another_language(text) == expected


def test_while_asked_for_the_order_number() -> None:
    assert finding_the_number("Sorry I am searching my email now, wait please")
    assert finding_the_number("one moment")
    assert not finding_the_number("wait, it's 1002")  # the number came after all
    assert asks_which_of_several_orders("i placed 2 orders last week which one u need")
    assert not asks_which_of_several_orders("I placed 2 orders, 1002 and 1003")
    assert describes_the_order("It's the one with the blender I think")
    assert not describes_the_order("the blender is broken")
    assert picks_from_a_list("the second one")


@pytest.mark.parametrize(
    "text",
    [
        "why do you need that",
        "Why is that necessary? I've given you the order number",
        "I'd rather not type my email into a chat. Is this actually the shop?",
        "please confirm how it will be stored and whether it is shared with any third party",
    ],
)
def test_why_the_details_are_asked(text: str) -> None:
    assert asks_why_details_needed(text)


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("okay now can you put me through to a real person i want to ask about the other refund", True),
        ("can I speak with someone about my refund", True),
        ("the person who delivered it was rude", False),
        ("someone stole my parcel", False),
    ],
)
def test_a_person_asked_for_in_a_longer_message(text: str, asks: bool) -> None:
    assert asks_for_a_person(text) is asks
