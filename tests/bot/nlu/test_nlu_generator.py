"""The training-data generator: inflection, held-out parts kept out, determinism, register and noise."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest

from bot.nlu import TrainingDataError
from bot.nlu.generator import Grammar, apply_register, gerund, iter_parts
from storage.domain import Intent


@pytest.fixture(scope="module")
def grammar() -> Grammar:
    return Grammar.load()


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("track my order", "tracking my order"),
        ("cancel it", "canceling it"),
        ("change my address", "changing my address"),
        ("see where it is", "seeing where it is"),
        ("get a refund", "getting a refund"),
        ("ship it", "shipping it"),
        ("locate my parcel", "locating my parcel"),
        ("pay with paypal", "paying with paypal"),
    ],
)
def test_gerund(phrase: str, expected: str) -> None:
    assert gerund(phrase) == expected


def test_every_intent_is_generated(grammar: Grammar) -> None:
    examples = grammar.generate(50, seed=1)
    counts = {intent: sum(e.intent is intent for e in examples) for intent in Intent}
    assert all(n == 50 for n in counts.values()), counts
    assert not [e.text for e in examples if "{" in e.text or "}" in e.text]


def test_generation_is_deterministic(grammar: Grammar) -> None:
    assert grammar.generate(30, seed=3) == grammar.generate(30, seed=3)
    assert grammar.generate(30, seed=3) != grammar.generate(30, seed=4)


def test_editing_one_intent_leaves_the_others_examples_as_they_were(grammar: Grammar) -> None:
    parts = grammar.intents[Intent.CANCEL_ORDER]
    edited = dataclasses.replace(parts, say=("scrap the whole thing",))
    changed = dataclasses.replace(grammar, intents={**grammar.intents, Intent.CANCEL_ORDER: edited})
    before = grammar.generate(40, seed=5)
    after = changed.generate(40, seed=5)
    assert [e for e in before if e.intent is not Intent.CANCEL_ORDER] == [
        e for e in after if e.intent is not Intent.CANCEL_ORDER
    ]
    assert [e for e in before if e.intent is Intent.CANCEL_ORDER] != [
        e for e in after if e.intent is Intent.CANCEL_ORDER
    ]


def test_holdout_leaves_parts_out_and_tests_only_on_them(grammar: Grammar) -> None:
    train, left_out = grammar.holdout(4)
    assert len(left_out) > 100
    train_parts = {text for _, text in iter_parts(train)}
    assert train_parts.isdisjoint(left_out)
    # every held-out frame kind and some synonyms of the "order" group are out
    assert any(frame in left_out for frame in grammar.frames["do"])
    assert any(member in left_out for member in grammar.slots["order"])
    test = grammar.generate(20, seed=5, require_any_of=left_out, register=False)
    assert test
    train_texts = {e.text.lower() for e in train.generate(200, seed=5, register=False)}
    assert len([e for e in test if e.text.lower() in train_texts]) < len(test) * 0.05


def test_register_varies_case_politeness_and_noise() -> None:
    rng = random.Random(11)
    texts = {apply_register("where is my order", rng) for _ in range(300)}
    assert "where is my order" in texts
    assert any(t.startswith(("hi,", "hello,", "hey,")) for t in texts)
    assert any(t.isupper() for t in texts)
    assert any(len(t.split()) == 3 for t in texts)  # a run-on or a dropped word
    assert any(t != t.lower() and not t.isupper() for t in texts)


def test_small_talk_is_not_wrapped_in_thanks(grammar: Grammar) -> None:
    greetings = [e.text.lower() for e in grammar.generate(200, seed=2) if e.intent is Intent.GREETING]
    assert not [t for t in greetings if "thank" in t or "cheers" in t]


def test_an_unknown_slot_is_named(tmp_path: Path) -> None:
    path = tmp_path / "grammar.yaml"
    path.write_text(
        "slots: {a: [x]}\nframes: {do: ['{do}'], doing: ['{doing}'], about: ['{about}']}\n"
        "intents: {order_status: {say: ['where is {nope}']}}\n",
        encoding="utf-8",
    )
    with pytest.raises(TrainingDataError, match=r"\{nope\}"):
        Grammar.load(path)


def test_an_unknown_intent_is_named(tmp_path: Path) -> None:
    path = tmp_path / "grammar.yaml"
    path.write_text(
        "slots: {a: [x]}\nframes: {do: ['{do}'], doing: ['{doing}'], about: ['{about}']}\n"
        "intents: {track_my_stuff: {say: ['where']}}\n",
        encoding="utf-8",
    )
    with pytest.raises(TrainingDataError, match="track_my_stuff"):
        Grammar.load(path)
