"""Metrics, k-fold out-of-fold predictions and threshold tuning shared by every model in the NLU bench.

Both our classifier and the scikit-learn baseline go through exactly the same procedure: a model is a
``fit(examples) -> predict(texts) -> [(intent, confidence)]`` pair, the out-of-scope threshold is picked
on out-of-fold predictions over the *train* split, and the held-out split is only used to report.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.nlu.training_data import TrainingExample
from storage.domain import Intent

Prediction = tuple[Intent, float]
#: trains on examples and returns a batch predictor (intent before thresholding, confidence)
Trainer = Callable[[Sequence[TrainingExample]], Callable[[Sequence[str]], list[Prediction]]]

THRESHOLD_GRID: tuple[float, ...] = tuple(round(0.05 * i, 2) for i in range(19))


@dataclass(frozen=True, slots=True)
class Scores:
    """Accuracy and macro-F1 over all intents (out_of_scope included)."""

    accuracy: float
    macro_f1: float
    per_intent_f1: dict[Intent, float]


def apply_threshold(predictions: Sequence[Prediction], threshold: float) -> list[Intent]:
    """Turn predictions below ``threshold`` into out_of_scope."""
    return [intent if confidence >= threshold else Intent.OUT_OF_SCOPE for intent, confidence in predictions]


def score(gold: Sequence[Intent], predicted: Sequence[Intent]) -> Scores:
    """Accuracy and macro-F1 (over the intents present in ``gold`` or ``predicted``)."""
    if len(gold) != len(predicted) or not gold:
        raise ValueError("gold and predicted must be non-empty and of equal length")
    tp: dict[Intent, int] = defaultdict(int)
    fp: dict[Intent, int] = defaultdict(int)
    fn: dict[Intent, int] = defaultdict(int)
    for g, p in zip(gold, predicted, strict=True):
        if g == p:
            tp[g] += 1
        else:
            fp[p] += 1
            fn[g] += 1
    labels = set(gold) | set(predicted)
    f1 = {
        label: (2 * tp[label] / (2 * tp[label] + fp[label] + fn[label])) if tp[label] else 0.0
        for label in labels
    }
    accuracy = sum(tp.values()) / len(gold)
    return Scores(accuracy, sum(f1.values()) / len(f1), f1)


def stratified_folds(examples: Sequence[TrainingExample], k: int, seed: int = 7) -> list[list[int]]:
    """Indices of ``examples`` split into ``k`` folds, each intent spread evenly (deterministic)."""
    by_intent: dict[Intent, list[int]] = defaultdict(list)
    for index, example in enumerate(examples):
        by_intent[example.intent].append(index)
    rng = random.Random(seed)
    folds: list[list[int]] = [[] for _ in range(k)]
    for intent in sorted(by_intent):
        indices = by_intent[intent]
        rng.shuffle(indices)
        for position, index in enumerate(indices):
            folds[position % k].append(index)
    return folds


def out_of_fold(examples: Sequence[TrainingExample], trainer: Trainer, k: int = 5) -> list[Prediction]:
    """Predictions for every example from a model that did not see it (k-fold)."""
    predictions: list[Prediction | None] = [None] * len(examples)
    for fold in stratified_folds(examples, k):
        held = set(fold)
        fitted = trainer([example for i, example in enumerate(examples) if i not in held])
        for index, prediction in zip(fold, fitted([examples[i].text for i in fold]), strict=True):
            predictions[index] = prediction
    return [p for p in predictions if p is not None]


def tune_threshold(
    examples: Sequence[TrainingExample], predictions: Sequence[Prediction], tolerance: float = 0.002
) -> float:
    """The highest grid threshold whose out-of-fold macro-F1 is within ``tolerance`` of the best one.

    The F1 curve is flat at low thresholds; among near-equal thresholds the highest is taken because
    a wrongly accepted unrelated message costs more than a wrongly rejected one (the fallback asks).
    """
    gold = [example.intent for example in examples]
    curve = [
        (threshold, score(gold, apply_threshold(predictions, threshold)).macro_f1)
        for threshold in THRESHOLD_GRID
    ]
    best = max(f1 for _, f1 in curve)
    return max(threshold for threshold, f1 in curve if f1 >= best - tolerance)


def false_accept_rate(predictions: Sequence[Prediction], threshold: float) -> float:
    """Fraction of out-of-scope utterances NOT classified out_of_scope."""
    intents = apply_threshold(predictions, threshold)
    return sum(1 for intent in intents if intent is not Intent.OUT_OF_SCOPE) / len(intents)
