"""Exact top-k retrieval over precomputed BM25 posting lists, in pure Python.

Two strategies give the same ranking:

* **merge** (term at a time): add every posting of every query term into a score table, then
  take the best ``k``. Cost grows with the total length of the query's posting lists.
* **threshold** (Fagin's threshold algorithm): walk the posting lists in descending weight order,
  always from the list whose next weight is highest, and score each new article completely by
  looking its other weights up. Stop as soon as the ``k``-th best score beats the best score an
  article not yet seen could still reach (the sum of the lists' next weights, times the largest
  boost it could get). For queries with frequent words this touches a few hundred postings
  instead of tens of thousands.

:func:`top_k` picks the strategy: short lists are merged; long ones use the threshold walk,
which hands over to a merge if it runs past a step budget, so no query costs much more than a
merge.
"""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import neg

#: below this many postings in total a plain merge is cheaper than the threshold walk
MERGE_BELOW_POSTINGS = 1500
#: one threshold step costs about as much as merging this many postings
STEP_COST_IN_POSTINGS = 8
#: postings taken from one list before the best list is chosen again
BATCH = 24
#: boost groups up to this size are scored up front instead of loosening the stop bound
SMALL_GROUP = 64
#: an article matching ``m`` of ``n`` query terms keeps ``(m / n) ** COORD_EXPONENT`` of its score
COORD_EXPONENT = 0.5


class PostingList:
    """One term's postings, highest weight first, with a lookup table built on first need."""

    __slots__ = ("_lookup", "docs", "weights")

    def __init__(self, docs: array, weights: array) -> None:
        """``docs`` ascending with their ``weights``; stored by weight, ties keeping article order."""
        order = sorted(range(len(docs)), key=weights.__getitem__, reverse=True)
        self.docs = array(docs.typecode, [docs[i] for i in order])
        self.weights = array(weights.typecode, [weights[i] for i in order])
        self._lookup: dict[int, float] | None = None

    def __len__(self) -> int:
        return len(self.docs)

    @property
    def max_weight(self) -> float:
        """The highest weight of the term in any article."""
        return self.weights[0]

    def lookup(self) -> dict[int, float]:
        """Article number -> weight (built on first call, then kept)."""
        if self._lookup is None:
            self._lookup = dict(zip(self.docs, self.weights, strict=True))
        return self._lookup

    def weight_of(self, doc: int) -> float:
        """The term's weight in article ``doc`` (0.0 when the article lacks the term)."""
        return self.lookup().get(doc, 0.0)

    def count_at_least(self, weight: float) -> int:
        """How many postings weigh ``weight`` or more."""
        return bisect_right(self.weights, -weight, key=neg)


@dataclass(frozen=True, slots=True)
class BoostGroup:
    """Articles whose score is multiplied by ``factor``."""

    docs: Collection[int]
    factor: float


#: a scored article: (article number, score)
Scored = tuple[int, float]


