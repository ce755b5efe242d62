"""Exact top-k: both retrieval strategies agree with a brute-force scorer."""

from __future__ import annotations

import random
from array import array

import pytest

from knowledge.ranking import (
    COORD_EXPONENT,
    BoostGroup,
    PostingList,
    Scored,
    _merge,
    _threshold,
    top_k,
)

DOCS = 6000


def random_postings(rng: random.Random, length: int, *, quantized: bool) -> PostingList:
    docs = sorted(rng.sample(range(DOCS), length))
    if quantized:  # few distinct values: many ties
        weights = [rng.choice((0.5, 1.0, 1.5, 2.0)) for _ in docs]
    else:
        weights = [rng.uniform(0.05, 4.0) for _ in docs]
    return PostingList(array("I", docs), array("d", weights))


def brute_force(
    terms: list[tuple[PostingList, float]],
    k: int,
    boosts: list[BoostGroup],
    allowed: set[int] | None,
) -> list[Scored]:
    scores: list[Scored] = []
    for doc in range(DOCS):
        if allowed is not None and doc not in allowed:
            continue
        weights = [postings.weight_of(doc) * factor for postings, factor in terms if postings.weight_of(doc)]
        if not weights:
            continue
        score = sum(weights) * (len(weights) / len(terms)) ** COORD_EXPONENT
        for group in boosts:
            if doc in group.docs:
                score *= group.factor
        scores.append((doc, score))
    scores.sort(key=lambda scored: (-scored[1], scored[0]))
    return scores[:k]


def assert_same(found: list[Scored], expected: list[Scored]) -> None:
    assert [doc for doc, _ in found] == [doc for doc, _ in expected]
    assert [score for _, score in found] == pytest.approx([score for _, score in expected])


@pytest.mark.parametrize("seed", range(12))
def test_strategies_match_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    quantized = seed % 3 == 0
    terms = [
        (
            random_postings(rng, rng.choice((40, 300, 1500, 4000)), quantized=quantized),
            rng.choice((1.0, 1.0, 0.9)),
        )
        for _ in range(rng.randint(2, 5))
    ]
    boosts = []
    if seed % 2:
        boosts.append(BoostGroup(docs=frozenset(rng.sample(range(DOCS), 20)), factor=1.8))
        boosts.append(BoostGroup(docs=frozenset(rng.sample(range(DOCS), 2000)), factor=1.5))
    allowed = set(rng.sample(range(DOCS), 4000)) if seed % 4 == 1 else None
    k = rng.choice((1, 3, 10))
    expected = brute_force(terms, k, boosts, allowed)
    coord = [(matched / len(terms)) ** COORD_EXPONENT for matched in range(len(terms) + 1)]

    assert_same(top_k(terms, k, boosts=boosts, allowed=allowed), expected)
    assert_same(_merge(terms, k, coord, boosts, allowed), expected)
    walked = _threshold(terms, k, coord, boosts, allowed, budget=10**9)
    assert walked is not None
    assert_same(walked, expected)


def test_threshold_walk_gives_up_past_its_budget() -> None:
    rng = random.Random(99)
    terms = [(random_postings(rng, 4000, quantized=False), 1.0) for _ in range(3)]
    coord = [1.0] * 4

    assert _threshold(terms, 3, coord, [], None, budget=5) is None


def test_single_term_is_its_list_in_weight_order() -> None:
    postings = PostingList(array("I", [1, 2, 3, 4]), array("d", [0.5, 2.0, 2.0, 1.0]))

    assert top_k([(postings, 0.5)], 3) == [(2, 1.0), (3, 1.0), (4, 0.5)]


def test_nothing_to_rank() -> None:
    empty = PostingList(array("I"), array("d"))

    assert top_k([], 3) == []
    assert top_k([(empty, 1.0)], 3) == []
    assert top_k([(PostingList(array("I", [1]), array("d", [1.0])), 1.0)], 0) == []


def test_coordination_rewards_matching_more_terms() -> None:
    strong_single = PostingList(array("I", [1, 2]), array("d", [1.9, 1.0]))
    second = PostingList(array("I", [2]), array("d", [0.5]))

    # doc 1: 1.9 * sqrt(1/2) = 1.34; doc 2: (1.0 + 0.5) * 1 = 1.5
    assert [doc for doc, _ in top_k([(strong_single, 1.0), (second, 1.0)], 2)] == [2, 1]
