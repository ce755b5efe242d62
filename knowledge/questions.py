"""The question model: which article answers a question, learnt from the articles' example questions.

Articles may list ``questions`` in their front matter: how shoppers ask for them, in shoppers'
words ("the courier left a card", "hoover keeps getting stuck under the sofa"). When any article
has some, the index trains a multinomial logistic regression (:mod:`knowledge.linear`) from them,
with each article's title and tags as further examples of that article. Its features are the
query's search terms (words, typo fixes and lexicon concepts, see
:meth:`knowledge.search.SearchIndex.query_terms`), so it generalises the way the lexicon does, and
the query's words themselves, so words that only shoppers use ("hoover") are learnt as well.

Search adds ``question_weight`` times the model's probability of an article to the article's BM25
score relative to the best one: the words of the articles still decide, and the examples settle
what those words leave open ("processed" after a return is a status question, not the return
process).

Training takes about two and a half seconds for the bundled help centre (58 articles, about 3,200 example
questions); a model is kept per process for each distinct set of examples, so rebuilding an index
over the same articles does not train again (it still analyses the examples, about 0.2 s).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

from .article import Article
from .linear import SgdConfig, fit_softmax, predict

#: SGD settings: more epochs than the intent model (far fewer examples), no class balancing
TRAINING = SgdConfig(epochs=15, class_balance=0.0)
#: question models kept per process (one per distinct set of examples)
CACHE_SIZE = 8

#: (class number, terms) pairs: the examples a model is trained on
Examples = tuple[tuple[int, tuple[str, ...]], ...]


class QuestionModel:
    """P(article | question) over the articles of one index that have example questions.

    Only those articles are the model's classes (a large help centre where a few articles carry
    examples trains a model of a few classes); the others are left to BM25.
    """

    def __init__(self, weights: dict[str, list[float]], bias: list[float], articles: Sequence[int]) -> None:
        self._weights = weights
        self._bias = bias
        #: the article number (position in the index) of each class
        self.articles = tuple(articles)

    @classmethod
    def train(
        cls, articles: Sequence[Article], features_of: Callable[[str], Sequence[str]]
    ) -> QuestionModel | None:
        """A model over ``articles`` (by position), or ``None`` when none has example questions.

        ``features_of`` turns a text into the model's features (the index's query analysis).
        """
        asked = [number for number, article in enumerate(articles) if article.questions]
        if not asked:
            return None
        examples: list[tuple[int, tuple[str, ...]]] = []
        for label, number in enumerate(asked):
            article = articles[number]
            for text in (*article.questions, article.title, *article.tags):
                terms = tuple(features_of(text))
                if terms:
                    examples.append((label, terms))
        weights, bias = _fit(tuple(examples), len(asked))
        return cls(weights, bias, asked)

    def probabilities(self, features: Iterable[str]) -> dict[int, float]:
        """Article number -> its probability for a question with these features (articles with
        example questions only)."""
        return dict(zip(self.articles, predict(self._weights, self._bias, features), strict=True))


@lru_cache(maxsize=CACHE_SIZE)
def _fit(examples: Examples, n_classes: int) -> tuple[dict[str, list[float]], list[float]]:
    """The trained weights for ``examples`` (the same examples are trained once per process).

    Callers must not change the returned weights.
    """
    return fit_softmax([list(terms) for _, terms in examples], [n for n, _ in examples], n_classes, TRAINING)
