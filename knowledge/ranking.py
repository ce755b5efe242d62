"""Exact top-k retrieval over precomputed BM25 posting lists, in pure Python.

Two strategies give the same ranking:

* **merge** (term at a time): add every posting of every query term into a score table with
  C-speed dict operations, then take the best ``k``. Cost grows with the total length of the
  query's posting lists, so it is used when they are short.
* **packed bounds**: each term also has a *packed vector*, one Python integer holding a 16-bit
  lane per article with the term's weight quantized upwards (so the lanes are upper bounds).
  Adding the query terms' integers adds all lanes at once (the integer addition runs in C, and
  lanes never carry into each other). A few articles from the top of each list are scored
  exactly to get a floor, the ``k``-th best score so far; one more addition and mask then marks
  every article whose bound reaches that floor, and only those are scored exactly. Queries made
  of frequent words touch a few hundred articles instead of tens of thousands of postings.

The coordination factor (articles matching more of the query win) and boosts only move scores
within known limits, which the bounds account for. A term weighted below 1 (a typo fix, a synonym)
has its lanes scaled down by a multiple of 1/16 before they are added, so that it loosens the
bounds no more than it counts. Large boost groups scale lanes the same way: a group with a factor
above 1 raises every bound and then lowers those of its non-members again, a group with a factor
below 1 lowers those of its members (a mask per group selects the lanes; masks are cached).
"""

from __future__ import annotations

import heapq
import math
import sys
from array import array
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

#: below this many postings in total a plain merge is cheaper than packed bounds
MERGE_BELOW_POSTINGS = 1500
#: boost groups up to this size are scored up front instead of loosening the bounds
SMALL_GROUP = 64
#: an article matching ``m`` of ``n`` query terms keeps ``(m / n) ** COORD_EXPONENT`` of its score
COORD_EXPONENT = 0.5
#: articles scored exactly per wanted result before the coordination floor is known (merge)
SAMPLE_PER_RESULT = 8
#: articles scored exactly from the top of each list to set the first floor (packed bounds)
SEED_PER_LIST = 8
#: with more marked articles than this, score a first share of them and raise the floor again
REFINE_ABOVE = 96
#: largest quantized weight: 15 terms of at most 2047 still fit under the 15th bit of a lane
QUANTUM_MAX = 2047
#: queries with more terms than this are merged (their lane sums could overflow)
MAX_PACKED_TERMS = 15
#: terms in fewer articles than this get no packed vector: their articles are scored exactly
PACK_MIN_DF = 64
#: a factor below 1 is rounded up to a multiple of 1 / FACTOR_STEPS to scale lanes by it
FACTOR_SHIFT = 4
FACTOR_STEPS = 1 << FACTOR_SHIFT
#: lane masks of this many boost groups are kept per index
MASK_CACHE_SIZE = 256


