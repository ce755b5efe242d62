"""Telling a symptom from a setup question, and the section of a troubleshooting article that fits."""

from __future__ import annotations

import pytest

from handlers.setup_help import WARRANTY_ARTICLE, WARRANTY_CLAIM
from handlers.troubleshooting import (
    best_section,
    describes_symptom,
    faulty_and_wants_remedy,
    section_of_passage,
    sections,
)
from tests.handlers.conversation_kit import shared_knowledge


@pytest.mark.parametrize(
    "text",
    [
        "the descale light is on",
        "my router won't connect to wifi",
        "it makes a weird smell",
        "my kettle doesn't switch on",
        "the speaker keeps dropping out",
        "error E1 on the display",
        "the vacuum is not charging",
        "the kettle leaks water from the bottom",
        "the vacuum overheats after 5 minutes",
        "it shuts off by itself",
        "nothing happens when I press the button",
    ],
)
def test_symptoms(text: str) -> None:
    assert describes_symptom(text)


@pytest.mark.parametrize(
    "text",
    [
        "how do I set up my router",
        "how do I install the thermostat",
        "help me set it up",
        "how do I turn off the speaker",
        "how do I drain the water tank",
        "",
    ],
)
def test_setup_questions_are_no_symptoms(text: str) -> None:
    assert not describes_symptom(text)


def _article(sku: str):  # type: ignore[no-untyped-def]
    return shared_knowledge().base.for_product(sku, kind="troubleshooting")[0]


def test_sections_follow_the_headings() -> None:
    headings = [s.heading for s in sections(_article("KT-200"))]
    assert headings[:3] == [
        "The kettle does not switch on",
        "The display shows E1",
        "It switches off before the water boils",
    ]


@pytest.mark.parametrize(
    ("sku", "name", "symptom", "heading"),
    [
        ("RT-600", "MeshLink Wi-Fi 6 Router", "my router won't connect to wifi", "A device will not connect"),
        (
            "ES-900",
            "Barista Pro Espresso Machine",
            "the descale light is on",
            "How to descale the espresso machine",
        ),
        ("KT-200", "Kettle Pro 200", "my kettle doesn't switch on", "The kettle does not switch on"),
        ("KT-200", "Kettle Pro 200", "it makes a weird smell", None),
        # "leaks" is a symptom word; "water" is in three headings and decides nothing
        ("KT-200", "Kettle Pro 200", "the kettle leaks water from the bottom", "The kettle leaks or the base gets hot"),
        ("VC-800", "RoboClean 800 Robot Vacuum", "it won't find its dock", "The robot does not return to the dock"),
        # "coffee machine" names the product; no section is about a machine that won't turn on
        ("ES-900", "Barista Pro Espresso Machine", "my coffee machine won't turn on", None),
        ("ES-900", "Barista Pro Espresso Machine", "no coffee comes out of my coffee machine", "No coffee comes out, or it only drips"),
    ],
)
def test_best_section(sku: str, name: str, symptom: str, heading: str | None) -> None:
    found = best_section(_article(sku), symptom, name)
    assert (found.heading if found else None) == heading


def test_a_search_passage_answers_only_when_it_shares_a_word_with_the_question() -> None:
    kb = shared_knowledge()
    article = kb.base.by_id("rt-600-troubleshooting")
    reset = kb.index.search("how do I reset my router", products=["RT-600"])[0]
    unrelated = kb.index.search("the router keeps beeping", products=["RT-600"])[0]

    found = section_of_passage(article, reset.snippet, "how do I reset my router", "MeshLink Wi-Fi 6 Router")
    assert found is not None and any("Hold the reset button" in line for line in found.lines)
    assert section_of_passage(article, unrelated.snippet, "the router keeps beeping", "MeshLink Wi-Fi 6 Router") is None


@pytest.mark.parametrize(
    ("text", "claim"),
    [
        ("my kettle stopped working, I want a replacement", True),
        ("the espresso machine broke after 3 months, will you repair it?", True),
        ("the kettle I bought is faulty, I want my money back", True),
        ("it doesn't work anymore, can you send me a new one?", True),
        ("the mugs arrived broken, I want a replacement", False),  # damaged on the way: a delivery problem
        ("my kettle stopped working", False),  # no remedy asked: troubleshooting
        ("can I get a replacement charger", False),  # nothing is faulty
        ("the parcel was smashed and the kettle doesn't work, refund please", False),
        ("the discount code doesn't work, I want a refund of the difference", False),  # not a product
    ],
)
def test_a_fault_in_use_with_a_remedy_asked_for_is_a_warranty_claim(text: str, claim: bool) -> None:
    assert faulty_and_wants_remedy(text) is claim


def test_the_warranty_claim_answer_and_the_warranty_article_agree() -> None:
    body = " ".join(shared_knowledge().base.by_id(WARRANTY_ARTICLE).body.split())
    assert "whether a repair, a replacement or a refund is best" in body
    assert "We collect the product or send a prepaid label; you pay nothing for shipping" in body
    assert "Within the first 30 days after delivery you can also simply return a faulty product" in body
    assert "a repair, a replacement or a refund is best" in WARRANTY_CLAIM
