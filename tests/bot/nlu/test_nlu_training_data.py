"""The bundled training data: coverage per intent, the fixed held-out split, the loaders' errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.nlu import TrainingDataError, load_negative_examples, load_training_examples
from bot.nlu.corpus import VOICE_REPEAT, default_training_set
from bot.nlu.training_data import count_by_intent, load_voice_examples
from storage.domain import Intent
from tests.paths import CLINC150

CLINC = CLINC150


def test_every_intent_has_at_least_40_training_examples() -> None:
    counts = count_by_intent(load_training_examples(split="train"))
    print("\ntrain examples per intent:", {intent.value: n for intent, n in counts.items()})
    assert set(counts) == set(Intent)
    assert min(counts.values()) >= 40


def test_every_intent_has_at_least_60_examples_in_all() -> None:
    counts = count_by_intent(load_training_examples(split="all"))
    assert min(counts.values()) >= 60


def test_heldout_is_about_a_fifth_and_disjoint_from_train() -> None:
    train = load_training_examples(split="train")
    heldout = load_training_examples(split="heldout")
    train_counts, held_counts = count_by_intent(train), count_by_intent(heldout)
    for intent in Intent:
        share = held_counts[intent] / (held_counts[intent] + train_counts[intent])
        assert 0.15 <= share <= 0.25, intent
    train_texts = {e.text.lower() for e in train}
    assert not [e.text for e in heldout if e.text.lower() in train_texts]
    assert len(load_training_examples(split="all")) == len(train) + len(heldout)


def test_default_training_set_never_contains_heldout() -> None:
    training = {e.text.lower() for e in default_training_set()}
    assert not [e.text for e in load_training_examples(split="heldout") if e.text.lower() in training]


def test_negatives_are_out_of_scope_and_exclude_the_evaluation_set() -> None:
    negatives = load_negative_examples()
    assert len(negatives) > 1000
    assert {e.intent for e in negatives} == {Intent.OUT_OF_SCOPE}
    assert CLINC.exists(), f"missing CLINC150 at {CLINC}"
    oos_val = {text.lower() for text, _ in json.loads(CLINC.read_text(encoding="utf-8"))["oos_val"]}
    assert not [e.text for e in negatives if e.text.lower() in oos_val]


def test_unknown_split_is_rejected() -> None:
    with pytest.raises(TrainingDataError, match="unknown split"):
        load_training_examples(split="test")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("loader", "content", "message"),
    [
        (load_training_examples, "intents: [", "invalid YAML"),
        (load_training_examples, "version: 1\n", "'intents' mapping is missing"),
        (
            load_training_examples,
            "intents:\n  order_state:\n    train: [where]\n",
            "unknown intent 'order_state'",
        ),
        (load_training_examples, "intents:\n  greeting:\n    test: [hi]\n", "only 'train' and 'heldout'"),
        (
            load_training_examples,
            "intents:\n  greeting:\n    train: [hi, 3]\n",
            "intents.greeting.train must be a list",
        ),
        (
            load_training_examples,
            "intents:\n  greeting:\n    train: ['  ']\n",
            "intents.greeting.train must be a list",
        ),
        (load_voice_examples, "version: 1\n", "'voices' mapping is missing"),
        (load_voice_examples, "voices:\n  chat: [hi]\n", "voice 'chat' needs an 'intents' mapping"),
        (
            load_voice_examples,
            "voices:\n  chat:\n    intents:\n      greet: [hi]\n",
            "unknown intent 'greet' in voice 'chat'",
        ),
        (
            load_voice_examples,
            "voices:\n  chat:\n    intents:\n      greeting: [hi, 3]\n",
            "voices.chat.greeting must be a list",
        ),
    ],
)
def test_malformed_file_errors_name_the_file(
    tmp_path: Path, loader: Callable[[Path], object], content: str, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TrainingDataError, match=message) as error:
        loader(path)
    assert str(path) in str(error.value)


def test_missing_file_error(tmp_path: Path) -> None:
    with pytest.raises(TrainingDataError, match="cannot read"):
        load_training_examples(tmp_path / "nope.yaml")
    with pytest.raises(TrainingDataError, match="cannot read"):
        load_negative_examples(tmp_path / "nope.yaml")


def test_custom_file_is_loaded(tmp_path: Path) -> None:
    path = tmp_path / "mini.yaml"
    path.write_text(
        "intents:\n  greeting:\n    train: ['hi', ' hello ']\n    heldout: ['hey']\n"
        "  goodbye:\n    train: ['bye']\n",
        encoding="utf-8",
    )
    assert [(e.text, e.intent) for e in load_training_examples(path)] == [
        ("hi", Intent.GREETING),
        ("hello", Intent.GREETING),
        ("bye", Intent.GOODBYE),
    ]
    assert [(e.text, e.intent) for e in load_training_examples(path, split="heldout")] == [
        ("hey", Intent.GREETING)
    ]


def test_voices_are_written_apart_and_cover_every_intent() -> None:
    voices = load_voice_examples()
    assert len(voices) >= 6
    for voice, examples in voices.items():
        assert len(examples) >= 300, voice
        assert set(count_by_intent(examples)) == set(Intent), voice
    # a few short ones ("hi there!") match held-out messages: those are never trained on
    heldout = {" ".join(e.text.lower().split()) for e in load_training_examples(split="heldout")}
    shared = [e.text for examples in voices.values() for e in examples if e.text.lower() in heldout]
    assert len(shared) < 0.02 * sum(len(examples) for examples in voices.values())
    training = {e.text.lower() for e in default_training_set()}
    assert not [text for text in shared if text.lower() in training]


def test_voices_are_trained_on_with_their_weight_and_one_can_be_left_out() -> None:
    voices = load_voice_examples()
    name, examples = next(iter(voices.items()))
    others = {e.text for voice, rest in voices.items() if voice != name for e in rest}
    own = next(e for e in examples if e.text not in others)
    full = default_training_set()
    without = default_training_set(leave_out_voice=name)
    assert sum(e == own for e in full) == VOICE_REPEAT
    assert own not in without
    heldout = {" ".join(e.text.lower().split()) for e in load_training_examples(split="heldout")}
    trained = [e for e in examples if " ".join(e.text.lower().split()) not in heldout]
    assert len(full) - len(without) == VOICE_REPEAT * len(trained)


def test_leaving_out_an_unknown_voice_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "voices.yaml"
    path.write_text(
        "voices:\n  chat:\n    intents:\n      greeting: [hi]\n      goodbye: [bye]\n", encoding="utf-8"
    )
    assert {v: [(e.text, e.intent) for e in ex] for v, ex in load_voice_examples(path).items()} == {
        "chat": [("hi", Intent.GREETING), ("bye", Intent.GOODBYE)]
    }
    assert load_voice_examples(path, leave_out=["chat"]) == {}
    with pytest.raises(TrainingDataError, match="no voice named forum"):
        load_voice_examples(path, leave_out=["forum"])
