"""Typo correction against the index vocabulary."""

from __future__ import annotations

from knowledge.fuzzy import VocabularyCorrector, max_edits


def test_nearest_terms_win_and_frequent_ones_first() -> None:
    corrector = VocabularyCorrector({"espresso": 3, "express": 40, "expert": 9, "thermostat": 2})

    assert corrector.corrections("expresso") == (("express", 0.9), ("espresso", 0.9))
    assert corrector.corrections("thermostst") == (("thermostat", 0.9),)
    assert corrector.corrections("thermostxx") == (("thermostat", 0.7),)


def test_transposed_letters_count_as_one_edit() -> None:
    corrector = VocabularyCorrector({"receiv": 5})

    assert corrector.corrections("reciev") == (("receiv", 0.9),)


def test_short_numeric_and_distant_terms_are_not_corrected() -> None:
    corrector = VocabularyCorrector({"box": 5, "e01": 2, "warranty": 4})

    assert corrector.corrections("bx") == ()
    assert corrector.corrections("e02") == ()
    assert corrector.corrections("zzzzzzzz") == ()


def test_corrections_are_cached() -> None:
    corrector = VocabularyCorrector({"espresso": 3})

    first = corrector.corrections("expresso")

    assert corrector.corrections("expresso") is first


def test_the_cache_stops_growing_at_its_size() -> None:
    corrector = VocabularyCorrector({"espresso": 3}, cache_size=1)
    corrector.corrections("expresso")

    assert corrector.corrections("espressso") == (("espresso", 0.9),)
    assert corrector.cached_terms == 1


def test_allowed_edits_grow_with_length() -> None:
    assert [max_edits(n) for n in (3, 4, 7, 8, 12)] == [0, 1, 1, 2, 2]
