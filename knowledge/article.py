"""The help article: front matter fields plus its Markdown body."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storage.domain import Intent

from .markdown import KbLink, find_kb_links, first_ordered_list, passages, to_plain_text


@dataclass(frozen=True, slots=True)
class Article:
    """One help article.

    ``products`` are SKUs and ``categories`` catalogue categories the article is about; ``kind`` is
    ``setup``, ``troubleshooting``, ``policy``, ``faq`` ... or ``None``. ``policy`` is the optional
    machine-readable mapping a policy article carries (the return handler's source of truth).
    ``path`` is ``None`` for articles that never lived in a file (synthetic ones). ``questions`` are
    example questions in shoppers' words that the article answers (search learns from them, see
    :mod:`knowledge.questions`).
    """

    id: str
    title: str
    tags: tuple[str, ...]
    intents: tuple[Intent, ...]
    products: tuple[str, ...]
    categories: tuple[str, ...]
    url: str
    locale: str
    kind: str | None
    body: str
    path: Path | None = None
    policy: Mapping[str, Any] | None = field(default=None, hash=False, compare=False)
    questions: tuple[str, ...] = ()

    def steps(self) -> list[str]:
        """The numbered steps of the body's first ordered list, as plain text without the numbers."""
        return first_ordered_list(self.body)

    def passages(self) -> list[str]:
        """The body as plain-text passages (sentences and list items), headings left out."""
        return [passage.text for passage in passages(self.body)]

    def summary(self, max_chars: int = 280) -> str:
        """The first passage of the body, cut at a word boundary to at most ``max_chars``."""
        for passage in self.passages():
            return shorten(passage, max_chars)
        return ""

    def links(self) -> list[KbLink]:
        """The internal ``kb:`` links of the body (line numbers relative to the body)."""
        return list(find_kb_links(self.body))

    def plain_body(self) -> str:
        """The whole body as one line of plain text."""
        return to_plain_text(self.body)


def shorten(text: str, max_chars: int) -> str:
    """Cut ``text`` at a word boundary so it fits ``max_chars`` (an ellipsis marks the cut)."""
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"
