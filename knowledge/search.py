"""Full-text search over help articles: BM25F-style ranking, typo tolerance and context boosts.

The index is built once. For every (term, article) pair the BM25 weight (title, tags and SKUs
weighted above the body) is computed at build time, so a query only combines precomputed
numbers; :mod:`knowledge.ranking` finds the exact top results without touching most postings.
Query terms missing from the vocabulary are corrected with rapidfuzz (cached per term).
Articles about the shopper's products, categories or the detected intent are boosted;
``locale`` filters.

Articles that carry example questions train a question model (:mod:`knowledge.questions`) whose
probability of each article is added to its score.

Shopper wording is bridged with the lexicon (:mod:`knowledge.concepts`): concept terms match
synonyms, words of a known phrase count for less than the phrase's meaning, symptom wording
prefers troubleshooting articles and setup wording setup articles, and a product the query names
("wifi router") steers away from articles about other products.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from .article import Article
from .concepts import ConceptAnalyzer, QueryAnalysis, concept_term
from .fuzzy import VocabularyCorrector
from .lexicon import Lexicon
from .markdown import KB_LINK_RE
from .questions import QuestionModel
from .ranking import PACK_MIN_DF, BoostGroup, Packing, PostingList, score_articles, top_k
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
    #: query weight of a concept term (concepts are broader than words, so their idf is lower)
    concept_weight: float = 0.8
    #: query weight of a product type's concept term (the product's own name is usually a word too)
    product_concept_weight: float = 0.4
    #: query weight of a word naming a product type (steering already picks that product's articles)
    product_word_weight: float = 0.5
    #: query weight of a word inside a multi-word lexicon phrase ("left a card": the phrase decides)
    phrase_word_weight: float = 0.3
    #: articles of a kind the query's wording asks for (symptom -> troubleshooting, setup -> setup)
    kind_boost: float = 1.3
    #: articles about products, when the query is about the order rather than using a product (factor below 1)
    order_topic_product_factor: float = 0.6
    #: how much the question model's probability of an article counts, relative to the best BM25 score
    #: (0 turns the model off; see :mod:`knowledge.questions`)
    question_weight: float = 1.5
    #: the model's likeliest this many articles are scored beside BM25's best ``limit``
    question_candidates: int = 5
    #: articles about a product type the query names ...
    named_product_boost: float = 1.0
    #: ... and articles about other products (factor below 1)
    other_product_factor: float = 0.6
    #: how much a concept found in the body counts (title and tags count with their field weights)
    concept_body_weight: float = 0.0
    #: a concept in the titles or tags of more than this share of the articles is broad ("order") ...
    broad_concept_share: float = 0.25
    #: ... and its words count this much in a query (they name what every question is about)
    broad_word_weight: float = 0.5


#: prefix of the question model's word features (a query's words as written, stemmed, known to
#: the articles or not), kept apart from the search terms of the same spelling
WORD_FEATURE = "w:"

#: query concepts found in more than this share of the articles (and in PACK_MIN_DF or more) are left out
MAX_CONCEPT_SHARE = 0.1

#: concepts of what happened to an order or what the shop's policies say ("arrived cracked", "never came",
#: "warranty", "refund"): a query meaning one of them is answered by an order or policy article, even
#: when it names the product ("my blender jug arrived cracked" -> damaged parcel, not the blender's care)
ORDER_TOPIC_CONCEPTS = frozenset(
    {
        "damage",
        "loss",
        "lateness",
        "wrong_item",
        "incomplete",
        "delivered_missing",
        "warranty",
        "refund",
        "return",
        "cancel",
        "customs",
        "split_shipment",
        "backorder",
        "delivery_attempt",
    }
)

#: query concept -> the article kind it asks for; the first concept present wins
KIND_FOR_CONCEPT: tuple[tuple[str, str], ...] = (("symptom", "troubleshooting"), ("setup", "setup"))


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
        concepts: ConceptAnalyzer,
    ) -> None:
        self._articles = tuple(articles)
        self._questions: QuestionModel | None = None
        self._postings = postings
        self._idf = idf
        self._config = config
        self._analyzer = analyzer
        self._corrector = VocabularyCorrector({term: len(p.docs) for term, p in postings.items()})
        self._by_product = self._group(lambda a: (sku.upper() for sku in a.products))
        self._by_category = self._group(lambda a: a.categories)
        self._by_intent = self._group(lambda a: (str(intent) for intent in a.intents))
        self._by_language = self._group(lambda a: (_language(a.locale),))
        self._by_kind = self._group(lambda a: (a.kind,) if a.kind else ())
        self._concepts = concepts
        self._broad_words = self._words_of_broad_concepts()
        product_types = concepts.lexicon.product_types
        self._by_product_type = self._group(
            lambda a: (c for c in concepts.concept_counts((a.title, *a.tags)) if c[1:] in product_types)
        )
        self._with_products = frozenset(n for n, a in enumerate(self._articles) if a.products)
        #: articles about a kind of product the lexicon knows (a kettle's setup, a router's troubleshooting)
        self._about_product_types = frozenset().union(*self._by_product_type.values())
        self._steering: dict[frozenset[str], list[BoostGroup]] = {}
        # In a large help centre a concept named in the titles or tags of a tenth of the articles
        # tells little about any of them, and its long posting list costs the most to rank.
        self._max_concept_df = max(PACK_MIN_DF, int(MAX_CONCEPT_SHARE * len(self._articles)))
        self._snippets = SnippetPicker(analyzer, idf, max_chars=config.snippet_chars)
        self._packing = Packing(
            size=len(self._articles), max_weight=max((p.max_weight for p in postings.values()), default=1.0)
        )
        for posting_list in postings.values():
            if len(posting_list) >= PACK_MIN_DF:
                posting_list.packed(self._packing)

    @classmethod
    def build(
        cls,
        articles: Iterable[Article],
        *,
        config: SearchConfig | None = None,
        lexicon: Lexicon | None = None,
    ) -> SearchIndex:
        """Index ``articles`` (any order; ids should be unique) with ``lexicon`` (default: the bundled one).

        Memory beyond the articles: about 12 bytes per (term, article) pair, plus a packed
        vector of 2 bytes per article for each term found in at least ``PACK_MIN_DF`` articles
        (none for a small knowledge base; about 14 MB for 10,000 synthetic articles). Lookup
        tables of about 100 bytes per pair are added for the terms that queries use.
        """
        config = config or SearchConfig()
        analyzer = Analyzer()
        concepts = ConceptAnalyzer(analyzer, lexicon if lexicon is not None else Lexicon.bundled())
        articles = tuple(articles)
        frequencies = _Frequencies()
        for number, article in enumerate(articles):
            # internal link texts name other articles, so they do not count for this one
            body = KB_LINK_RE.sub(" ", article.body)
            weighted: dict[str, float] = dict(Counter(analyzer.terms(body)))
            if config.concept_body_weight:
                for term, count in concepts.concept_counts((body,)).items():
                    weighted[term] = config.concept_body_weight * count
            for weight, text, parts in (
                (config.title_weight, article.title, (article.title,)),
                (config.tags_weight, " ".join(article.tags), (*article.tags, *article.categories)),
                (config.products_weight, " ".join(article.products), ()),
            ):
                for term, count in (Counter(analyzer.terms(text)) + concepts.concept_counts(parts)).items():
                    weighted[term] = weighted.get(term, 0.0) + weight * count
            frequencies.add(number, weighted)
        postings, idf = frequencies.score(len(articles), config.k1, config.b)
        index = cls(
            articles=articles, postings=postings, idf=idf, config=config, analyzer=analyzer, concepts=concepts
        )
        if config.question_weight > 0:
            index._questions = QuestionModel.train(articles, index.question_features)
        return index

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
        score higher; with ``locale`` only articles of that language are returned. Scores are on the
        BM25 scale of the best match (with a question model: that score times the article's share of
        it plus ``question_weight`` times the model's probability of the article, over
        1 + ``question_weight``; so no hit scores above the best BM25 score).
        """
        if limit <= 0:
            return []
        analysis = self._concepts.analyze(query, self._postings.__contains__)
        terms = self._terms(analysis)
        if not terms:
            return []
        allowed = None
        if locale:
            allowed = self._by_language.get(_language(locale), frozenset())
            if len(allowed) == len(self._articles):
                allowed = None
        weighted = [(self._postings[term], factor) for term, factor in terms.items()]
        boosts = [*self._boost_groups(products, categories, intent), *self._wording_groups(analysis)]
        top = top_k(weighted, limit, boosts=boosts, allowed=allowed, packing=self._packing)
        if self._questions is not None and top:
            features = self._question_features(analysis, terms)
            top = self._with_questions(self._questions, top, weighted, features, boosts, limit, allowed)
        return [
            SearchHit(
                article=self._articles[number],
                score=score,
                snippet=self._snippets.snippet(self._articles[number], terms),
            )
            for number, score in top
        ]

    def _with_questions(
        self,
        questions: QuestionModel,
        top: list[tuple[int, float]],
        weighted: Sequence[tuple[PostingList, float]],
        features: Sequence[str],
        boosts: Sequence[BoostGroup],
        limit: int,
        allowed: frozenset[int] | None,
    ) -> list[tuple[int, float]]:
        """``top`` (BM25, best first) and the model's likeliest articles, ranked with the model's
        probabilities added to their BM25 scores relative to the best."""
        probabilities = questions.probabilities(features)
        likeliest = sorted(probabilities, key=probabilities.__getitem__, reverse=True)
        picked = [
            number
            for number in likeliest[: self._config.question_candidates]
            if allowed is None or number in allowed
        ]
        best = top[0][1]
        relative = {number: score / best for number, score in top} if best > 0 else {}
        unscored = [number for number in picked if number not in relative]
        for number, score in score_articles(weighted, unscored, boosts=boosts, allowed=allowed):
            relative[number] = score / best if best > 0 else 0.0
        for number in unscored:
            relative.setdefault(number, 0.0)
        weight = self._config.question_weight
        ranked = sorted(
            ((share + weight * probabilities.get(number, 0.0), -number) for number, share in relative.items()),
            reverse=True,
        )
        # back on BM25's scale: an article BM25 ranks first that the model is sure of scores ``best``
        scale = best / (1.0 + weight)
        return [(-negative, scale * combined) for combined, negative in ranked[:limit]]

    def passage(self, article: Article, query: str) -> str | None:
        """The passage of ``article`` that matches ``query`` best (as a hit's snippet is picked); None
        when none of its passages shares a search term with the query."""
        terms = self.query_terms(query)
        return self._snippets.matching_passage(article, terms) if terms else None

    def query_terms(self, query: str) -> dict[str, float]:
        """The index terms a query searches for, each with its weight factor.

        Factors below 1 mark typo fixes, words inside a lexicon phrase and concept terms (``~refund``).
        """
        return self._terms(self._concepts.analyze(query, self._postings.__contains__))

    def question_features(self, text: str) -> list[str]:
        """The question model's features for ``text``: its search terms and every word it has,
        the help centre's or not (a word only shoppers use, "hoover", is learnt from the examples)."""
        analysis = self._concepts.analyze(text, self._postings.__contains__)
        return self._question_features(analysis, self._terms(analysis))

    @staticmethod
    def _question_features(analysis: QueryAnalysis, terms: Iterable[str]) -> list[str]:
        return list(dict.fromkeys([*terms, *(WORD_FEATURE + word.term for word in analysis.words)]))

    def _terms(self, analysis: QueryAnalysis) -> dict[str, float]:
        config = self._config
        out: dict[str, float] = {}
        for word in analysis.words:
            weight = (
                config.product_word_weight
                if word.names_product
                else config.phrase_word_weight
                if word.in_phrase
                else config.broad_word_weight
                if word.term in self._broad_words
                else 1.0
            )
            if word.term in self._postings:
                self._add_word(out, word.term, weight)
                continue
            if word.in_lexicon:
                continue  # a word the lexicon knows is no typo; its concept carries it
            for corrected, factor in self._corrector.corrections(word.term):
                self._add_word(out, corrected, factor * weight)
        product_types = self._concepts.lexicon.product_types
        for concept in sorted(analysis.concepts):
            term = concept_term(concept)
            if term in self._postings and len(self._postings[term]) <= self._max_concept_df:
                out[term] = (
                    config.product_concept_weight if concept in product_types else config.concept_weight
                )
        return out

    def _words_of_broad_concepts(self) -> frozenset[str]:
        """Terms of the single words of concepts found in the titles or tags of many articles."""
        lexicon = self._concepts.lexicon
        limit = self._config.broad_concept_share * len(self._articles)
        broad = [
            concept
            for concept in lexicon.groups
            if concept not in lexicon.product_types
            and len(self._postings.get(concept_term(concept), ())) > limit
        ]
        return frozenset(
            self._analyzer.term(word)
            for concept in broad
            for word in lexicon.synonyms(concept)
            if " " not in word
        )

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

    def _add_word(self, out: dict[str, float], term: str, weight: float) -> None:
        if out.get(term, 0.0) < weight:
            out[term] = weight

    def _wording_groups(self, analysis: QueryAnalysis) -> list[BoostGroup]:
        """Boosts from the query's own wording: the kind of article it asks for, the product it names."""
        config = self._config
        groups: list[BoostGroup] = []
        for concept, kind in KIND_FOR_CONCEPT:
            if concept in analysis.concepts:
                docs = self._by_kind.get(kind)
                if docs:
                    groups.append(BoostGroup(docs=docs, factor=config.kind_boost))
                break
        if self._about_product_types and not analysis.plain_concepts.isdisjoint(ORDER_TOPIC_CONCEPTS):
            groups.append(BoostGroup(docs=self._about_product_types, factor=config.order_topic_product_factor))
        named = frozenset(t for t in analysis.product_types if concept_term(t) in self._by_product_type)
        if named:
            steering = self._steering.get(named)
            if steering is None:
                about = frozenset().union(*(self._by_product_type[concept_term(t)] for t in named))
                steering = [
                    BoostGroup(docs=about, factor=config.named_product_boost),
                    BoostGroup(docs=self._with_products - about, factor=config.other_product_factor),
                ]
                if len(self._steering) < 1024:
                    self._steering[named] = steering
            groups.extend(steering)
        return groups

    def _group(self, keys_of: Callable[[Article], Iterable[str]]) -> dict[str, frozenset[int]]:
        groups: dict[str, set[int]] = {}
        for number, article in enumerate(self._articles):
            for key in keys_of(article):
                groups.setdefault(key, set()).add(number)
        return {key: frozenset(numbers) for key, numbers in groups.items()}


