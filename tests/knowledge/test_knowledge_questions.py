"""The question model: articles' example questions teach search which article a question wants."""

from __future__ import annotations

from dataclasses import replace

import pytest

from knowledge import Article, KnowledgeBase, SearchConfig, SearchIndex
from knowledge.questions import QuestionModel
from storage.domain import Intent


def article(article_id: str, title: str, body: str, questions: tuple[str, ...] = ()) -> Article:
    return Article(
        id=article_id,
        title=title,
        tags=(),
        intents=(Intent.RETURN_REQUEST,),
        products=(),
        categories=("x",),
        url=f"https://help.example.test/{article_id}",
        locale="en",
        kind=None,
        body=body,
        questions=questions,
    )


PROCESS = article(
    "how-to-return", "How to return an item", "The return process: print a label, pack it, process the return."
)
STATUS = article("return-status", "Checking on your return", "We email you when your return has arrived.")


def test_without_example_questions_there_is_no_model() -> None:
    assert QuestionModel.train([PROCESS, STATUS], lambda text: {word: 1.0 for word in text.split()}) is None


def test_only_articles_with_example_questions_are_the_models_classes() -> None:
    asked = replace(STATUS, questions=("has my return arrived",))
    model = QuestionModel.train([PROCESS, asked, replace(PROCESS, id="other")], lambda t: dict.fromkeys(t.split(), 1.0))

    assert model is not None
    assert model.articles == (1,)
    assert model.probabilities(["return", "arrived"]) == {1: 1.0}


def test_example_questions_move_an_article_up_for_their_wording() -> None:
    query = "has my return been processed"
    # two articles only: the model's probabilities count double here to outweigh BM25's clear favourite
    config = SearchConfig(question_weight=2.0)
    plain = SearchIndex.build([PROCESS, STATUS], config=config)
    asked = replace(
        STATUS, questions=("has my return been processed yet", "return processed?", "is the return processed")
    )
    taught = SearchIndex.build([PROCESS, asked], config=config)

    assert plain.search(query)[0].article.id == "how-to-return"
    assert taught.search(query)[0].article.id == "return-status"
    # the BM25 scale is kept: the best hit scores the best BM25 score times its combined share
    assert taught.search(query)[0].score > 0


def test_words_only_shoppers_use_are_learnt_from_the_examples() -> None:
    # "hoover" is in no article: only the example questions tie it to the return status, and
    # "return" (its one search word) favours the how-to article
    query = "any news on my hoover return"
    config = SearchConfig(question_weight=2.0)
    other = replace(PROCESS, questions=("how do I send an item back", "return label please"))
    unworded = SearchIndex.build(
        [other, replace(STATUS, questions=("where is the item I sent back", "came back to you yet?"))],
        config=config,
    )
    worded = SearchIndex.build(
        [other, replace(STATUS, questions=("where is the hoover I sent back", "hoover came back to you yet?"))],
        config=config,
    )

    assert "hoover" not in worded.query_terms(query)
    assert "w:hoover" in worded.question_features(query)
    assert unworded.search(query)[0].article.id == "how-to-return"
    assert worded.search(query)[0].article.id == "return-status"


def test_no_hit_scores_above_the_best_bm25_score() -> None:
    query = "has my return been processed"
    asked = replace(
        STATUS, questions=("has my return been processed yet", "return processed?", "is the return processed")
    )
    plain = SearchIndex.build([PROCESS, STATUS], config=SearchConfig(question_weight=0.0))
    taught = SearchIndex.build([PROCESS, asked], config=SearchConfig(question_weight=2.0))
    best_bm25 = plain.search(query)[0].score

    hits = taught.search(query)
    assert hits[0].article.id == "return-status"
    assert all(0 < hit.score <= best_bm25 for hit in hits)


def test_question_weight_zero_is_plain_bm25() -> None:
    asked = replace(STATUS, questions=("has my return been processed yet", "return processed?"))
    query = "has my return been processed"
    off = SearchIndex.build([PROCESS, asked], config=SearchConfig(question_weight=0.0))
    plain = SearchIndex.build([PROCESS, STATUS], config=SearchConfig(question_weight=0.0))

    assert [(h.article.id, h.score) for h in off.search(query)] == [
        (h.article.id, h.score) for h in plain.search(query)
    ]


def test_the_model_never_returns_articles_of_another_language() -> None:
    german = replace(
        STATUS, id="ruecksendung", locale="de", questions=("return processed", "my return processed")
    )
    index = SearchIndex.build([PROCESS, german])

    assert [hit.article.id for hit in index.search("return processed", locale="en")] == ["how-to-return"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("i returned my stuff 3 weeks ago and still no money", "refunds"),
        ("it was supposed to arrive on friday", "delivery-delays"),
        ("can I still return something after 5 weeks", "return-policy"),
    ],
)
def test_the_bundled_articles_example_questions_settle_close_calls(
    bundled_index: SearchIndex, bm25_index: SearchIndex, query: str, expected: str
) -> None:
    assert bm25_index.search(query)[0].article.id != expected
    assert bundled_index.search(query)[0].article.id == expected


def test_every_bundled_article_carries_example_questions(bundled_kb: KnowledgeBase) -> None:
    assert all(len(article.questions) >= 10 for article in bundled_kb.articles)
