"""The Nlu facade: intent + confidence + entities in one call, and its JSON form."""

from __future__ import annotations

import pytest

from bot.demo.catalogue import CATALOGUE
from bot.nlu import Nlu, NluResult, load_training_examples, product_refs
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


#: the dialogue engine switches a waiting flow to a new intent at this confidence (SWITCH_CONFIDENCE
#: in bot/engine/policy.py); an idle message needs MIN_CONFIDENCE = 0.45 there
FLOW_SWITCH_CONFIDENCE = 0.7

#: messages the NLU once misread, exactly as reported (never copied into the training data)
REPORTED_MISREADINGS: list[tuple[str, Intent]] = [
    ("I need setup help", Intent.SETUP_HELP),
    ("I need help setting up my new device", Intent.SETUP_HELP),
    ("I have a problem with order 1002", Intent.DELIVERY_PROBLEM),
    ("status of 103421 please, email x@y.z", Intent.ORDER_STATUS),
    ("I ordered something last week and still nothing, where is it", Intent.ORDER_STATUS),
]


@pytest.mark.parametrize(("text", "intent"), REPORTED_MISREADINGS)
def test_reported_misreadings_switch_a_waiting_flow(default_nlu: Nlu, text: str, intent: Intent) -> None:
    result = default_nlu.parse(text)
    assert result.intent is intent
    assert result.confidence >= FLOW_SWITCH_CONFIDENCE


@pytest.mark.parametrize(("text", "_intent"), REPORTED_MISREADINGS)
def test_reported_misreadings_are_not_training_examples(text: str, _intent: Intent) -> None:
    trained = {example.text.lower() for example in load_training_examples(split="all")}
    assert text.lower() not in trained


def test_problem_with_an_order_keeps_its_number(default_nlu: Nlu) -> None:
    assert default_nlu.parse("I have a problem with order 1002").entities.order_numbers == ["1002"]


def test_order_status_with_an_email_keeps_the_order_number(default_nlu: Nlu) -> None:
    entities = default_nlu.parse("status of 103421 please, email x@y.z").entities
    assert entities.order_numbers == ["103421"]
    assert entities.phones == []


def test_a_short_local_phone_number_is_not_an_order(default_nlu: Nlu) -> None:
    result = default_nlu.parse("my phone is 555 0100")
    assert result.entities.phones == ["5550100"]
    assert result.entities.order_numbers == []
    assert result.intent is not Intent.ORDER_STATUS


def test_a_repeated_short_message_is_parsed_once_and_answered_alike(default_nlu: Nlu) -> None:
    nlu = Nlu(default_nlu.classifier, CATALOGUE)
    first = nlu.parse("my kettle wont turn on")
    calls: list[str] = []
    predict = nlu.classifier.predict

    def counting(text: str) -> tuple[Intent, float]:
        calls.append(text)
        return predict(text)

    nlu.classifier.predict = counting  # type: ignore[method-assign]
    try:
        again = nlu.parse("my kettle wont turn on")
        assert calls == []
        assert again == first
        # a caller changing what it got does not change the next answer
        again.entities.products.clear()
        assert [p.sku for p in nlu.parse("my kettle wont turn on").entities.products] == ["KT-200"]
        # messages with digits or an "@" are never remembered (order numbers, emails, phones)
        nlu.parse("where is order 1003")
        nlu.parse("where is order 1003")
        nlu.parse("it's ann@example.com")
        nlu.parse("it's ann@example.com")
        assert calls == ["where is order 1003"] * 2 + ["it's ann@example.com"] * 2
    finally:
        del nlu.classifier.predict
    assert "where is order 1003" not in nlu._recent
    assert all("@" not in text for text in nlu._recent)


def test_the_remembered_parses_are_bounded(default_nlu: Nlu, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.nlu.nlu.CACHE_SIZE", 3)
    nlu = Nlu(default_nlu.classifier, CATALOGUE)
    for text in ("hi", "thanks", "bye", "hello", "thanks"):
        nlu.parse(text)
    assert list(nlu._recent) == ["bye", "hello", "thanks"]
