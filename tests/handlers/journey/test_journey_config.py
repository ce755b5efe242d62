"""The default help links point at articles that exist in the bundled knowledge base."""

from __future__ import annotations

from pathlib import Path

import yaml

from handlers.journey.config import (
    DEFAULT_HELP_ARTICLES,
    DEFAULT_HELP_BASE_URL,
    DEFAULT_SETUP_ARTICLES,
    DEFAULT_SUPPORT_ARTICLE,
    JourneyConfig,
)
from handlers.journey.proposals import MessageKind

KB = Path(__file__).resolve().parents[3] / "knowledge" / "articles" / "en"


def _front_matter(article_id: str) -> dict:
    text = (KB / f"{article_id}.md").read_text()
    return yaml.safe_load(text.split("---")[1])


def test_every_kind_has_a_help_article_that_exists_with_that_url() -> None:
    assert set(DEFAULT_HELP_ARTICLES) == set(MessageKind)
    for article_id in {
        *DEFAULT_HELP_ARTICLES.values(),
        *DEFAULT_SETUP_ARTICLES.values(),
        DEFAULT_SUPPORT_ARTICLE,
    }:
        meta = _front_matter(article_id)
        assert meta["id"] == article_id
        assert meta["url"] == f"{DEFAULT_HELP_BASE_URL}{article_id}"


def test_setup_articles_are_about_their_product() -> None:
    for sku, article_id in DEFAULT_SETUP_ARTICLES.items():
        meta = _front_matter(article_id)
        assert sku in meta["products"]
        assert meta["kind"] == "setup"


def test_help_link_falls_back_to_support() -> None:
    config = JourneyConfig(help_links={"shipped": "https://x.example/shipped"})
    assert config.help_link(MessageKind.SHIPPED) == "https://x.example/shipped"
    assert config.help_link(MessageKind.LOST) == config.support_url
