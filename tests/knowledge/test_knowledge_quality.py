"""The bench's search quality figure on held-out shopper questions, so a ranking regression fails CI."""

from __future__ import annotations

import json

import pytest

from bench.kb import quality
from knowledge import KnowledgeBase

#: just below the held-out top-1 accuracy doorstep's search reached (see docs/search.md)
HELD_OUT_TOP1_FLOOR = 0.78


@pytest.fixture(scope="module")
def figures(bundled_kb: KnowledgeBase) -> dict[str, dict[str, quality.Accuracy]]:
    return quality.measure(bundled_kb.articles)


def test_held_out_top_1_holds_and_stays_ahead_of_bm25s(
    figures: dict[str, dict[str, quality.Accuracy]],
) -> None:
    ours, peer = figures[quality.HELD_OUT]["doorstep"], figures[quality.HELD_OUT]["bm25s"]

    assert ours.total >= 200
    assert ours.top1 >= HELD_OUT_TOP1_FLOOR
    assert ours.top3 >= 0.9
    assert ours.top1 >= peer.top1 + 0.1


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

    assert not texts["tuning"] & texts[quality.HELD_OUT]


def test_accuracy_counts_any_listed_article_as_right() -> None:
    questions = [quality.Question("a", ("x", "y")), quality.Question("b", ("z",))]
    ranked = {"a": ["y", "x"], "b": ["x", "q", "z"]}

    result = quality.accuracy(questions, ranked.__getitem__)

    assert (result.top1, result.top3, result.total) == (0.5, 1.0, 2)
    assert [question.text for question, _ in result.misses] == ["b"]
