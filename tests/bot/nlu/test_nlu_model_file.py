"""The shipped intent model: it is the one the bundled data trains, it round-trips, and it loads fast."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.nlu import (
    IntentClassifier,
    TrainingDataError,
    default_training_set,
    load_classifier,
    save_classifier,
)
from bot.nlu.model_file import default_model_path, read_header, training_fingerprint

PROBES = [
    "how can i track purchase 00004587345",
    "I expect a refund of $299, was it processed?",
    "I need to lodge a reclamation",
    "what hours can I call customer service",
    "I forgot my password",
    "the descale light is on",
    "cancel order DS-1042",
    "what's the weather in paris",
]


def test_shipped_model_matches_the_bundled_data() -> None:
    header = read_header(default_model_path())
    assert header["fingerprint"] == training_fingerprint(), (
        "the training data changed since bot/nlu/data/intent_model.bin was made: run `doorstep nlu train`"
    )


def test_shipped_model_is_what_training_gives() -> None:
    """Retrains from the bundled data (tens of seconds): catches feature code changed without retraining."""
    shipped = load_classifier()
    fresh = IntentClassifier.train(default_training_set())
    assert list(fresh.weights) == list(shipped.weights), "run `doorstep nlu train`"
    worst = max(
        abs(a - b)
        for feature, row in fresh.weights.items()
        for a, b in zip(row, shipped.weights[feature], strict=True)
    )
    assert worst < 1e-4  # float32 storage
    for text in PROBES:
        assert fresh.predict(text)[0] is shipped.predict(text)[0], text


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    shipped = load_classifier()
    path = tmp_path / "model.bin"
    save_classifier(shipped, path, fingerprint="abc")
    again = load_classifier(path)
    assert read_header(path)["fingerprint"] == "abc"
    assert again.classes == shipped.classes
    for text in PROBES:
        assert again.predict(text) == shipped.predict(text)


def test_the_model_is_small_and_loads_quickly() -> None:
    assert default_model_path().stat().st_size < 20_000_000
    start = time.process_time()
    load_classifier()
    assert time.process_time() - start < 2.0


@pytest.mark.parametrize("content", [b"", b"not gzip", b"\x1f\x8b\x08\x00garbage"])
def test_a_broken_model_file_names_itself(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.bin"
    path.write_bytes(content)
    with pytest.raises(TrainingDataError, match=r"broken\.bin"):
        load_classifier(path)


def test_a_model_of_another_format_is_refused(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "other.bin"
    path.write_bytes(gzip.compress(b'{"format": "something-else"}\n'))
    with pytest.raises(TrainingDataError, match="doorstep nlu train"):
        load_classifier(path)
