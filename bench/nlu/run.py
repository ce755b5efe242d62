"""NLU benchmark: doorstep's classifier beside a TF-IDF + LogisticRegression peer, measured in the same run.

Both models train on the same examples (:func:`bot.nlu.corpus.default_training_set`: the hand-written
train split, the generated examples, CLINC150's in-domain and out-of-scope examples). Figures:

- **held-out frames**: both models retrained on the grammar with one in four frames, actions, topics,
  whole messages and synonym-group members left out (:meth:`bot.nlu.generator.Grammar.holdout`), then
  scored on generated messages that use at least one left-out part; the hand-written held-out split too;
- **held-out voices**: both models retrained without one voice of ``bot/nlu/data/voices.yaml`` (messages
  written apart, each voice by a different writer), scored on that voice; every voice in turn, pooled;
- **dev set** (``../shared/data/shopper-phrasings/dev.jsonl``, written apart from this project; evaluation
  only, never trained or tuned on; skipped with a line when absent): exact intent accuracy, family
  accuracy (see :data:`FAMILIES`) and the out-of-scope false-accept rate;
- **CLINC150 oos_val** false-accept rate (the copy in ``tests/fixtures/clinc150``);
- classify latency per message, p50 and p99 (one message per call, best of 5 runs each);
- model size and training time.

doorstep is measured as shipped (``bot/nlu/data/intent_model.bin``, its ``DEFAULT_THRESHOLD``); the peer's
out-of-scope threshold is tuned on out-of-fold predictions over the training set (3 folds, macro-F1).
Run: ``.venv/bin/python -m bench.nlu.run [--dev PATH] [--clinc PATH]``
"""

from __future__ import annotations

import argparse
import gc
import json
import pickle
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.nlu.evaluation import Prediction, apply_threshold, out_of_fold, tune_threshold
from bot.nlu import IntentClassifier, TrainingConfig, default_training_set, load_classifier
from bot.nlu.classifier import DEFAULT_THRESHOLD
from bot.nlu.families import FAMILIES
from bot.nlu.generator import Grammar
from bot.nlu.model_file import default_model_path
from bot.nlu.training_data import TrainingExample, load_training_examples, load_voice_examples
from storage.domain import Intent

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CLINC = REPO / "tests" / "fixtures" / "clinc150" / "dev_splits.json"
DEFAULT_DEV = REPO.parent / "shared" / "data" / "shopper-phrasings" / "dev.jsonl"
LATENCY_ROUNDS = 5
FOLDS = 3
HOLDOUT_EVERY = 4
HELD_OUT_PER_INTENT = 150
TARGET_DEV_ACCURACY = 0.95
TARGET_DEV_FALSE_ACCEPT = 0.03
BASELINE_DESCRIPTION = (
    "TfidfVectorizer(word 1-2 grams, sublinear tf) + LogisticRegression(C=10, class_weight=balanced)"
)

Classify = Callable[[Sequence[str]], list[Intent]]


@dataclass(slots=True)
class Figures:
    """One model's figures (None: not measured in this run)."""

    held_out_frames: float = 0.0
    held_out_voices: float = 0.0
    held_out_hand: float = 0.0
    dev_exact: float | None = None
    dev_family: float | None = None
    dev_false_accept: float | None = None
    clinc_false_accept: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    size_mb: float = 0.0
    train_seconds: float = 0.0
    threshold: float = 0.0


# ---------------------------------------------------------------- the two models
def ours_classify(classifier: IntentClassifier) -> Classify:
    """doorstep's classifier, with its own out-of-scope rules and threshold."""
    return lambda texts: [classifier.predict(text)[0] for text in texts]


def baseline_pipeline(examples: Sequence[TrainingExample]) -> Any:
    """The peer: see ``BASELINE_DESCRIPTION`` (scikit-learn is imported here: bench/test only)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    pipeline = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
        LogisticRegression(C=10.0, class_weight="balanced", max_iter=3000),
    )
    pipeline.fit([e.text for e in examples], [e.intent.value for e in examples])
    return pipeline


def baseline_predictions(pipeline: Any) -> Callable[[Sequence[str]], list[Prediction]]:
    """The peer's best class and its probability, before the threshold."""
    classes = [Intent(c) for c in pipeline.classes_]

    def predict(texts: Sequence[str]) -> list[Prediction]:
        out: list[Prediction] = []
        for row in pipeline.predict_proba(list(texts)):
            best = int(row.argmax())
            out.append((classes[best], float(row[best])))
        return out

    return predict


def baseline_classify(pipeline: Any, threshold: float) -> Classify:
    """The peer with its tuned out-of-scope threshold."""
    predict = baseline_predictions(pipeline)
    return lambda texts: apply_threshold(predict(texts), threshold)