@dataclass(frozen=True, slots=True)
class Packing:
    """Lane layout for packed vectors over ``size`` articles, weights scaled by ``max_weight``."""

    size: int
    max_weight: float
    ones: int = field(init=False)  # 1 in every lane
    high: int = field(init=False)  # the top bit of every lane
    low: int = field(init=False)  # the 12 low bits of every lane (room for QUANTUM_MAX + 1)
    full: int = field(init=False)  # every bit of every lane
    _masks: dict[frozenset[int], int] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        ones = int.from_bytes(b"\x01\x00" * self.size, "little")
        object.__setattr__(self, "ones", ones)
        object.__setattr__(self, "high", ones << 15)
        object.__setattr__(self, "low", ones * 0x0FFF)
        object.__setattr__(self, "full", ones * 0xFFFF)
        object.__setattr__(self, "_masks", {})

    def mask(self, docs: Collection[int]) -> int:
        """All bits set in the lanes of ``docs`` (kept for up to MASK_CACHE_SIZE frozensets)."""
        key = docs if isinstance(docs, frozenset) else frozenset(docs)
        found = self._masks.get(key)
        if found is None:
            data = bytearray(2 * self.size)
            for doc in key:
                data[2 * doc] = data[2 * doc + 1] = 0xFF
            found = int.from_bytes(data, "little")
            if len(self._masks) < MASK_CACHE_SIZE:
                self._masks[key] = found
        return found

    def scaled_sum(self, bounds: int, factor: float) -> tuple[int, int]:
        """Summed lanes ``bounds`` times ``factor`` <= 1, and how many quanta a lane may have lost.

        Shifted copies (halves, quarters ...) are added, so no lane grows and none carries.
        """
        steps = math.ceil(factor * FACTOR_STEPS)
        if steps >= FACTOR_STEPS:
            return bounds, 0
        out = 0
        for shift in range(1, FACTOR_SHIFT + 1):
            if steps & (FACTOR_STEPS >> shift):
                out += (bounds >> shift) & (self.ones * (0xFFFF >> shift))
        return out, steps.bit_count()

    def scaled(self, vector: int, factor: float) -> tuple[int, bool]:
        """``vector`` (one term's lanes) times ``factor`` <= 1, and whether it was scaled.

        Each lane becomes ``floor(lane * m / FACTOR_STEPS)`` with ``m / FACTOR_STEPS >= factor``: at
        most one quantum below an upper bound, which the caller allows for. A lane of at most
        QUANTUM_MAX + 1 times FACTOR_STEPS still fits in 16 bits, so no lane carries into the next.
        """
        steps = math.ceil(factor * FACTOR_STEPS)
        if steps >= FACTOR_STEPS:
            return vector, False
        return ((vector * steps) >> FACTOR_SHIFT) & self.low, True

    @property
    def scale(self) -> float:
        """Weight of one quantum."""
        return (self.max_weight or 1.0) / QUANTUM_MAX

    def marked(self, bounds: int, floor: int) -> int:
        """An integer with the top bit set in each lane of ``bounds`` holding ``floor`` or more."""
        floor = min(max(floor, 1), 1 << 15)
        return (bounds + (self.high - floor * self.ones)) & self.high

    def lanes(self, marks: int) -> list[int]:
        """The article numbers of the lanes set in ``marks`` (from :meth:`marked`)."""
        data = marks.to_bytes(self.size * 2, "little")
        found: list[int] = []
        position = data.find(b"\x80")
        while position >= 0:
            found.append(position >> 1)
            position = data.find(b"\x80", position + 1)
        return found


class PostingList:
    """One term's postings, highest weight first; a lookup table and a packed vector on first need."""

    __slots__ = ("_lookup", "_packed", "docs", "weights")

    def __init__(self, docs: array, weights: array) -> None:
        """``docs`` ascending with their ``weights``; stored by weight, ties keeping article order."""
        order = sorted(range(len(docs)), key=weights.__getitem__, reverse=True)
        self.docs = array(docs.typecode, [docs[i] for i in order])
        self.weights = array(weights.typecode, [weights[i] for i in order])
        self._lookup: dict[int, float] | None = None
        self._packed: int | None = None

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

    def packed(self, packing: Packing) -> int:
        """The packed upper-bound vector of this term (built on first call, then kept: 2 bytes per
        article of the index, so the index builds it up front only for frequent terms)."""
        if self._packed is None:
            lanes = array("H", bytes(2 * packing.size))
            per_quantum = 1.0 / packing.scale
            for doc, weight in zip(self.docs, self.weights, strict=True):
                lanes[doc] = min(QUANTUM_MAX + 1, math.ceil(weight * per_quantum))
            if sys.byteorder == "big":
                lanes.byteswap()
            self._packed = int.from_bytes(lanes.tobytes(), "little")
        return self._packed


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
    packing: Packing | None = None,
) -> list[Scored]:
    """The ``k`` best articles for ``terms`` (``(postings, weight factor <= 1)`` pairs), best first.

    An article's score is the sum of its term weights (each times the term's factor), times
    ``(matched terms / query terms) ** COORD_EXPONENT`` (articles that match more of the query
    win), times the factor of every boost group holding it. With ``allowed`` only those articles
    are returned. Equal scores rank the lower article number first. ``packing`` (the index's
    lane layout) enables packed bounds for long posting lists.
    """
    terms = [(postings, factor) for postings, factor in terms if len(postings) and factor > 0.0]
    if k <= 0 or not terms:
        return []
    if len(terms) == 1 and not boosts and allowed is None:
        return _single(terms[0], k)
    coord = [(matched / len(terms)) ** COORD_EXPONENT for matched in range(len(terms) + 1)]
    total = sum(len(postings) for postings, _ in terms)
    if packing is None or total < MERGE_BELOW_POSTINGS or len(terms) > MAX_PACKED_TERMS:
        return _merge(terms, k, coord, boosts, allowed)
    return _packed(terms, k, coord, boosts, allowed, packing)


