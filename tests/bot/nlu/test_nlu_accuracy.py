"""Quality gates: accuracy on the fixed held-out split and out-of-scope false-accepts on CLINC150 oos_val."""

from __future__ import annotations

import json

from bot.nlu import IntentClassifier, load_training_examples
from storage.domain import Intent
from tests.paths import CLINC150

CLINC = CLINC150


def test_heldout_accuracy(classifier: IntentClassifier) -> None:
    heldout = load_training_examples(split="heldout")
    wrong = [(e.text, e.intent.value, classifier.predict(e.text)[0].value) for e in heldout]
    wrong = [w for w in wrong if w[1] != w[2]]
    accuracy = 1 - len(wrong) / len(heldout)
    print(f"\nheld-out accuracy: {accuracy:.3f} ({len(heldout) - len(wrong)}/{len(heldout)})")
    for text, gold, predicted in wrong:
        print(f"  {gold} -> {predicted}: {text}")
    assert accuracy >= 0.85


def test_heldout_recall_per_intent(classifier: IntentClassifier) -> None:
    heldout = load_training_examples(split="heldout")
    for intent in Intent:
        examples = [e for e in heldout if e.intent is intent]
        recall = sum(classifier.predict(e.text)[0] is intent for e in examples) / len(examples)
        assert recall >= 0.6, f"{intent.value}: {recall:.2f}"


def test_clinc_oos_val_false_accept(classifier: IntentClassifier) -> None:
    assert CLINC.exists(), f"missing CLINC150 at {CLINC}"
    oos_val = [text for text, _ in json.loads(CLINC.read_text(encoding="utf-8"))["oos_val"]]
    accepted = [(t, classifier.predict(t)) for t in oos_val]
    accepted = [(t, p) for t, p in accepted if p[0] is not Intent.OUT_OF_SCOPE]
    rate = len(accepted) / len(oos_val)
    print(f"\nCLINC150 oos_val false-accept: {rate:.3f} ({len(accepted)}/{len(oos_val)})")
    for text, (intent, confidence) in accepted:
        print(f"  {intent.value} {confidence:.2f}: {text}")
    assert rate <= 0.05
