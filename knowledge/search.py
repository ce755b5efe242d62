"""Full-text search over help articles: BM25F-style ranking, typo tolerance and context boosts.

The index is built once. For every (term, article) pair the BM25 weight (title, tags and SKUs
weighted above the body) is computed at build time, so a query only combines precomputed
numbers; :mod:`knowledge.ranking` finds the exact top results without touching most postings.
Query terms missing from the vocabulary are corrected with rapidfuzz (cached per term).
Articles about the shopper's products, categories or the detected intent are boosted;
``locale`` filters.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from .article import Article
from .fuzzy import VocabularyCorrector
from .markdown import KB_LINK_RE
from .ranking import PACK_MIN_DF, BoostGroup, Packing, PostingList, top_k
from .snippets import SnippetPicker
from .text import Analyzer


@dataclass(frozen=True, slots=True)
class SearchConfig:
    """Ranking knobs. Field weights multiply term frequencies; boosts multiply final scores."""

    k1: float = 1.2
    b: float = 0.75
    title_weight: float = 3.0
    tags_weight: float = 2.5
    products_weight: float = 2.0
    product_boost: float = 1.8
    category_boost: float = 1.25
    intent_boost: float = 1.5
    snippet_chars: int = 240


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One result: the article, its score (higher is better) and the best-matching passage."""

    article: Article
    score: float
    snippet: str


def _language(locale: str) -> str:
    return locale.split("-", 1)[0].split("_", 1)[0].casefold()


