"""Product matching against the catalogue: names, head nouns, synonyms, typos and non-matches."""

from __future__ import annotations

import pytest

from bot.nlu import ProductMatcher, ProductRef


@pytest.fixture(scope="module")
def matcher(catalogue_refs: list[ProductRef]) -> ProductMatcher:
    return ProductMatcher(catalogue_refs)


def skus(matcher: ProductMatcher, text: str) -> list[str]:
    return [product.sku for product in matcher.find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my expresso machine wont heat", ["ES-900"]),
        ("the espresso machine", ["ES-900"]),
        ("barista pro", ["ES-900"]),
        ("the thermostat", ["TH-100"]),
        ("the desk", ["SD-140"]),
        ("router keeps blinking", ["RT-600"]),
        ("the standing desk wobbles", ["SD-140"]),
        ("my liftdesk", ["SD-140"]),
        ("my lift desk", ["SD-140"]),
        ("gift card", ["GC-50"]),
        ("the home barista book", ["BK-88"]),
        ("the book arrived torn", ["BK-88"]),
        ("the set arrived with a chipped mug", ["MG-12"]),
        ("usb c cable", ["CB-30"]),
        ("running shoes", ["SN-42"]),
        ("my t-shirt shrank", ["TS-01"]),
        ("tshirt", ["TS-01"]),
        ("the headphones and the speaker", ["HP-70", "SP-10"]),
        ("2 kettles", ["KT-200"]),
        ("ES-900", ["ES-900"]),
        ("es900", ["ES-900"]),
        ("es 900 and kt-200", ["ES-900", "KT-200"]),
        ("barista", ["ES-900", "BK-88"]),
    ],
)
def test_names_and_head_nouns(matcher: ProductMatcher, text: str, expected: list[str]) -> None:
    assert skus(matcher, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("coffee maker leaking", ["ES-900"]),
        ("my coffee machine", ["ES-900"]),
        ("the hoover stopped", ["VC-800"]),
        ("roomba stuck", ["VC-800"]),
        ("sneakers too small", ["SN-42"]),
        ("the raincoat", ["JK-22"]),
        ("the charger is missing", ["CB-30"]),
        ("headset wont pair", ["HP-70"]),
    ],
)
def test_synonyms(matcher: ProductMatcher, text: str, expected: list[str]) -> None:
    assert skus(matcher, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("vaccum cleaner", ["VC-800"]),
        ("my thermostst", ["TH-100"]),
        ("termostat", ["TH-100"]),
        ("kettel", ["KT-200"]),
        ("speeker", ["SP-10"]),
        ("headphnes", ["HP-70"]),
        ("blendr", ["BL-300"]),
        ("camra", ["CM-20"]),
        ("my chiar", ["CH-50"]),
        ("rooter", ["RT-600"]),
    ],
)
def test_misspellings(matcher: ProductMatcher, text: str, expected: list[str]) -> None:
    assert skus(matcher, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "hello there",
        "set up my account",  # "set" is generic unless "the set"
        "book a call with support",
        "my card was declined",
        "my bike chain broke",  # one letter from "chair", but a substitution in a 5-letter word
        "washing machine",
        "how the birds fly",
        "connect to the wi fi",
        "smart home",
        "pro tips",
        "noise in the street",
        "a table",
        "home",
        "",
    ],
)
def test_random_words_do_not_match(matcher: ProductMatcher, text: str) -> None:
    assert skus(matcher, text) == []


def test_wifi_does_not_mean_the_router(matcher: ProductMatcher) -> None:
    assert skus(matcher, "my camera wont connect to the wi fi") == ["CM-20"]


def test_known_words_are_never_fuzzed(catalogue_refs: list[ProductRef]) -> None:
    assert [p.sku for p in ProductMatcher(catalogue_refs).find("kettel")] == ["KT-200"]
    assert ProductMatcher(catalogue_refs, known_words=["kettel"]).find("kettel") == []


def test_works_for_any_catalogue() -> None:
    shop = [
        ProductRef("LMP-1", "Nordic Floor Lamp", "lighting"),
        ProductRef("LMP-2", "Nordic Desk Lamp", "lighting"),
        ProductRef("RG-9", "Wool Rug", "homeware"),
    ]
    matcher = ProductMatcher(shop)
    assert skus(matcher, "the floor lamp flickers") == ["LMP-1"]
    assert skus(matcher, "my desk lamp") == ["LMP-2"]
    assert skus(matcher, "the lamp") == ["LMP-1", "LMP-2"]  # shared head noun: both, ask which
    assert skus(matcher, "the rug") == ["RG-9"]
    assert skus(matcher, "nordic") == ["LMP-1", "LMP-2"]


def test_to_dict() -> None:
    assert ProductRef("ES-900", "Barista Pro Espresso Machine", "kitchen-appliance").to_dict() == {
        "sku": "ES-900",
        "name": "Barista Pro Espresso Machine",
        "category": "kitchen-appliance",
    }