def top_k(
    terms: Sequence[tuple[PostingList, float]],
    k: int,
    *,
    boosts: Sequence[BoostGroup] = (),
    allowed: Collection[int] | None = None,
) -> list[Scored]:
    """The ``k`` best articles for ``terms`` (``(postings, weight factor)`` pairs), best first.

    An article's score is the sum of its term weights (each times the term's factor), times
    ``(matched terms / query terms) ** COORD_EXPONENT`` (articles that match more of the query
    win), times the factor of every boost group holding it. With ``allowed`` only those articles
    are returned. Equal scores rank the lower article number first.
    """
    terms = [(postings, factor) for postings, factor in terms if len(postings) and factor > 0.0]
    if k <= 0 or not terms:
        return []
    if len(terms) == 1 and not boosts and allowed is None:
        return _single(terms[0], k)
    coord = [(matched / len(terms)) ** COORD_EXPONENT for matched in range(len(terms) + 1)]
    total = sum(len(postings) for postings, _ in terms)
    if total < MERGE_BELOW_POSTINGS:
        return _merge(terms, k, coord, boosts, allowed)
    found = _threshold(terms, k, coord, boosts, allowed, budget=total // STEP_COST_IN_POSTINGS)
    return found if found is not None else _merge(terms, k, coord, boosts, allowed)


def _single(term: tuple[PostingList, float], k: int) -> list[Scored]:
    """One term, nothing to boost or filter: the list is already in rank order."""
    postings, factor = term
    return [
        (doc, weight * factor) for doc, weight in zip(postings.docs[:k], postings.weights[:k], strict=True)
    ]


def _best(scores: dict[int, float], k: int) -> list[Scored]:
    if not scores:
        return []
    # the k-th best value first (a fast scan of plain floats), then only the articles reaching it
    threshold = heapq.nlargest(k, scores.values())[-1]
    best = sorted(((s, -d) for d, s in scores.items() if s >= threshold), reverse=True)
    return [(-neg_doc, score) for score, neg_doc in best[:k]]


def _merge(
    terms: Sequence[tuple[PostingList, float]],
    k: int,
    coord: Sequence[float],
    boosts: Sequence[BoostGroup],
    allowed: Collection[int] | None,
) -> list[Scored]:
    ordered = sorted(terms, key=lambda term: -len(term[0]))
    first, factor = ordered[0]
    if factor == 1.0:
        scores = dict(zip(first.docs, first.weights, strict=True))
    else:
        scores = dict(zip(first.docs, map(factor.__mul__, first.weights), strict=True))
    get = scores.get
    for postings, factor in ordered[1:]:
        if factor == 1.0:
            for doc, weight in zip(postings.docs, postings.weights, strict=True):
                scores[doc] = get(doc, 0.0) + weight
        else:
            for doc, weight in zip(postings.docs, postings.weights, strict=True):
                scores[doc] = get(doc, 0.0) + weight * factor
    if allowed is not None:
        for doc in scores.keys() - set(allowed):
            del scores[doc]
    if len(terms) > 1:
        everything = len(terms)
        for doc, matched in Counter(chain.from_iterable(postings.docs for postings, _ in terms)).items():
            if matched < everything and doc in scores:
                scores[doc] *= coord[matched]
    for group in boosts:
        for doc in scores.keys() & group.docs:
            scores[doc] *= group.factor
    return _best(scores, k)


def _threshold(
    terms: Sequence[tuple[PostingList, float]],
    k: int,
    coord: Sequence[float],
    boosts: Sequence[BoostGroup],
    allowed: Collection[int] | None,
    *,
    budget: int,
) -> list[Scored] | None:
    """Threshold walk; ``None`` when it needs more than ``budget`` steps (the caller merges)."""
    lists = [postings for postings, _ in terms]
    factors = [factor for _, factor in terms]
    lookups = [(postings.lookup().get, factor) for postings, factor in terms]
    groups = [(group.docs, group.factor) for group in boosts]
    seen: set[int] = set()
    heap: list[tuple[float, int]] = []  # (score, -article): the worst kept result on top

    def score(doc: int) -> None:
        seen.add(doc)
        if allowed is not None and doc not in allowed:
            return
        raw = 0.0
        matched = 0
        for get, factor in lookups:
            weight = get(doc)
            if weight is not None:
                raw += weight * factor
                matched += 1
        if raw <= 0.0:
            return
        raw *= coord[matched]
        for docs, factor in groups:
            if doc in docs:
                raw *= factor
        entry = (raw, -doc)
        if len(heap) < k:
            heapq.heappush(heap, entry)
        elif entry > heap[0]:
            heapq.heapreplace(heap, entry)

    # Articles of small boost groups are scored up front, so the bound for articles not yet
    # seen needs only the factors of the large groups.
    unseen_boost = 1.0
    for docs, factor in groups:
        if len(docs) <= SMALL_GROUP:
            for doc in docs:
                if doc not in seen:
                    score(doc)
        else:
            unseen_boost *= factor

    count = len(lists)
    positions = [0] * count
    fronts = [postings.weights[0] * factor for postings, factor in terms]
    order = range(count)
    pick = fronts.__getitem__
    steps = 0
    while True:
        front_sum = sum(fronts)
        if front_sum <= 0.0:
            break  # every list walked to its end
        if len(heap) >= k and heap[0][0] > unseen_boost * front_sum:
            break
        if steps >= budget:
            return None
        j = max(order, key=pick)
        postings, factor, start = lists[j], factors[j], positions[j]
        # take postings from list j while it stays the best list (at most BATCH)
        runner_up = max((fronts[i] for i in order if i != j), default=0.0)
        end = min(start + BATCH, len(postings))
        if runner_up > 0.0:
            end = max(start + 1, min(end, postings.count_at_least(runner_up / factor)))
        for doc in postings.docs[start:end]:
            if doc not in seen:
                score(doc)
        steps += end - start
        positions[j] = end
        fronts[j] = postings.weights[end] * factor if end < len(postings) else 0.0
    return [(-neg_doc, s) for s, neg_doc in sorted(heap, reverse=True)]