class SearchIndex:
    """An inverted index over article titles, tags, product SKUs and bodies.

    Build it with :meth:`build`; it never changes afterwards (rebuild to add articles).
    """

    def __init__(
        self,
        *,
        articles: Sequence[Article],
        postings: Mapping[str, PostingList],
        idf: Mapping[str, float],
        config: SearchConfig,
        analyzer: Analyzer,
    ) -> None:
        self._articles = tuple(articles)
        self._postings = postings
        self._idf = idf
        self._config = config
        self._analyzer = analyzer
        self._corrector = VocabularyCorrector({term: len(p.docs) for term, p in postings.items()})
        self._by_product = self._group(lambda a: (sku.upper() for sku in a.products))
        self._by_category = self._group(lambda a: a.categories)
        self._by_intent = self._group(lambda a: (str(intent) for intent in a.intents))
        self._by_language = self._group(lambda a: (_language(a.locale),))
        self._snippets = SnippetPicker(analyzer, idf, max_chars=config.snippet_chars)
        self._packing = Packing(
            size=len(self._articles), max_weight=max((p.max_weight for p in postings.values()), default=1.0)
        )
        for posting_list in postings.values():
            if len(posting_list) >= PACK_MIN_DF:
                posting_list.packed(self._packing)

    @classmethod
    def build(cls, articles: Iterable[Article], *, config: SearchConfig | None = None) -> SearchIndex:
        """Index ``articles`` (any order; ids should be unique).

        Memory beyond the articles: about 12 bytes per (term, article) pair, plus a packed
        vector of 2 bytes per article for each term found in at least ``PACK_MIN_DF`` articles
        (none for a small knowledge base; about 14 MB for 10,000 synthetic articles). Lookup
        tables of about 100 bytes per pair are added for the terms that queries use.
        """
        config = config or SearchConfig()
        analyzer = Analyzer()
        articles = tuple(articles)
        doc_terms: dict[str, array] = {}
        doc_tfs: dict[str, array] = {}
        lengths: list[float] = []
        for number, article in enumerate(articles):
            # internal link texts name other articles, so they do not count for this one
            weighted: dict[str, float] = dict(Counter(analyzer.terms(KB_LINK_RE.sub(" ", article.body))))
            for weight, text in (
                (config.title_weight, article.title),
                (config.tags_weight, " ".join(article.tags)),
                (config.products_weight, " ".join(article.products)),
            ):
                for term, count in Counter(analyzer.terms(text)).items():
                    weighted[term] = weighted.get(term, 0.0) + weight * count
            lengths.append(sum(weighted.values()))
            for term, tf in weighted.items():
                docs = doc_terms.get(term)
                if docs is None:
                    docs = doc_terms[term] = array("I")
                    doc_tfs[term] = array("d")
                docs.append(number)
                doc_tfs[term].append(tf)

        total = len(articles)
        average = (sum(lengths) / total) if total else 1.0
        k1, b = config.k1, config.b
        norms = [k1 * (1.0 - b + b * length / average) for length in lengths]
        postings: dict[str, PostingList] = {}
        idf: dict[str, float] = {}
        scale = k1 + 1.0
        for term, docs in doc_terms.items():
            df = len(docs)
            term_idf = math.log(1.0 + (total - df + 0.5) / (df + 0.5))
            idf[term] = term_idf
            weights = array(
                "d",
                [term_idf * tf * scale / (tf + norms[d]) for d, tf in zip(docs, doc_tfs[term], strict=True)],
            )
            postings[term] = PostingList(docs, weights)
        return cls(articles=articles, postings=postings, idf=idf, config=config, analyzer=analyzer)

    def __len__(self) -> int:
        return len(self._articles)

    @property
    def articles(self) -> tuple[Article, ...]:
        """The indexed articles."""
        return self._articles

    @property
    def vocabulary_size(self) -> int:
        """How many distinct terms the index holds."""
        return len(self._postings)

    def search(
        self,
        query: str,
        *,
        limit: int = 3,
        products: Sequence[str] = (),
        categories: Sequence[str] = (),
        intent: str | None = None,
        locale: str | None = None,
    ) -> list[SearchHit]:
        """The ``limit`` best articles for ``query``, best first (empty when nothing matches).

        Articles listing one of ``products`` (SKUs) or ``categories``, or tagged with ``intent``,
        score higher; with ``locale`` only articles of that language are returned.
        """
        if limit <= 0:
            return []
        terms = self.query_terms(query)
        if not terms:
            return []
        allowed = None
        if locale:
            allowed = self._by_language.get(_language(locale), frozenset())
            if len(allowed) == len(self._articles):
                allowed = None
        top = top_k(
            [(self._postings[term], factor) for term, factor in terms.items()],
            limit,
            boosts=self._boost_groups(products, categories, intent),
            allowed=allowed,
            packing=self._packing,
        )
        return [
            SearchHit(
                article=self._articles[number],
                score=score,
                snippet=self._snippets.snippet(self._articles[number], terms),
            )
            for number, score in top
        ]

    def query_terms(self, query: str) -> dict[str, float]:
        """The index terms a query searches for, each with its weight factor (< 1 for typo fixes)."""
        out: dict[str, float] = {}
        for term in self._analyzer.terms(query):
            if term in self._postings:
                out[term] = 1.0
                continue
            for corrected, factor in self._corrector.corrections(term):
                if out.get(corrected, 0.0) < factor:
                    out[corrected] = factor
        return out

    def _boost_groups(
        self, products: Sequence[str], categories: Sequence[str], intent: str | None
    ) -> list[BoostGroup]:
        config = self._config
        groups: list[BoostGroup] = []
        for by_key, keys, factor in (
            (self._by_product, [sku.upper() for sku in products], config.product_boost),
            (self._by_category, list(categories), config.category_boost),
            (self._by_intent, [str(intent)] if intent else [], config.intent_boost),
        ):
            matching = [by_key[key] for key in keys if key in by_key]
            if matching:
                docs = matching[0] if len(matching) == 1 else frozenset().union(*matching)
                groups.append(BoostGroup(docs=docs, factor=factor))
        return groups

    def _group(self, keys_of: Callable[[Article], Iterable[str]]) -> dict[str, frozenset[int]]:
        groups: dict[str, set[int]] = {}
        for number, article in enumerate(self._articles):
            for key in keys_of(article):
                groups.setdefault(key, set()).add(number)
        return {key: frozenset(numbers) for key, numbers in groups.items()}
