"""What a message says of products: one named alone, and a thing that is none of the order's items."""

from __future__ import annotations

import pytest

from handlers.context import ProductMention
from handlers.mentions import other_product, product_alone

KETTLE = ProductMention(sku="KT-200", name="Kettle Pro 200")


@pytest.mark.parametrize("text", ["kettle", "the kettle", "the kettle I mean", "sorry, the kettle please"])
def test_a_product_named_alone(text: str) -> None:
    assert product_alone([KETTLE], text) == KETTLE


@pytest.mark.parametrize("text", ["is the kettle any good", "kettle?", "my kettle is leaking badly"])
def test_more_than_a_name_is_a_question_or_a_story(text: str) -> None:
    assert product_alone([KETTLE], text) is None


def test_no_product_or_two_products_is_not_one_product_alone() -> None:
    assert product_alone([], "kettle") is None
    assert product_alone([KETTLE, ProductMention(sku="BL-300", name="PowerBlend 300 Blender")], "kettle blender") is None


ORDER_ITEMS = ["Kettle Pro 200", "TrailShell Rain Jacket"]


@pytest.mark.parametrize(
    ("text", "thing"),
    [
        ("I've spent 2 hours on this wardrobe and the instructions skip step 9", "wardrobe"),
        ("Please how do I charge the earbuds?", "earbuds"),
        ("Dyson V11 - how do I clean the filter?", "Dyson"),
        ("how to set the timer of the air fryer?", "air fryer"),
        ("The smart bulb goes offline every night", "smart bulb"),
        ("can i swap these trainers for a 9", "trainers"),
    ],
)
def test_a_thing_the_order_does_not_have(text: str, thing: str) -> None:
    assert other_product(text, ORDER_ITEMS) == thing


@pytest.mark.parametrize(
    "text",
    [
        "my jacket is too small",  # the order's jacket
        "how do I use the kettle",
        "how do I set it up",
        "the box was wet",
        "I want to watch the tracking",  # "watch" as a verb, not a thing
        "the app on my phone can't find it",  # a device used with the product, not another product
        "I'm a big fan of the kettle, how do I descale it",
    ],
)
def test_the_order_own_items_and_no_thing(text: str) -> None:
    assert other_product(text, ORDER_ITEMS) is None