def baseline_trainer(examples: Sequence[TrainingExample]) -> Callable[[Sequence[str]], list[Prediction]]:
    """Train the peer (for out-of-fold threshold tuning)."""
    return baseline_predictions(baseline_pipeline(examples))


# ---------------------------------------------------------------- measuring
def accuracy(classify: Classify, rows: Sequence[tuple[str, Intent]]) -> float:
    """Share of ``rows`` classified as labelled."""
    predicted = classify([text for text, _ in rows])
    return sum(p is gold for p, (_, gold) in zip(predicted, rows, strict=True)) / len(rows)


def dev_figures(classify: Classify, rows: Sequence[tuple[str, Intent]]) -> tuple[float, float, float]:
    """Exact accuracy, family accuracy and out-of-scope false accept on the dev set."""
    predicted = classify([text for text, _ in rows])
    pairs = list(zip(predicted, (gold for _, gold in rows), strict=True))
    exact = sum(p is g for p, g in pairs) / len(pairs)
    family = sum(FAMILIES[p] == FAMILIES[g] for p, g in pairs) / len(pairs)
    oos = [p for p, g in pairs if g is Intent.OUT_OF_SCOPE]
    false_accept = sum(p is not Intent.OUT_OF_SCOPE for p in oos) / max(len(oos), 1)
    return exact, family, false_accept


def false_accept(classify: Classify, texts: Sequence[str]) -> float:
    """Share of out-of-scope ``texts`` taken as an intent."""
    return sum(p is not Intent.OUT_OF_SCOPE for p in classify(texts)) / len(texts)


def latency(classify: Classify, texts: Sequence[str]) -> tuple[float, float]:
    """p50 and p99 over messages of the per-message time in ms, one message per call, best of 5 runs."""
    for text in texts[:20]:
        classify([text])
    best = [float("inf")] * len(texts)
    gc.collect()
    for _ in range(LATENCY_ROUNDS):
        for index, text in enumerate(texts):
            start = time.perf_counter()
            classify([text])
            best[index] = min(best[index], (time.perf_counter() - start) * 1000.0)
    best.sort()
    return statistics.median(best), best[min(len(best) - 1, int(len(best) * 0.99))]


def load_dev(path: Path) -> list[tuple[str, Intent]] | None:
    """The dev set's (text, intent) rows, or None when the file is absent."""
    if not path.exists():
        return None
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(row["text"], Intent(row["intent"])) for row in rows]


def held_out_voices(peer_threshold: float) -> tuple[float, float]:
    """Both models' exact accuracy on each voice of ``voices.yaml`` when trained without it, pooled."""
    right = {"ours": 0, "peer": 0}
    total = 0
    for voice, examples in load_voice_examples().items():
        train = default_training_set(leave_out_voice=voice)
        rows = [(example.text, example.intent) for example in examples]
        ours = ours_classify(IntentClassifier.train(train, TrainingConfig()))
        peer = baseline_classify(baseline_pipeline(train), peer_threshold)
        right["ours"] += round(accuracy(ours, rows) * len(rows))
        right["peer"] += round(accuracy(peer, rows) * len(rows))
        total += len(rows)
    return right["ours"] / total, right["peer"] / total


