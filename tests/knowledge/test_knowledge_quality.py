"""The bench's search quality figure on held-out shopper questions, so a ranking regression fails CI."""

from __future__ import annotations

import json

import pytest

from bench.kb import quality
from knowledge import KnowledgeBase

#: just below the held-out top-1 accuracy doorstep's search reached on each set (see docs/search.md)
HELD_OUT_TOP1_FLOOR = {"heldout2": 0.87, "heldout3": 0.94}


@pytest.fixture(scope="module")
def figures(bundled_kb: KnowledgeBase) -> dict[str, dict[str, quality.Accuracy]]:
    return quality.measure(bundled_kb.articles)


@pytest.mark.parametrize("split", quality.HELD_OUT)
def test_held_out_top_1_holds_and_stays_ahead_of_bm25s(
    figures: dict[str, dict[str, quality.Accuracy]], split: str
) -> None:
    ours, peer = figures[split]["doorstep"], figures[split]["bm25s"]

    assert ours.total >= 100
    assert ours.top1 >= HELD_OUT_TOP1_FLOOR[split]
    assert ours.top3 >= 0.9
    assert ours.top1 >= peer.top1 + 0.1


def test_no_held_out_question_is_an_example_question_of_an_article(bundled_kb: KnowledgeBase) -> None:
    examples = {text.casefold() for article in bundled_kb.articles for text in article.questions}
    assert len(examples) >= 1000
    for split in quality.HELD_OUT:
        held_out = {question.text.casefold() for question in quality.load_questions(split)}
        assert not held_out & examples, split


def test_question_sets_are_disjoint_and_name_real_articles(bundled_kb: KnowledgeBase) -> None:
    ids = {article.id for article in bundled_kb.articles}
    texts = {}
    for split in quality.SPLITS:
        rows = [
            json.loads(line)
            for line in (quality.QUESTIONS_DIR / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
        ]
        texts[split] = {row["text"].casefold() for row in rows}
        # every question can be answered by the bundled help centre
        assert all(set(row["articles"]) & ids for row in rows)

    for split in quality.HELD_OUT:
        assert not texts["tuning"] & texts[split]
    assert not texts["heldout2"] & texts["heldout3"]


def test_pooled_accuracy_weighs_each_set_by_its_size() -> None:
    big = quality.Accuracy(top1=1.0, top3=1.0, total=3, misses=())
    small = quality.Accuracy(top1=0.0, top3=1.0, total=1, misses=())

    together = quality.pooled([big, small])

    assert (together.top1, together.top3, together.total) == (0.75, 1.0, 4)


def test_accuracy_counts_any_listed_article_as_right() -> None:
    questions = [quality.Question("a", ("x", "y")), quality.Question("b", ("z",))]
    ranked = {"a": ["y", "x"], "b": ["x", "q", "z"]}

    result = quality.accuracy(questions, ranked.__getitem__)

    assert (result.top1, result.top3, result.total) == (0.5, 1.0, 2)
    assert [question.text for question, _ in result.misses] == ["b"]
