"""The Nlu facade: intent + confidence + entities in one call, and its JSON form."""

from __future__ import annotations

from bot.demo.catalogue import CATALOGUE
from bot.nlu import Nlu, NluResult, product_refs
from bot.nlu.nlu import MAX_CHARS
from storage.domain import Intent


def test_parse_combines_intent_and_entities(default_nlu: Nlu) -> None:
    result = default_nlu.parse("my expresso machine from order #1001 wont heat")
    assert isinstance(result, NluResult)
    assert result.intent is Intent.SETUP_HELP
    assert 0.0 <= result.confidence <= 1.0
    assert result.entities.order_numbers == ["1001"]
    assert [p.sku for p in result.entities.products] == ["ES-900"]


def test_parse_order_code(default_nlu: Nlu) -> None:
    result = default_nlu.parse("DS-1042 says delivered but its not here")
    assert result.intent is Intent.DELIVERY_PROBLEM
    assert result.entities.order_numbers == ["DS-1042", "1042"]


def test_to_dict(default_nlu: Nlu) -> None:
    data = default_nlu.parse("where is order 1003").to_dict()
    assert data["intent"] == "order_status"
    assert isinstance(data["confidence"], float)
    assert data["entities"] == {
        "order_numbers": ["1003"],
        "emails": [],
        "phones": [],
        "tracking_numbers": [],
        "products": [],
    }


def test_out_of_scope(default_nlu: Nlu) -> None:
    result = default_nlu.parse("what's the weather like in rome")
    assert result.intent is Intent.OUT_OF_SCOPE
    assert result.entities.is_empty()


def test_catalogue_accepts_any_product_objects(default_nlu: Nlu) -> None:
    assert default_nlu.catalogue == tuple(product_refs(CATALOGUE))
    nlu = Nlu(default_nlu.classifier, CATALOGUE)
    assert [p.sku for p in nlu.parse("the router").entities.products] == ["RT-600"]


def test_entities_only(default_nlu: Nlu) -> None:
    entities = default_nlu.entities("it's ann@example.com")
    assert entities.emails == ["ann@example.com"]


def test_very_long_text_is_cut(default_nlu: Nlu) -> None:
    result = default_nlu.parse("where is my order " * 200 + " #1001")
    assert result.intent is Intent.ORDER_STATUS
    assert result.entities.order_numbers == []  # past MAX_CHARS
    assert len("where is my order " * 200) > MAX_CHARS
