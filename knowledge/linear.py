"""Multinomial logistic regression over sparse binary features, trained by SGD in pure Python.

Shared by the intent classifier (:mod:`bot.nlu.classifier`) and the help-article question model
(:mod:`knowledge.questions`). A prediction adds the weight rows of a message's features (scaled by
1/sqrt(their number)) to the biases and takes the softmax.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SgdConfig:
    """Hyper-parameters of :func:`fit_softmax`."""

    epochs: int = 6
    learning_rate: float = 1.0
    #: examples are weighted by (inverse class frequency) ** class_balance
    class_balance: float = 0.7
    #: an example whose true-class probability is above 1 - skip_margin is not updated
    skip_margin: float = 0.02
    #: an example fitted this well (true-class probability above 1 - settled_margin) leaves the later epochs
    settled_margin: float = 0.02
    #: classes whose probability is below this are left out of an update
    active_floor: float = 0.01
    seed: int = 13


def softmax(scores: list[float]) -> list[float]:
    """Probabilities from scores (shifted by their maximum, so large scores do not overflow)."""
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def predict(weights: dict[str, list[float]], bias: list[float], features: Iterable[str]) -> list[float]:
    """Class probabilities for ``features`` (unknown features are ignored)."""
    feats = list(features)
    get = weights.get
    rows = [row for row in map(get, feats) if row is not None]
    if not rows:
        return softmax(list(bias))
    scale = 1.0 / math.sqrt(len(feats))
    sums = map(sum, zip(*rows, strict=True))
    return softmax([total * scale + b for total, b in zip(sums, bias, strict=True)])


def fit_softmax(
    rows: list[list[str]], labels: list[int], n_classes: int, config: SgdConfig
) -> tuple[dict[str, list[float]], list[float]]:
    """Class-weighted SGD on the softmax loss with sparse updates (only classes that matter are touched).

    ``rows`` are the binary features of each example (each row scaled by 1/sqrt(its length)),
    ``labels`` its class number. Returns feature -> one weight per class, and the biases.
    """
    counts = Counter(labels)
    total = len(labels)
    class_weight = [
        (total / (n_classes * counts[c])) ** config.class_balance if counts[c] else 0.0
        for c in range(n_classes)
    ]
    weights: dict[str, list[float]] = {}
    for feats in rows:
        for feat in feats:
            if feat not in weights:
                weights[feat] = [0.0] * n_classes
    vector_rows = [[weights[f] for f in feats] for feats in rows]
    scales = [1.0 / math.sqrt(len(feats)) for feats in rows]
    bias = [0.0] * n_classes
    order = list(range(total))
    rng = random.Random(config.seed)
    floor = config.active_floor
    keep = 1.0 - config.skip_margin
    classes = range(n_classes)
    settled = 1.0 - config.settled_margin
    for epoch in range(config.epochs):
        rng.shuffle(order)
        rate = config.learning_rate / (1.0 + 0.5 * epoch)
        remaining: list[int] = []
        for i in order:
            gold = labels[i]
            scale = scales[i]
            vectors = vector_rows[i]
            sums = map(sum, zip(*vectors, strict=True))
            probs = softmax([total * scale + b for total, b in zip(sums, bias, strict=True)])
            if probs[gold] > keep:
                if probs[gold] < settled:
                    remaining.append(i)
                continue
            remaining.append(i)
            base = rate * class_weight[gold]
            for c in classes:
                p = probs[c]
                if c != gold and p < floor:
                    continue
                grad = base * (p - 1.0 if c == gold else p)
                bias[c] -= grad * 0.1
                delta = grad * scale
                for vector in vectors:
                    vector[c] -= delta
        order = remaining
    return weights, bias
