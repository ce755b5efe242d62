"""Pick the passage of an article that best answers a query, for showing under a search hit."""

from __future__ import annotations

from collections.abc import Mapping

from .article import Article, shorten
from .markdown import passages
from .text import Analyzer

#: how much a query term counts when it is only in the passage's heading, not the passage
HEADING_SHARE = 0.5
#: the same for the first passage under a heading, which usually answers the heading
LEAD_HEADING_SHARE = 1.0
#: words kept before the first matching word when a long passage has to be cut
LEAD_WORDS = 6


class SnippetPicker:
    """Scores an article's passages against query terms; caches each article's analysed passages."""

    def __init__(self, analyzer: Analyzer, idf: Mapping[str, float], *, max_chars: int) -> None:
        self._analyzer = analyzer
        self._idf = idf
        self._max_chars = max_chars
        self._cache: dict[str, list[tuple[str, frozenset[str], frozenset[str], bool]]] = {}

    def snippet(self, article: Article, terms: Mapping[str, float]) -> str:
        """The passage sharing the rarest query terms with ``terms`` (the body's start if none does).

        A passage scores the inverse document frequency of each query term it contains (words of
        links to other articles do not count), plus a
        share of that for terms found only in its heading (the full amount for the first passage
        under the heading); the earliest best passage wins.
        """
        best_text, best_score = "", 0.0
        for text, own, heading, is_lead in self._passages(article):
            share = LEAD_HEADING_SHARE if is_lead else HEADING_SHARE
            score = 0.0
            matched = False
            for term, factor in terms.items():
                if term in own:
                    score += self._idf.get(term, 0.0) * factor
                    matched = True
                elif term in heading:
                    score += share * self._idf.get(term, 0.0) * factor
            if matched and score > best_score:
                best_text, best_score = text, score
        if not best_text:
            return article.summary(self._max_chars)
        return self._focus(best_text, terms)

    def _passages(self, article: Article) -> list[tuple[str, frozenset[str], frozenset[str], bool]]:
        """(text, its terms, its heading's terms, first under its heading) per passage, cached."""
        cached = self._cache.get(article.id)
        if cached is None:
            analyse = self._analyzer.terms
            cached = []
            previous_heading: str | None = None
            for passage in passages(article.body):
                is_lead = bool(passage.heading) and passage.heading != previous_heading
                previous_heading = passage.heading
                cached.append(
                    (
                        passage.text,
                        frozenset(analyse(passage.own_text)),
                        frozenset(analyse(passage.heading)),
                        is_lead,
                    )
                )
            self._cache[article.id] = cached
        return cached

    def _focus(self, text: str, terms: Mapping[str, float]) -> str:
        """Cut a long passage so that it starts a few words before its first matching word."""
        if len(text) <= self._max_chars:
            return text
        words = text.split(" ")
        first_match = next(
            (i for i, word in enumerate(words) if any(t in terms for t in self._analyzer.terms(word))), 0
        )
        start = max(0, first_match - LEAD_WORDS)
        prefix = "…" if start else ""
        return prefix + shorten(" ".join(words[start:]), self._max_chars - len(prefix))