def _timed(build: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    built = build()
    return built, time.perf_counter() - start


# ---------------------------------------------------------------- the run
def main(argv: list[str] | None = None) -> int:
    """Run the bench and print the figures; exit code 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clinc", type=Path, default=DEFAULT_CLINC, help="CLINC150 dev_splits.json")
    parser.add_argument("--dev", type=Path, default=DEFAULT_DEV, help="the shopper-phrasings dev.jsonl")
    parser.add_argument("--folds", type=int, default=FOLDS, help="folds for the peer's threshold tuning")
    args = parser.parse_args(argv)

    oos_val = [text for text, _ in json.loads(args.clinc.read_text(encoding="utf-8"))["oos_val"]]
    dev = load_dev(args.dev)
    train = default_training_set()
    hand_heldout = [(e.text, e.intent) for e in load_training_examples(split="heldout")]
    grammar = Grammar.load()
    train_grammar, left_out = grammar.holdout(HOLDOUT_EVERY)
    frames_train = default_training_set(train_grammar)
    frames_test = [
        (e.text, e.intent)
        for e in grammar.generate(HELD_OUT_PER_INTENT, seed=99, require_any_of=left_out)
    ]
    print(
        f"train: {len(train)} examples ({sum(e.intent is not Intent.OUT_OF_SCOPE for e in train)} in-domain);"
        f" held-out frames: {len(frames_test)} messages using {len(left_out)} parts left out of training;"
        f" hand-written held-out: {len(hand_heldout)}; oos_val: {len(oos_val)}"
    )
    if dev is None:
        print(f"dev set: not found at {args.dev}; its figures are skipped")
    else:
        print(f"dev set: {len(dev)} messages from {args.dev} (evaluation only)")
    print(f"peer: {BASELINE_DESCRIPTION}")

    ours, base = Figures(threshold=DEFAULT_THRESHOLD), Figures()
    # doorstep as shipped; its training time measured by training the same data again
    shipped = load_classifier()
    _, ours.train_seconds = _timed(lambda: IntentClassifier.train(train))
    ours.size_mb = default_model_path().stat().st_size / 1e6
    # the peer: threshold tuned out-of-fold, then fitted on everything
    base.threshold = tune_threshold(train, out_of_fold(train, baseline_trainer, k=args.folds))
    pipeline, base.train_seconds = _timed(lambda: baseline_pipeline(train))
    base.size_mb = len(pickle.dumps(pipeline)) / 1e6
    models = {"ours": (ours, ours_classify(shipped)), "peer": (base, baseline_classify(pipeline, base.threshold))}

    for figures, classify in models.values():
        figures.held_out_hand = accuracy(classify, hand_heldout)
        figures.clinc_false_accept = false_accept(classify, oos_val)
        if dev is not None:
            figures.dev_exact, figures.dev_family, figures.dev_false_accept = dev_figures(classify, dev)
        probe = [text for text, _ in hand_heldout] + oos_val
        figures.p50_ms, figures.p99_ms = latency(classify, probe)

    # held-out frames: both retrained without the left-out parts
    ours.held_out_frames = accuracy(
        ours_classify(IntentClassifier.train(frames_train, TrainingConfig())), frames_test
    )
    frames_pipeline = baseline_pipeline(frames_train)
    base.held_out_frames = accuracy(baseline_classify(frames_pipeline, base.threshold), frames_test)
    ours.held_out_voices, base.held_out_voices = held_out_voices(base.threshold)

    print(f"\n{'figure':<34}{'doorstep':>10}{'peer':>10}{'ratio':>8}")
    rows: list[tuple[str, float | None, float | None, str, bool]] = [
        ("held-out frames accuracy", ours.held_out_frames, base.held_out_frames, ".3f", True),
        ("held-out voices accuracy", ours.held_out_voices, base.held_out_voices, ".3f", True),
        ("hand-written held-out accuracy", ours.held_out_hand, base.held_out_hand, ".3f", True),
        ("dev exact accuracy", ours.dev_exact, base.dev_exact, ".3f", True),
        ("dev family accuracy", ours.dev_family, base.dev_family, ".3f", True),
        ("dev out-of-scope false accept", ours.dev_false_accept, base.dev_false_accept, ".3f", False),
        ("CLINC150 oos_val false accept", ours.clinc_false_accept, base.clinc_false_accept, ".3f", False),
        ("classify p50 (ms)", ours.p50_ms, base.p50_ms, ".4f", False),
        ("classify p99 (ms)", ours.p99_ms, base.p99_ms, ".4f", False),
        ("model size (MB)", ours.size_mb, base.size_mb, ".2f", False),
        ("train time (s)", ours.train_seconds, base.train_seconds, ".1f", False),
        ("out-of-scope threshold", ours.threshold, base.threshold, ".2f", False),
    ]
    ahead = True
    for label, mine, theirs, fmt, higher_is_better in rows:
        if mine is None or theirs is None:
            print(f"{label:<34}{'-':>10}{'-':>10}")
            continue
        ratio = mine / theirs if theirs else float("inf") if mine else 1.0
        print(f"{label:<34}{format(mine, fmt):>10}{format(theirs, fmt):>10}{ratio:>8.2f}")
        if label in ("model size (MB)", "train time (s)", "out-of-scope threshold"):
            continue
        ahead &= mine >= theirs if higher_is_better else mine <= theirs

    targets = [f"ahead of the peer on every figure: {'yes' if ahead else 'NO'}",
               f"classify p99 <= 1 ms: {'yes' if ours.p99_ms <= 1.0 else 'NO'}",
               f"model < 20 MB: {'yes' if ours.size_mb < 20 else 'NO'}"]
    met = ahead and ours.p99_ms <= 1.0 and ours.size_mb < 20
    if ours.dev_exact is not None and ours.dev_false_accept is not None:
        dev_met = ours.dev_exact >= TARGET_DEV_ACCURACY and ours.dev_false_accept <= TARGET_DEV_FALSE_ACCEPT
        targets.append(
            f"dev exact >= {TARGET_DEV_ACCURACY} and false accept <= {TARGET_DEV_FALSE_ACCEPT}:"
            f" {'yes' if dev_met else 'NO'}"
        )
        met &= dev_met
    print("\ntargets: " + "; ".join(targets) + f" -> {'MET' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
