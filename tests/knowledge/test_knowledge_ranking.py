"""Exact top-k: both retrieval strategies agree with a brute-force scorer."""

from __future__ import annotations

import random
from array import array

import pytest

from knowledge.ranking import (
    COORD_EXPONENT,
    PACK_MIN_DF,
    BoostGroup,
    Packing,
    PostingList,
    Scored,
    _merge,
    _packed,
    score_articles,
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
    packing = Packing(size=DOCS, max_weight=max(postings.max_weight for postings, _ in terms))

    assert_same(top_k(terms, k, boosts=boosts, allowed=allowed, packing=packing), expected)
    assert_same(top_k(terms, k, boosts=boosts, allowed=allowed), expected)
    assert_same(_merge(terms, k, coord, boosts, allowed), expected)
    assert_same(_packed(terms, k, coord, boosts, allowed, packing), expected)


@pytest.mark.parametrize("seed", range(4))
def test_scoring_chosen_articles_gives_their_top_k_scores(seed: int) -> None:
    rng = random.Random(seed)
    terms = [(random_postings(rng, 300, quantized=False), rng.choice((1.0, 0.8))) for _ in range(3)]
    boosts = [BoostGroup(docs=frozenset(rng.sample(range(DOCS), 1000)), factor=1.5)]
    allowed = set(rng.sample(range(DOCS), 5000))
    everything = dict(brute_force(terms, DOCS, boosts, allowed))
    chosen = rng.sample(sorted(everything), 5) + [doc for doc in range(DOCS) if doc not in everything][:3]

    found = score_articles(terms, chosen, boosts=boosts, allowed=allowed)

    # the articles matching no term (or not allowed) are left out; the others get their exact scores
    assert_same(found, sorted(((doc, everything[doc]) for doc in chosen[:5]), key=lambda s: (-s[1], s[0])))


def test_packed_lanes_mark_exactly_the_articles_reaching_a_floor() -> None:
    packing = Packing(size=5, max_weight=2047.0)  # one quantum per unit of weight
    postings = PostingList(array("I", [0, 2, 4]), array("d", [3.0, 10.0, 9.5]))
    bounds = postings.packed(packing)

    assert packing.lanes(packing.marked(bounds, 10)) == [2, 4]  # 9.5 rounds up to 10
    assert packing.lanes(packing.marked(bounds, 11)) == []
    assert packing.lanes(packing.marked(bounds, 1)) == [0, 2, 4]


def test_packed_lanes_add_without_carrying() -> None:
    packing = Packing(size=3, max_weight=2047.0)
    full = PostingList(array("I", [0, 1, 2]), array("d", [2047.0, 2047.0, 1.0]))
    total = sum(full.packed(packing) for _ in range(15))

    assert packing.lanes(packing.marked(total, 15 * 2047)) == [0, 1]
    assert packing.lanes(packing.marked(total, 16)) == [0, 1]
    assert packing.lanes(packing.marked(total, 15)) == [0, 1, 2]


def test_rare_terms_have_no_packed_bounds_but_still_rank() -> None:
    rng = random.Random(5)
    rare = random_postings(rng, PACK_MIN_DF - 1, quantized=False)
    common = random_postings(rng, 3000, quantized=False)
    terms = [(rare, 1.0), (common, 1.0)]
    packing = Packing(size=DOCS, max_weight=4.0)
    coord = [(matched / 2) ** COORD_EXPONENT for matched in range(3)]

    assert_same(_packed(terms, 5, coord, [], None, packing), brute_force(terms, 5, [], None))


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


@pytest.mark.parametrize("seed", range(12))
def test_down_weighted_terms_and_lowering_groups_keep_packed_bounds_exact(seed: int) -> None:
    rng = random.Random(100 + seed)
    terms = [
        (
            random_postings(rng, rng.choice((300, 1500, 4000)), quantized=seed % 2 == 0),
            rng.choice((1.0, 0.8, 0.55, 0.3, 0.1)),
        )
        for _ in range(rng.randint(2, 6))
    ]
    boosts = [
        BoostGroup(docs=frozenset(rng.sample(range(DOCS), 3000)), factor=rng.choice((1.3, 1.5))),
        BoostGroup(docs=frozenset(rng.sample(range(DOCS), 5000)), factor=rng.choice((0.6, 0.35))),
        BoostGroup(docs=frozenset(rng.sample(range(DOCS), 10)), factor=0.5),
    ]
    k = rng.choice((1, 3, 10))
    coord = [(matched / len(terms)) ** COORD_EXPONENT for matched in range(len(terms) + 1)]
    packing = Packing(size=DOCS, max_weight=max(postings.max_weight for postings, _ in terms))

    assert_same(_packed(terms, k, coord, boosts, None, packing), brute_force(terms, k, boosts, None))


def test_scaling_lanes_never_raises_a_bound_and_loses_at_most_the_reported_quanta() -> None:
    packing = Packing(size=4, max_weight=2047.0)
    summed = sum(
        PostingList(array("I", [0, 1, 2, 3]), array("d", [2047.0, 1000.0, 7.0, 0.0])).packed(packing)
        for _ in range(15)
    )
    lanes = [(summed >> (16 * i)) & 0xFFFF for i in range(4)]
    for factor in (0.9, 0.77, 0.6, 0.5, 0.3, 0.07):
        scaled, lost = packing.scaled_sum(summed, factor)
        for i, lane in enumerate(lanes):
            value = (scaled >> (16 * i)) & 0xFFFF
            assert value <= lane
            assert value + lost >= lane * factor
