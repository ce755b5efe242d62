"""Typo tolerance: map a query term missing from the index vocabulary to close vocabulary terms."""

from __future__ import annotations

from collections.abc import Mapping

from rapidfuzz import process
from rapidfuzz.distance import OSA

#: query terms shorter than this are never corrected (too many near neighbours)
MIN_FUZZY_LENGTH = 4
#: multiplier applied to a corrected term's weight, by edit distance
DISTANCE_FACTORS: Mapping[int, float] = {1: 0.9, 2: 0.7}


def max_edits(length: int) -> int:
    """Edits allowed for a term of ``length`` characters (0 disables correction)."""
    if length < MIN_FUZZY_LENGTH:
        return 0
    return 1 if length < 8 else 2


class VocabularyCorrector:
    """Finds the vocabulary terms closest to an unknown term (optimal string alignment distance).

    Candidates at the smallest distance win; among those the most frequent term (document
    frequency) comes first. Results are computed on first use and cached, up to ``cache_size``
    distinct query terms.
    """

    def __init__(
        self, document_frequency: Mapping[str, int], *, max_candidates: int = 2, cache_size: int = 50_000
    ):
        self._df = document_frequency
        self._max_candidates = max_candidates
        self._cache_size = cache_size
        self._cache: dict[str, tuple[tuple[str, float], ...]] = {}
        self._by_length: dict[int, list[str]] = {}
        for term in document_frequency:
            if term.isalpha():
                self._by_length.setdefault(len(term), []).append(term)

    @property
    def cached_terms(self) -> int:
        """How many distinct query terms have their corrections cached."""
        return len(self._cache)

    def corrections(self, term: str) -> tuple[tuple[str, float], ...]:
        """``(vocabulary term, weight factor)`` pairs for ``term``, best first; empty if none is close."""
        cached = self._cache.get(term)
        if cached is not None:
            return cached
        found = self._compute(term)
        if len(self._cache) < self._cache_size:
            self._cache[term] = found
        return found

    def _compute(self, term: str) -> tuple[tuple[str, float], ...]:
        edits = max_edits(len(term))
        if edits == 0 or not term.isalpha():
            return ()
        best: list[tuple[int, int, str]] = []  # (distance, -df, term)
        for length in range(len(term) - edits, len(term) + edits + 1):
            choices = self._by_length.get(length)
            if not choices:
                continue
            for choice, distance, _ in process.extract(
                term, choices, scorer=OSA.distance, score_cutoff=edits, limit=None
            ):
                best.append((int(distance), -self._df[choice], choice))
        if not best:
            return ()
        best.sort()
        nearest = best[0][0]
        return tuple(
            (choice, DISTANCE_FACTORS.get(distance, 0.5))
            for distance, _, choice in best[: self._max_candidates]
            if distance == nearest
        )
