"""A button's title typed instead of pressed: which messages count as the press."""

from __future__ import annotations

import pytest

from bot.engine.state import DialogueState
from bot.engine.typed_buttons import MAX_REMEMBERED, offered_buttons, typed_button
from handlers.messages import Button, Reply

OFFERED = [["Send it again", "problem:returned:resend"], ["Refund me", "problem:returned:refund"],
           ["Yes, cancel it", "cancel_order:confirm"], ["No, keep it", "cancel_order:keep"]]


@pytest.mark.parametrize(
    ("text", "payload"),
    [
        ("send it again", "problem:returned:resend"),
        ("Can you send it again please?", "problem:returned:resend"),
        ("ok refund me then", "problem:returned:refund"),
        ("Refund me!", "problem:returned:refund"),
        ("yes cancel it", "cancel_order:confirm"),
        ("cancel it please", "cancel_order:confirm"),
        ("no, keep it", "cancel_order:keep"),
    ],
)
def test_a_typed_title_is_its_button(text: str, payload: str) -> None:
    assert typed_button(text, OFFERED) == payload


@pytest.mark.parametrize(
    "text",
    ["yes", "ok thanks", "send it again but to my office", "refund", "please", "", "keep"],
)
def test_anything_more_or_less_than_a_title_is_typed_text(text: str) -> None:
    assert typed_button(text, OFFERED) is None


def test_the_beginning_of_one_title_is_its_button() -> None:
    offered = [["Report it as late", "problem:late"], ["Talk to a person", "intent:human_agent"]]
    assert typed_button("report it", offered) == "problem:late"
    assert typed_button("talk to", offered) == "intent:human_agent"
    assert typed_button("report", offered) is None  # one word is too little to tell


def test_a_beginning_shared_by_two_titles_is_typed_text() -> None:
    offered = [["Return the jacket now", "return:1"], ["Return the kettle now", "return:2"]]
    assert typed_button("return the", offered) is None
    assert typed_button("return the kettle", offered) == "return:2"


def test_nothing_offered_nothing_pressed() -> None:
    assert typed_button("send it again", []) is None


def test_the_last_answers_buttons_are_remembered_across_turns() -> None:
    replies = [Reply("a", buttons=[Button(f"Option {n}", f"p:{n}") for n in range(MAX_REMEMBERED + 3)])]
    state = DialogueState(buttons=offered_buttons(replies))
    saved = DialogueState.from_slots(state.to_slots())
    assert len(saved.buttons) == MAX_REMEMBERED
    assert typed_button("option 4", saved.buttons) == "p:4"
    assert "buttons" not in DialogueState().to_slots()
