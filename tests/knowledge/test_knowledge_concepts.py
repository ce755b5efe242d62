"""Lexicon concepts in search: query expansion, phrase words, product types, run-on words."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge import Article, SearchConfig, SearchIndex
from knowledge.concepts import ConceptAnalyzer
from knowledge.lexicon import Lexicon, LexiconError
from knowledge.text import Analyzer

LEXICON = Lexicon(
    {
        "refund": ["refund", "reimbursement", "money back"],
        "delivery_attempt": ["left a card", "missed delivery"],
        "chair": ["chair", "desk chair"],
        "desk": ["desk", "standing desk"],
        "symptom": ["keeps", "wont"],
        "setup": ["set up", "assemble"],
    },
    product_types=["chair", "desk"],
)


def article(
    article_id: str,
    title: str,
    *,
    tags: tuple[str, ...] = (),
    kind: str | None = None,
    products: tuple[str, ...] = (),
    body: str = "Some words.",
) -> Article:
    return Article(
        id=article_id,
        title=title,
        tags=tags,
        intents=(),
        products=products,
        categories=(),
        url=f"https://help.example.test/{article_id}",
        locale="en",
        kind=kind,
        body=body,
    )


def test_a_synonym_finds_the_article_through_its_concept() -> None:
    # query expansion: "reimbursement" is not in the articles, its concept is (in a title)
    articles = [
        article("refunds", "Getting your refund", body="We pay it back within 5 days."),
        article("returns", "Sending an item back", body="Print the label and post the parcel."),
    ]
    with_lexicon = SearchIndex.build(articles, lexicon=LEXICON)
    without = SearchIndex.build(articles, lexicon=Lexicon({"other": ["zzz"]}))

    assert [hit.article.id for hit in with_lexicon.search("where is my reimbursement")] == ["refunds"]
    assert with_lexicon.query_terms("reimbursement") == {"~refund": SearchConfig().concept_weight}
    assert without.search("where is my reimbursement") == []


def test_words_of_a_phrase_count_less_unless_they_are_a_concept_on_their_own() -> None:
    analyzer = Analyzer()
    concepts = ConceptAnalyzer(analyzer, LEXICON)
    words = {word.term: word for word in concepts.analyze("the courier left a card").words}
    refund = {word.term: word for word in concepts.analyze("I want my money back as a refund").words}

    assert words["card"].in_phrase
    assert words["left"].in_phrase
    assert not words["courier"].in_phrase
    assert refund[analyzer.term("money")].in_phrase
    assert not refund["refund"].in_phrase


def test_a_longer_phrase_of_another_concept_hides_the_shorter_match() -> None:
    concepts = ConceptAnalyzer(Analyzer(), LEXICON)
    analysis = concepts.analyze("my desk chair keeps sinking")

    assert analysis.product_types == {"chair"}
    assert analysis.concepts == {"chair", "symptom"}
    assert [word.names_product for word in analysis.words] == [True, True, False, False]


def test_run_on_words_split_into_known_words_and_fillers_drop() -> None:
    concepts = ConceptAnalyzer(Analyzer(), LEXICON)
    known = {"gift", "card", "balanc", "money"}.__contains__

    split = concepts.analyze("giftcard balance asap", known)
    unknown = concepts.analyze("zzzzqqqq", known)

    assert [word.term for word in split.words] == ["gift", "card", "balanc"]
    assert len(unknown.words) == 1


def test_negative_contractions_match_the_lexicons_two_word_phrases() -> None:
    lexicon = Lexicon({"wrong_item": ["not what i ordered"], "symptom": ["wont", "does not work"]})
    concepts = ConceptAnalyzer(Analyzer(), lexicon)

    assert concepts.analyze("this isn't what I ordered").concepts == {"wrong_item"}
    assert concepts.analyze("it won't start").concepts == {"symptom"}
    assert concepts.analyze("it doesnt work").concepts == {"symptom"}
    assert concepts.analyze("this is what I ordered").concepts == frozenset()


def test_a_word_taken_by_another_concepts_phrase_counts_less() -> None:
    lexicon = Lexicon(
        {"lateness": ["late"], "policy": ["too late", "can i return"], "return": ["return", "can i return"]}
    )
    concepts = ConceptAnalyzer(Analyzer(), lexicon)

    late = {word.term: word for word in concepts.analyze("is it too late to cancel").words}
    parcel = {word.term: word for word in concepts.analyze("my parcel is late").words}
    back = {word.term: word for word in concepts.analyze("can i return it").words}

    assert late["lat"].in_phrase
    assert concepts.analyze("is it too late to cancel").concepts == {"policy"}
    assert not parcel["lat"].in_phrase
    # "return" means its own concept inside "can i return", so it keeps its weight
    assert not back["return"].in_phrase


def test_a_lexicon_word_is_never_split_as_a_run_on() -> None:
    concepts = ConceptAnalyzer(Analyzer(), Lexicon({"address": ["postcode"]}))
    known = {"post", "cod", "wrong"}.__contains__

    analysis = concepts.analyze("wrong postcode", known)

    assert [word.term for word in analysis.words] == ["wrong", "postcod"]
    assert analysis.concepts == {"address"}


def test_a_lexicon_word_is_not_taken_for_a_typo_of_another_word() -> None:
    articles = [
        article("chair-fix", "Chair troubleshooting", tags=("stiff backrest",)),
        article("orders", "Your order", tags=("order",)),
    ]
    lexicon = Lexicon({"order": ["order", "stuff"]})

    index = SearchIndex.build(articles, lexicon=lexicon)

    # "stuff" is an order (its concept), not a typo of "stiff"
    assert "stif" not in index.query_terms("where is my stuff")
    assert [hit.article.id for hit in index.search("where is my stuff")] == ["orders"]
    # a word the lexicon does not know is still corrected
    assert "stif" in index.query_terms("stiffy backrest")


def test_frame_verbs_of_a_chat_message_do_not_rank() -> None:
    articles = [
        article("exchanges", "Exchanges", tags=("exchange",), body="Swap an item for another size."),
        article("assistant", "The chat assistant", body="It can work on an exchange and take payments."),
    ]
    index = SearchIndex.build(articles, lexicon=LEXICON)

    assert index.search("how do exchanges work")[0].article.id == "exchanges"
    assert "work" not in index.query_terms("how does it work")


def test_articles_about_another_product_rank_below_the_named_one() -> None:
    articles = [
        article(
            "desk-fix",
            "Standing desk troubleshooting",
            tags=("desk", "wobble"),
            kind="troubleshooting",
            products=("SD-1",),
            body="If it keeps wobbling, tighten the screws.",
        ),
        article(
            "chair-fix",
            "Chair troubleshooting",
            tags=("chair",),
            kind="troubleshooting",
            products=("CH-1",),
            body="If it keeps wobbling, tighten the wheels.",
        ),
    ]
    index = SearchIndex.build(articles, lexicon=LEXICON)

    assert index.search("my desk chair keeps wobbling")[0].article.id == "chair-fix"
    assert index.search("my desk keeps wobbling")[0].article.id == "desk-fix"


def test_symptom_wording_prefers_troubleshooting_and_setup_wording_setup() -> None:
    articles = [
        article(
            "chair-setup",
            "Your chair",
            tags=("chair",),
            kind="setup",
            products=("CH-1",),
            body="1. Fit the wheels.\n2. Fit the seat.",
        ),
        article(
            "chair-fix",
            "Your chair",
            tags=("chair",),
            kind="troubleshooting",
            products=("CH-1",),
            body="1. Fit the wheels.\n2. Fit the seat.",
        ),
    ]
    index = SearchIndex.build(articles, lexicon=LEXICON)

    assert index.search("the chair wheels keep coming off, it wont roll")[0].article.id == "chair-fix"
    assert index.search("how do I assemble the chair wheels")[0].article.id == "chair-setup"


def test_product_types_must_name_concepts(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.yaml"
    path.write_text("concepts:\n  chair: [chair]\nproduct_types: [chair, sofa]\n", encoding="utf-8")

    with pytest.raises(LexiconError, match="sofa"):
        Lexicon.load(path)


def test_the_bundled_lexicon_names_its_product_types() -> None:
    lexicon = Lexicon.bundled()

    assert {"router", "kettle", "vacuum"} <= lexicon.product_types
    assert "hoover" in lexicon.synonyms("vacuum")
    assert lexicon.concepts("the courier left a card".split()) == ["delivery_attempt"]


def test_words_of_a_concept_most_articles_carry_count_less() -> None:
    lexicon = Lexicon({"order": ["order", "parcel"], "refund": ["refund"]})
    others = [article(f"other-{n}", f"Topic {n}") for n in range(4)]
    broad = [
        article("track", "Track your order", tags=("parcel",)),
        article("cancel", "Cancel an order"),
        article("refunds", "Refunds", tags=("refund",)),
        *others[:3],
    ]
    narrow = [*broad[1:], *others[3:]]

    terms = SearchIndex.build(broad, lexicon=lexicon).query_terms("parcel refund order")
    narrow_terms = SearchIndex.build(narrow, lexicon=lexicon).query_terms("parcel refund order")

    # "order" is in the titles or tags of 2 of 6 articles: its words say little about which one
    assert terms["parcel"] == terms["order"] == SearchConfig().broad_word_weight
    assert terms["refund"] == 1.0
    # in 1 of 6 it is a topic like any other
    assert narrow_terms["order"] == 1.0


def test_a_phrasal_verb_matches_with_its_object_between_verb_and_particle() -> None:
    lexicon = Lexicon({"return": ["send back", "return"], "cancel": ["call off"]})

    def found(text: str) -> list[tuple[str, int, int]]:
        return [(m.concept, m.start, m.end) for m in lexicon.matches(text.split())]

    assert found("i want to send the kettle back") == [("return", 3, 7)]
    assert found("call it off please") == [("cancel", 0, 3)]
    assert found("send back") == [("return", 0, 2)]
    # at most two words between them: further apart they are no longer one phrase
    assert found("send it to my office back") == []


def test_a_question_about_the_order_lowers_articles_about_products() -> None:
    articles = [
        article("blender-care", "Blender care", tags=("blender",), products=("BL-1",), body="Motor and jug."),
        article("warranty", "Warranty", tags=("warranty",), body="Covered for two years, motor included."),
    ]
    lexicon = Lexicon({"blender": ["blender"], "warranty": ["warranty", "covered"]}, product_types=["blender"])
    query = "the blender motor died, is it covered"
    steered = SearchIndex.build(articles, lexicon=lexicon, config=SearchConfig(question_weight=0.0))
    flat = SearchIndex.build(
        articles, lexicon=lexicon, config=SearchConfig(question_weight=0.0, order_topic_product_factor=1.0)
    )

    before = {hit.article.id: hit.score for hit in flat.search(query)}
    after = {hit.article.id: hit.score for hit in steered.search(query)}

    assert after["blender-care"] == pytest.approx(before["blender-care"] * SearchConfig().order_topic_product_factor)
    assert after["warranty"] == pytest.approx(before["warranty"])
    # "the blender keeps stopping" is about using the product: nothing is lowered
    assert steered.search("the blender motor keeps stopping")[0].article.id == "blender-care"
