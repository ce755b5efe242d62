"""Helpers for knowledge tests: article files whose line numbers are known.

(A uniquely named module rather than conftest.py, so that importing it cannot pick up another
test directory's conftest.)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

#: a valid front matter, one field per line: line 1 is '---', ``id`` is on line 2 ...
VALID_FRONT_MATTER = [
    "id: {id}",
    "title: A test article about {id}",
    "tags: [testing, example]",
    "intents:",
    "  - order_status",
    "  - delivery_problem",
    "products: [KT-200]",
    "categories: [kitchen-appliance]",
    "url: https://help.example.test/articles/{id}",
    "locale: en",
]
#: with VALID_FRONT_MATTER, the body starts on this line
BODY_LINE = len(VALID_FRONT_MATTER) + 3

WriteArticle = Callable[..., Path]


def article_text(
    article_id: str, *, front_matter: list[str] | None = None, body: str = "Some text.\n"
) -> str:
    """File text: ``---``, the front matter lines (formatted with the id), ``---``, the body."""
    lines = [line.replace("{id}", article_id) for line in (front_matter or VALID_FRONT_MATTER)]
    return "---\n" + "\n".join(lines) + "\n---\n" + body
