"""The `doorstep nlu` command functions: classify JSON Lines, export the training data."""

from __future__ import annotations

import io
import json

from bot.nlu import Nlu, load_negative_examples, load_training_examples
from bot.nlu.cli import classify_stream, export_training
from bot.nlu.corpus import generated_examples
from bot.nlu.training_data import load_clinc_in_domain


def test_classify_stream(default_nlu: Nlu) -> None:
    lines = [
        '{"text": "where is order #1001"}\n',
        "\n",
        "not json\n",
        '{"text": 5}\n',
        '["where is my order"]\n',
        '{"text": "hello"}\n',
        '{"message": "hi"}\n',
    ]
    out = io.StringIO()
    errors = classify_stream(default_nlu, lines, out)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert errors == 4
    assert len(records) == 6
    first = records[0]
    assert set(first) == {"text", "intent", "confidence", "entities"}
    assert first["text"] == "where is order #1001"
    assert first["intent"] == "order_status"
    assert first["entities"]["order_numbers"] == ["1001"]
    assert records[1]["error"].startswith("invalid JSON")
    assert records[1]["line"] == 3
    assert records[2] == {"error": 'expected an object with a string "text"', "line": 4}
    assert records[3]["line"] == 5
    assert records[4]["intent"] == "greeting"
    assert records[5] == {"error": 'expected an object with a string "text"', "line": 7}


def test_classify_stream_keeps_unicode(default_nlu: Nlu) -> None:
    out = io.StringIO()
    assert classify_stream(default_nlu, ['{"text": "hé 👋"}'], out) == 0
    assert "hé 👋" in out.getvalue()


def test_export_training() -> None:
    out = io.StringIO()
    export_training(out)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    expected = (
        load_training_examples(split="all")
        + load_clinc_in_domain()
        + generated_examples()
        + load_negative_examples()
    )
    assert len(records) == len(expected)
    assert all(set(r) == {"text", "intent"} for r in records)
    assert records[0] == {"text": expected[0].text, "intent": expected[0].intent.value}
    assert {"text": "my expresso machine wont heat", "intent": "setup_help"} in records


def test_export_training_without_generated() -> None:
    out = io.StringIO()
    export_training(out, include_generated=False)
    expected = load_training_examples(split="all") + load_negative_examples()
    assert len(out.getvalue().splitlines()) == len(expected)


def test_export_training_split_only() -> None:
    out = io.StringIO()
    export_training(out, split="heldout", include_negatives=False)
    assert len(out.getvalue().splitlines()) == len(load_training_examples(split="heldout"))
