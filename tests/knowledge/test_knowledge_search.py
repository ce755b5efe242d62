"""Search relevance, snippets, typo tolerance, boosts and filters."""

from __future__ import annotations

import pytest

from knowledge import Article, SearchConfig, SearchIndex
from knowledge.snippets import with_items, with_lead_in
from knowledge.text import Analyzer
from storage.domain import Intent


def top_ids(index: SearchIndex, query: str, **kwargs: object) -> list[str]:
    return [hit.article.id for hit in index.search(query, **kwargs)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("query", "expected_first"),
    [
        ("where is my refund", "refunds"),
        ("my parcel says delivered but I didn't get it", "missing-parcel"),
        ("can I return shoes after 40 days", "return-policy"),
        ("my box arrived crushed", "damaged-parcel"),
        ("you sent me the wrong size", "wrong-item"),
        ("change my delivery address", "change-address"),
        ("cancel my order", "cancel-order"),
        ("when will my order arrive", "delivery-times"),
        ("what does out for delivery mean", "tracking-statuses"),
        ("do I pay customs in switzerland", "customs-and-duties"),
        ("gift card balance", "gift-cards"),
        ("talk to a human", "contact-support"),
        ("stop sending me messages", "notification-settings"),
        ("I need an invoice for my company", "receipts-and-invoices"),
        ("item out of stock when will it ship", "backorders"),
        ("parcel stuck in transit for a week", "delivery-delays"),
        ("desk shows E01", "sd-140-troubleshooting"),
        ("chair keeps sinking", "ch-50-troubleshooting"),
        ("camera offline", "cm-20-troubleshooting"),
        ("kettle switches off before boiling", "kt-200-troubleshooting"),
        ("how to pair headphones", "hp-70-pairing"),
    ],
)
def test_relevance(bundled_index: SearchIndex, query: str, expected_first: str) -> None:
    assert top_ids(bundled_index, query)[0] == expected_first


def test_descaling_the_misspelt_expresso_machine_finds_the_es_900(bundled_index: SearchIndex) -> None:
    ids = top_ids(bundled_index, "how do I descale my expresso machine")

    assert ids[0] == "es-900-troubleshooting"
    assert ids[1] == "es-900-setup"


@pytest.mark.parametrize(
    ("query", "expected_first"),
    [
        ("thermostst not connecting to wifi", "th-100-troubleshooting"),
        ("recieved a damagd parcle", "damaged-parcel"),
        ("refnd for my cancelled ordr", "cancel-order"),
        ("robot vacum wont dock", "vc-800-"),
        ("espreso machine leaking", "es-900-troubleshooting"),
    ],
)
def test_typos_are_tolerated(bundled_index: SearchIndex, query: str, expected_first: str) -> None:
    assert top_ids(bundled_index, query)[0].startswith(expected_first)


def test_typo_corrections_weigh_a_little_less_than_exact_words(bundled_index: SearchIndex) -> None:
    assert bundled_index.query_terms("thermostst") == {"thermostat": 0.9}
    assert bundled_index.query_terms("descale") == {"descal": 1.0}
    assert bundled_index.query_terms("xq zzzzzzzz") == {}


@pytest.mark.parametrize(
    ("query", "word"),
    [
        ("how do I descale my espresso machine", "descale"),
        ("where is my refund", "refund"),
        ("parcel marked delivered but missing", "delivered"),
        ("robot vacuum brush tangled", "brush"),
        ("how long do returns take for shoes", "shoes"),
    ],
)
def test_snippet_is_a_passage_with_the_query_words(bundled_index: SearchIndex, query: str, word: str) -> None:
    hit = bundled_index.search(query, limit=1)[0]

    assert word in hit.snippet.lower()
    for line in hit.snippet.splitlines():  # a passage, then the items of the list it leads into
        assert line.removeprefix("• ").rstrip("…") in hit.article.plain_body()
    assert not hit.snippet.startswith("#")


def test_snippet_prefers_the_section_answering_the_query(bundled_index: SearchIndex) -> None:
    hit = bundled_index.search("how do I descale my espresso machine", limit=1)[0]

    assert hit.snippet == "Descale the Barista Pro when the descale light comes on, or every 2 to 3 months."


