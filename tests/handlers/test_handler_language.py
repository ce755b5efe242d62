"""Which language a shopper asks to be answered in, by name."""

from __future__ import annotations

import pytest

from handlers.language import asked_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("can you help me in spanish", "Spanish"),
        ("do you speak german?", "German"),
        ("en français s'il vous plaît", None),  # not English words: the other-language check reads it
        ("in french please", "French"),
        ("the manual is in german, do you have english?", None),  # a question about a manual, not the chat
        ("is the recipe book in italian", None),
    ],
)
def test_a_language_asked_for_by_name(text: str, language: str | None) -> None:
    assert asked_language(text) == language
