"""Synthetic benchmark articles: deterministic, valid and varied."""

from __future__ import annotations

from collections import Counter

from knowledge import KnowledgeBase, SearchIndex
from knowledge.synthetic import generate_articles
from storage.domain import Intent


def test_same_seed_same_articles_and_different_seed_different_ones() -> None:
    first = generate_articles(300, seed=7)

    assert generate_articles(300, seed=7) == first
    assert [a.id for a in generate_articles(300, seed=8)] != [a.id for a in first]
    assert len(first) == 300


def test_articles_are_well_formed(bundled_kb: KnowledgeBase) -> None:
    articles = generate_articles(1000, seed=1)

    ids = [a.id for a in articles]
    assert len(set(ids)) == len(ids)
    assert not set(ids) & {a.id for a in bundled_kb}
    for article in articles:
        assert article.id.startswith("syn-")
        assert article.url.endswith(article.id)
        assert article.intents and all(isinstance(intent, Intent) for intent in article.intents)
        assert article.body.strip()
        assert article.path is None
        if article.kind == "setup":
            assert 4 <= len(article.steps()) <= 8
            assert article.products


def test_mix_of_kinds_and_products() -> None:
    articles = generate_articles(2000, seed=3)

    kinds = Counter(a.kind for a in articles)
    assert set(kinds) == {"setup", "troubleshooting", "faq", "policy"}
    assert min(kinds.values()) > 100
    assert len({sku for a in articles for sku in a.products}) > 50


def test_synthetic_articles_are_searchable() -> None:
    articles = generate_articles(500, seed=5)
    index = SearchIndex.build(articles)
    target = next(a for a in articles if a.kind == "troubleshooting")

    hits = index.search(target.title, limit=3)

    assert target.id in [hit.article.id for hit in hits]