def test_the_first_passage_under_a_heading_answers_the_heading() -> None:
    policy = article(
        "policy",
        "en",
        "## Shipping costs\n\nStandard delivery is free on orders over $50.\n\n"
        "## Carriers\n\nWe ship with UPS and DHL.\n",
    )
    index = SearchIndex.build([policy, article("other", "en", "Parcels travel with a carrier.")])

    assert index.passage(policy, "how much is shipping") == "Standard delivery is free on orders over $50."
    assert index.passage(policy, "do you ship with dhl") == "We ship with UPS and DHL."


def test_shipping_cost_questions_get_the_costs(bundled_index: SearchIndex) -> None:
    for query in ("how much is shipping", "how much do you charge for shipping"):
        hit = bundled_index.search(query, limit=1)[0]
        assert hit.article.id == "shipping-policy"
        assert hit.snippet.startswith("Standard delivery is free on orders over $50"), query


def test_a_list_item_finishing_a_sentence_is_shown_as_the_whole_sentence(bundled_index: SearchIndex) -> None:
    # privacy-and-your-data: "You can ask us at any time to:" then "- delete your chat history;"
    hit = bundled_index.search("how do I get my data deleted", limit=1)[0]

    assert hit.article.id == "privacy-and-your-data"
    assert hit.snippet == "You can ask us at any time to delete your chat history."


def test_a_list_after_a_sentence_of_its_own_keeps_the_colon() -> None:
    shown, lead_in = with_lead_in("We can no longer stop it. You have two options:", "")
    assert (shown, lead_in) == ("We can no longer stop it. You have two options:", "You have two options")
    shown, lead_in = with_lead_in("accept it and return it free of charge;", lead_in)
    assert shown == "You have two options: accept it and return it free of charge."
    # a capitalised item is a sentence of its own; a passage without a colon ends the list
    assert with_lead_in("Refuse the delivery.", lead_in) == ("Refuse the delivery.", "")


def test_a_passage_leading_into_a_list_shows_the_list(bundled_index: SearchIndex) -> None:
    # order-confirmation: "... within a few minutes of your order. If it has not arrived:" then steps
    hit = bundled_index.search("I didn't get a confirmation email", limit=1)[0]

    assert hit.article.id == "order-confirmation"
    assert hit.snippet.splitlines() == [
        "We send an order confirmation by email within a few minutes of your order. If it has not arrived:",
        "• Check your spam, junk and promotions folders.",
        '• Search your inbox for "doorstep-demo".',
        "• Check that the email address you entered at checkout is correct; a small typo is the most common reason.",
    ]


def test_a_paragraph_before_bullets_shows_them_but_not_before_numbered_steps() -> None:
    bullets = article("speeds", "en", "How long it takes depends on the speed.\n\n- Standard: 5 days.\n- Express: 2 days.\n")
    steps = article("setup", "en", "Setup takes about 15 minutes.\n\n1. Unpack it.\n2. Plug it in.\n")
    index = SearchIndex.build([bullets, steps])

    assert index.passage(bullets, "how long does it take") == (
        "How long it takes depends on the speed.\n• Standard: 5 days.\n• Express: 2 days."
    )
    assert index.passage(steps, "how long does setup take") == "Setup takes about 15 minutes."


def test_a_list_too_long_for_chat_ends_with_an_ellipsis() -> None:
    assert with_items("Try this:", ["a" * 10, "b" * 10, "c" * 10], max_chars=30) == f"Try this:\n• {'a' * 10}\n…"


def test_a_list_item_ending_with_or_drops_the_joiner() -> None:
    shown, _ = with_lead_in("open the chat link in your email; or", "You can verify in one of two ways")
    assert shown == "You can verify in one of two ways: open the chat link in your email."


def test_a_lead_in_alone_is_never_a_snippet() -> None:
    assert with_lead_in("You can ask us at any time to:", "") == ("", "You can ask us at any time to")
    only = article("ask-us", "en", "You can ask us at any time to:\n\n- delete your chat history;\n- send a copy.\n")
    index = SearchIndex.build([only, article("other", "en", "Parcels travel with a carrier.")])
    assert index.passage(only, "can you delete my history") == "You can ask us at any time to delete your chat history."
    assert index.passage(only, "ask us at any time") is None  # the lead-in's words alone pick nothing


def test_an_articles_passage_for_a_question(bundled_index: SearchIndex) -> None:
    article = next(a for a in bundled_index.articles if a.id == "promo-codes-and-price-changes")

    assert "refund the difference" in (bundled_index.passage(article, "do you price match") or "")
    assert bundled_index.passage(article, "xq zzzzzzzz") is None
    assert bundled_index.passage(article, "my kettle leaks") is None