def score_articles(
    terms: Sequence[tuple[PostingList, float]],
    docs: Collection[int],
    *,
    boosts: Sequence[BoostGroup] = (),
    allowed: Collection[int] | None = None,
) -> list[Scored]:
    """The exact scores of the articles ``docs`` (those matching a term and ``allowed``), best first.

    The same score as :func:`top_k` gives them, for a few articles picked by other means.
    """
    terms = [(postings, factor) for postings, factor in terms if len(postings) and factor > 0.0]
    if not terms or not docs:
        return []
    coord = [(matched / len(terms)) ** COORD_EXPONENT for matched in range(len(terms) + 1)]
    scorer = _ExactScorer(terms, len(docs), coord, boosts, allowed)
    scorer.score(list(docs))
    return scorer.best()


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


def _best_coordinated(
    scores: dict[int, float], extra: Mapping[int, int], coord: Sequence[float], k: int
) -> list[Scored]:
    """Top ``k`` after the coordination factor, which only lowers scores.

    Exact final scores are computed for a sample with the best upper bounds; its ``k``-th best
    final score is a floor that every article of the true top ``k`` must reach as an upper bound.
    """
    sample_size = k * SAMPLE_PER_RESULT
    if len(scores) <= sample_size:
        return _best({d: s * coord[1 + extra.get(d, 0)] for d, s in scores.items()}, k)
    cut = heapq.nlargest(sample_size, scores.values())[-1]
    finals = {d: s * coord[1 + extra.get(d, 0)] for d, s in scores.items() if s >= cut}
    floor = heapq.nlargest(k, finals.values())[-1]
    if floor < cut:
        finals.update({d: s * coord[1 + extra.get(d, 0)] for d, s in scores.items() if floor <= s < cut})
    return _best(finals, k)


def _merge(
    terms: Sequence[tuple[PostingList, float]],
    k: int,
    coord: Sequence[float],
    boosts: Sequence[BoostGroup],
    allowed: Collection[int] | None,
) -> list[Scored]:
    """Term at a time; Python code only runs for articles found in more than one list."""

    def table(postings: PostingList, factor: float) -> dict[int, float]:
        if factor == 1.0:
            return postings.lookup()
        return dict(zip(postings.docs, map(factor.__mul__, postings.weights), strict=True))

    ordered = sorted(terms, key=lambda term: -len(term[0]))
    scores = dict(table(*ordered[0]))
    extra: Counter[int] = Counter()  # matched terms beyond the first, per article
    for postings, factor in ordered[1:]:
        weights = table(postings, factor)
        both = scores.keys() & weights.keys()
        summed = {doc: scores[doc] + weights[doc] for doc in both}
        scores |= weights
        scores |= summed
        extra.update(both)
    if allowed is not None:
        for doc in scores.keys() - set(allowed):
            del scores[doc]
    for group in boosts:
        for doc in scores.keys() & group.docs:
            scores[doc] *= group.factor
    return _best_coordinated(scores, extra, coord, k)


