"""The ``doorstep nlu`` commands, as functions the CLI wires up (streams in, streams out)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TextIO

from bot.nlu.corpus import generated_examples
from bot.nlu.nlu import Nlu
from bot.nlu.training_data import Split, load_clinc_in_domain, load_negative_examples, load_training_examples


def classify_stream(nlu: Nlu, lines: Iterable[str], out: TextIO) -> int:
    """Read JSON Lines ``{"text": ...}`` and write ``{"text","intent","confidence","entities"}`` per line.

    A malformed line (bad JSON, not an object, no string ``text``) becomes ``{"error": ..., "line": n}``
    and the stream goes on; blank lines are skipped. Returns the number of malformed lines.
    """
    errors = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            errors += 1
            _write(out, {"error": f"invalid JSON: {exc.msg}", "line": number})
            continue
        text = record.get("text") if isinstance(record, dict) else None
        if not isinstance(text, str):
            errors += 1
            _write(out, {"error": 'expected an object with a string "text"', "line": number})
            continue
        _write(out, {"text": text, **nlu.parse(text).to_dict()})
    return errors


def export_training(
    out: TextIO, *, split: Split = "all", include_negatives: bool = True, include_generated: bool = True
) -> None:
    """Print the training examples as JSON Lines ``{"text","intent"}``.

    By default every example: both splits of the bundled training.yaml, the CLINC150 in-domain examples
    and the generated ones (not for ``--split heldout``), then the out-of-scope negatives.
    """
    examples = load_training_examples(split=split)
    if include_generated and split != "heldout":
        examples.extend(load_clinc_in_domain())
        examples.extend(generated_examples())
    if include_negatives:
        examples.extend(load_negative_examples())
    for example in examples:
        _write(out, {"text": example.text, "intent": example.intent.value})


def _write(out: TextIO, record: dict[str, object]) -> None:
    out.write(json.dumps(record, ensure_ascii=False) + "\n")
