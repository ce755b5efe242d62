"""Fixtures for knowledge tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from knowledge_test_helpers import WriteArticle, article_text

from knowledge import KnowledgeBase, SearchConfig, SearchIndex, default_kb_dir, load_knowledge_base


@pytest.fixture
def write_article(tmp_path: Path) -> WriteArticle:
    """Write ``<name>.md`` under ``tmp_path`` (id defaults to the name) and return its path."""

    def write(name: str, *, text: str | None = None, article_id: str | None = None, **kwargs: object) -> Path:
        path = tmp_path / f"{name}.md"
        path.write_text(
            text if text is not None else article_text(article_id or name, **kwargs), encoding="utf-8"
        )
        return path

    return write


@pytest.fixture(scope="session")
def bundled_kb() -> KnowledgeBase:
    """The demo shop's knowledge base, loaded once."""
    return load_knowledge_base(default_kb_dir())


@pytest.fixture(scope="session")
def bundled_index(bundled_kb: KnowledgeBase) -> SearchIndex:
    """A search index over the demo shop's knowledge base, built once."""
    return SearchIndex.build(bundled_kb.articles)


@pytest.fixture(scope="session")
def bm25_index(bundled_kb: KnowledgeBase) -> SearchIndex:
    """The same index without the question model: BM25 with its boosts alone (scores multiply exactly)."""
    return SearchIndex.build(bundled_kb.articles, config=SearchConfig(question_weight=0.0))