class _ExactScorer:
    """Scores single articles exactly and keeps the best ``k`` seen (ties: lower article first)."""

    def __init__(
        self,
        terms: Sequence[tuple[PostingList, float]],
        k: int,
        coord: Sequence[float],
        boosts: Sequence[BoostGroup],
        allowed: Collection[int] | None,
    ) -> None:
        self._lookups = [(postings.lookup().get, factor) for postings, factor in terms]
        self._groups = [(group.docs, group.factor) for group in boosts]
        self._coord = coord
        self._allowed = allowed
        self._k = k
        self.seen: set[int] = set()
        self.heap: list[tuple[float, int]] = []  # (score, -article): the worst kept result on top

    @property
    def floor(self) -> float | None:
        """The ``k``-th best score so far (``None`` until ``k`` articles scored above zero)."""
        return self.heap[0][0] if len(self.heap) >= self._k else None

    def score(self, docs: Sequence[int]) -> None:
        seen, heap, k, allowed = self.seen, self.heap, self._k, self._allowed
        for doc in docs:
            if doc in seen:
                continue
            seen.add(doc)
            if allowed is not None and doc not in allowed:
                continue
            raw = 0.0
            matched = 0
            for get, factor in self._lookups:
                weight = get(doc)
                if weight is not None:
                    raw += weight * factor
                    matched += 1
            if not matched:
                continue
            raw *= self._coord[matched]
            for group_docs, factor in self._groups:
                if doc in group_docs:
                    raw *= factor
            entry = (raw, -doc)
            if len(heap) < k:
                heapq.heappush(heap, entry)
            elif entry > heap[0]:
                heapq.heapreplace(heap, entry)

    def best(self) -> list[Scored]:
        return [(-neg_doc, score) for score, neg_doc in sorted(self.heap, reverse=True)]


def _packed(
    terms: Sequence[tuple[PostingList, float]],
    k: int,
    coord: Sequence[float],
    boosts: Sequence[BoostGroup],
    allowed: Collection[int] | None,
    packing: Packing,
) -> list[Scored]:
    scorer = _ExactScorer(terms, k, coord, boosts, allowed)
    # Articles of small boost groups are scored up front, so the bounds of the others need only
    # the factors of the large groups: the largest factor all round, lanes scaled down after.
    unseen_boost = 1.0
    large: list[BoostGroup] = []
    for group in boosts:
        if len(group.docs) <= SMALL_GROUP:
            scorer.score(list(group.docs))
        elif group.factor != 1.0:
            unseen_boost *= max(1.0, group.factor)
            large.append(group)
    for postings, _ in terms:
        # rare terms: all their articles; frequent ones: the best few, for a first floor
        scorer.score(postings.docs if len(postings) < PACK_MIN_DF else postings.docs[:SEED_PER_LIST])

    # the articles of rare terms are all scored, so the bounds of the others leave those terms out
    bounds = 0
    scaled = 0  # lanes scaled down, each up to one quantum below its bound
    for postings, factor in terms:
        if len(postings) >= PACK_MIN_DF:
            vector, was_scaled = packing.scaled(postings.packed(packing), factor)
            bounds += vector
            scaled += was_scaled
    for group in large:
        members = packing.mask(group.docs)
        side = members if group.factor < 1.0 else packing.full ^ members
        relative = group.factor if group.factor < 1.0 else 1.0 / group.factor
        lowered, lost = packing.scaled_sum(bounds & side, relative)
        bounds = (bounds & ~side) + lowered
        scaled += lost
    quantum = packing.scale * unseen_boost

    def lane_floor() -> int:
        # every article that can still reach the k-th best score has a bound of at least this
        floor = scorer.floor
        return 1 if floor is None else math.floor(floor / quantum * (1.0 - 1e-9)) - scaled

    floor = lane_floor()
    candidates = packing.lanes(packing.marked(bounds, floor))
    done = 0
    while len(candidates) - done > REFINE_ABOVE:
        # score a share of the marked articles; if that raises the floor, mark again
        chunk = candidates[done : done + REFINE_ABOVE // 2]
        scorer.score(chunk)
        done += len(chunk)
        raised = lane_floor()
        if raised > floor:
            floor = raised
            candidates = packing.lanes(packing.marked(bounds, floor))
            done = 0
    scorer.score(candidates[done:])
    return scorer.best()
