"""A product named alone: when a short message says nothing more of the one product it names."""

from __future__ import annotations

import pytest

from handlers.context import ProductMention
from handlers.mentions import product_alone

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
