"""Where the bundled sample knowledge base lives."""

from __future__ import annotations

from pathlib import Path


def default_kb_dir() -> Path:
    """The directory of the bundled demo-shop articles (``knowledge/articles``, all locales)."""
    return Path(__file__).resolve().parent / "articles"
