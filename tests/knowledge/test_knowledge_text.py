"""Search text analysis: stems agree across word forms, stop words and phrases."""

from __future__ import annotations

import pytest

from knowledge.text import Analyzer, stem


@pytest.mark.parametrize(
    "forms",
    [
        ("deliver", "delivered", "delivery", "deliveries", "delivering"),
        ("descale", "descaling", "descaled"),
        ("ship", "shipped", "shipping", "ships"),
        ("cancel", "cancelled", "cancellation"),
        ("install", "installed", "installation"),
        ("refund", "refunds", "refunded"),
        ("receive", "received", "receiving"),
        ("damage", "damaged"),
        ("wobble", "wobbles", "wobbly", "wobbling"),
        ("crumble", "crumbly"),
        ("simple", "simply"),
    ],
)
def test_word_forms_share_a_stem(forms: tuple[str, ...]) -> None:
    assert len({stem(form) for form in forms}) == 1


@pytest.mark.parametrize(("adverb", "word"), [("quickly", "quick"), ("friendly", "friend"), ("weekly", "week")])
def test_adverbs_of_plain_words_keep_their_stem(adverb: str, word: str) -> None:
    assert stem(adverb) == stem(word)


@pytest.mark.parametrize("word", ["status", "address", "es", "900", "wifi", "box"])
def test_short_words_numbers_and_protected_endings_are_left_alone(word: str) -> None:
    assert stem(word) == word


def test_terms_drop_stop_words_and_fold_phrases() -> None:
    analyzer = Analyzer()

    assert analyzer.terms("How do I set it up? My Wi-Fi didn't connect and I can't log in.") == [
        "setup",
        "wifi",
        "connect",
        "login",
    ]


def test_link_targets_are_not_words() -> None:
    assert Analyzer().terms("See [returns](kb:return-policy) or [page](https://x.test/faq)") == [
        "see",
        "return",
        "pag",
    ]


def test_skus_split_into_searchable_parts() -> None:
    assert Analyzer().terms("ES-900") == ["es", "900"]