class _Frequencies:
    """Weighted term frequencies of every article, turned into BM25 postings by :meth:`score`."""

    def __init__(self) -> None:
        self.docs: dict[str, array] = {}
        self.tfs: dict[str, array] = {}
        self.lengths: list[float] = []

    def add(self, number: int, weighted: Mapping[str, float]) -> None:
        """Record article ``number``'s weighted term frequencies (articles in order, from 0)."""
        self.lengths.append(sum(weighted.values()))
        for term, tf in weighted.items():
            docs = self.docs.get(term)
            if docs is None:
                docs = self.docs[term] = array("I")
                self.tfs[term] = array("d")
            docs.append(number)
            self.tfs[term].append(tf)

    def score(self, total: int, k1: float, b: float) -> tuple[dict[str, PostingList], dict[str, float]]:
        """The BM25 postings and the idf of every term."""
        postings: dict[str, PostingList] = {}
        idf: dict[str, float] = {}
        average = (sum(self.lengths) / total) if total and sum(self.lengths) else 1.0
        norms = [k1 * (1.0 - b + b * length / average) for length in self.lengths]
        scale = k1 + 1.0
        for term, docs in self.docs.items():
            df = len(docs)
            term_idf = math.log(1.0 + (total - df + 0.5) / (df + 0.5))
            idf[term] = term_idf
            weights = array(
                "d",
                [term_idf * tf * scale / (tf + norms[d]) for d, tf in zip(docs, self.tfs[term], strict=True)],
            )
            postings[term] = PostingList(docs, weights)
        return postings, idf