def test_product_boost_multiplies_the_score_and_reorders(bm25_index: SearchIndex) -> None:
    plain = bm25_index.search("how do I set it up", limit=20)
    boosted = bm25_index.search("how do I set it up", limit=20, products=["CM-20"])
    plain_scores = {hit.article.id: hit.score for hit in plain}

    assert plain[0].article.id != "cm-20-setup"
    assert boosted[0].article.id == "cm-20-setup"
    assert boosted[0].score == pytest.approx(plain_scores["cm-20-setup"] * SearchConfig().product_boost)


def test_intent_and_category_boosts(bm25_index: SearchIndex) -> None:
    query = "can I return an opened router"
    plain = {hit.article.id: hit.score for hit in bm25_index.search(query, limit=10)}
    by_intent = bm25_index.search(query, limit=10, intent=Intent.RETURN_POLICY)
    by_category = {
        hit.article.id: hit.score for hit in bm25_index.search(query, limit=10, categories=["networking"])
    }

    assert top_ids(bm25_index, query)[0] == "return-policy"
    assert by_intent[0].article.id == "return-policy"
    assert by_intent[0].score == pytest.approx(plain["return-policy"] * SearchConfig().intent_boost)
    assert by_category["rt-600-setup"] == pytest.approx(plain["rt-600-setup"] * SearchConfig().category_boost)
    assert by_category["return-policy"] == pytest.approx(plain["return-policy"])


def test_a_boost_never_adds_articles_that_do_not_match(bundled_index: SearchIndex) -> None:
    hits = bundled_index.search("gift card balance", limit=50, products=["ES-900"])

    assert "es-900-setup" not in [hit.article.id for hit in hits]


def test_limit_empty_and_stop_word_queries(bundled_index: SearchIndex) -> None:
    assert len(bundled_index.search("delivery", limit=5)) == 5
    assert bundled_index.search("delivery", limit=0) == []
    assert bundled_index.search("") == []
    assert bundled_index.search("how do I do it") == []


def test_results_are_sorted_best_first(bundled_index: SearchIndex) -> None:
    scores = [hit.score for hit in bundled_index.search("parcel delivery", limit=15)]

    assert scores == sorted(scores, reverse=True)
    assert len(scores) == 15


def article(article_id: str, locale: str, body: str) -> Article:
    return Article(
        id=article_id,
        title=article_id.replace("-", " "),
        tags=(),
        intents=(Intent.ORDER_STATUS,),
        products=(),
        categories=("x",),
        url=f"https://help.example.test/{article_id}",
        locale=locale,
        kind=None,
        body=body,
    )


def test_locale_filters_by_language() -> None:
    index = SearchIndex.build(
        [
            article("parcel-en", "en", "Where is my parcel? Tracking explained."),
            article("parcel-gb", "en-GB", "Your parcel and its tracking."),
            article("paket-de", "de", "Wo ist mein Paket? parcel tracking"),
        ]
    )

    assert sorted(top_ids(index, "parcel tracking")) == ["paket-de", "parcel-en", "parcel-gb"]
    assert sorted(top_ids(index, "parcel tracking", locale="en-US")) == ["parcel-en", "parcel-gb"]
    assert top_ids(index, "parcel tracking", locale="de") == ["paket-de"]
    assert top_ids(index, "parcel tracking", locale="fr") == []


def test_title_outweighs_the_body() -> None:
    index = SearchIndex.build(
        [
            article("body-mention", "en", "Something about warranty claims and other things entirely."),
            article("warranty", "en", "Something about claims and other things entirely, nothing more."),
        ]
    )

    assert top_ids(index, "warranty") == ["warranty", "body-mention"]


def test_internal_link_text_does_not_make_an_article_match() -> None:
    index = SearchIndex.build(
        [
            article("linker", "en", "Read [about refunds](kb:refunds) for details on money."),
            article("refunds", "en", "Refunds are paid in five days."),
        ]
    )

    assert top_ids(index, "refunds") == ["refunds"]


def test_an_empty_index_finds_nothing() -> None:
    index = SearchIndex.build([])

    assert len(index) == 0
    assert index.search("anything") == []


def test_analyzer_is_shared_between_index_and_query() -> None:
    index = SearchIndex.build([article("setup-guide", "en", "How to setup the thing.")])

    assert top_ids(index, "setting it up") == ["setup-guide"]
    assert Analyzer().terms("setting it up") == ["setup"]
