"""Tokenizing with entity shapes, the spelling corrector and the feature set."""

from __future__ import annotations

from bot.nlu.features import Speller, extract_features, max_edits, tokenize


def test_tokenize_replaces_entity_shapes() -> None:
    assert tokenize("Where is #1001?") == ["where", "is", "zzordnum"]
    assert tokenize("DS-1042 won't arrive") == ["zzcode", "wont", "arrive"]
    assert tokenize("order 1003 to ann@example.com") == ["order", "zznum", "to", "zzemail"]
    assert tokenize("track 1Z999AA10123456784") == ["track", "zztracking"]
    assert tokenize("see https://example.com/x now") == ["see", "zzurl", "now"]
    assert tokenize("at 10pm") == ["at", "zzdigit", "pm"]


def test_tokenize_folds_repeated_letters_and_apostrophes() -> None:
    assert tokenize("heyyyy   pleeeease") == ["heyy", "pleease"]
    assert tokenize("I’d like that") == ["id", "like", "that"]
    assert tokenize("Héllo café 👋") == ["hello", "cafe"]


def test_max_edits() -> None:
    assert [max_edits(w) for w in ("abc", "abcd", "abcdefg", "abcdefgh")] == [0, 1, 1, 2]


def test_speller_corrects_towards_frequent_domain_words() -> None:
    speller = Speller(
        general={"the", "weather"}, domain_counts={"refund": 5, "refnd": 1, "order": 9, "the": 4}
    )
    assert speller.correct("reufnd") == "refund"  # transposition
    assert speller.correct("refnd") == "refund"  # a one-off (typo) in the domain data is corrected too
    assert speller.correct("oder") == "order"
    assert speller.correct("weather") == "weather"  # ordinary English is left alone
    assert speller.correct("xyzzy") == "xyzzy"  # nothing close
    assert speller.correct("the") == "the"
    assert speller.correct("ordr") == "order"


def test_speller_needs_same_first_letter() -> None:
    speller = Speller(general=(), domain_counts={"refund": 5})
    assert speller.correct("defund") == "defund"


def test_speller_splits_run_on_words() -> None:
    speller = Speller(
        general={"where", "is", "my", "the", "weather", "me", "ear"},
        domain_counts={"order": 90, "track": 50, "refund": 50, "my": 70, "myorder": 2, "tracking": 60},
    )
    assert speller.words(["whereismyorder"]) == ["where", "is", "my", "order"]
    assert speller.words(["trackmyorder", "now"]) == ["track", "my", "order", "now"]
    assert speller.words(["oderstatus"]) == ["oderstatus"]  # "status" is not a known word: left whole
    # only ordinary words: an unknown name is left whole rather than cut into them
    assert speller.words(["wheremeear"]) == ["wheremeear"]
    assert speller.words(["refnd"]) == ["refund"]  # short tokens are only spelling-corrected
    assert speller.words(["myorder"]) == ["my", "order"]  # a rare run-on seen in training is split too
    assert speller.words(["tracking"]) == ["tracking"]  # a frequent word is not cut ("track" + ...)


def test_features() -> None:
    feats = set(extract_features(["where", "zzordnum"], (4,)))
    assert {"n:2", "w:where", "w:zzordnum", "b:^ where", "b:where zzordnum"} <= feats
    assert {"c:<whe", "c:wher", "c:here", "c:ere>"} <= feats
    assert not any(f.startswith("c:") and "zz" in f for f in feats)  # no char n-grams of shape tokens
    assert len(feats) == len(extract_features(["where", "zzordnum"], (4,)))
