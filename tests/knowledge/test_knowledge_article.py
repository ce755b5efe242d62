"""Article helpers: numbered steps, passages, summaries and internal links."""

from __future__ import annotations

from knowledge import Article
from knowledge.markdown import find_kb_links, first_ordered_list, passages, to_plain_text
from storage.domain import Intent


def make_article(body: str, **overrides: object) -> Article:
    fields: dict[str, object] = {
        "id": "sample",
        "title": "Sample",
        "tags": ("x",),
        "intents": (Intent.SETUP_HELP,),
        "products": ("KT-200",),
        "categories": (),
        "url": "https://help.example.test/articles/sample",
        "locale": "en",
        "kind": "setup",
        "body": body,
    }
    fields.update(overrides)
    return Article(**fields)  # type: ignore[arg-type]


def test_steps_come_from_the_first_ordered_list_as_plain_text() -> None:
    body = (
        "# Set up\n\n"
        "Before you start:\n\n"
        "- a bullet that is not a step\n\n"
        "1. Fill the **tank** to the MAX line.\n"
        "2. Plug in the [base](kb:kt-200-setup)\n"
        "   and switch it on.\n"
        "3) Press `Start`.\n\n"
        "Some text after the list.\n\n"
        "1. A second list\n"
        "2. that is ignored\n"
    )

    assert make_article(body).steps() == [
        "Fill the tank to the MAX line.",
        "Plug in the base and switch it on.",
        "Press Start.",
    ]


def test_a_blank_line_between_items_keeps_the_list_going() -> None:
    body = "1. First.\n\n2. Second.\n\n   Still second.\n\nAfterwards.\n"

    assert first_ordered_list(body) == ["First.", "Second. Still second."]


def test_nested_bullets_stay_with_their_step() -> None:
    body = "1. Check the parts:\n   - legs\n   - screws\n2. Build it.\n"

    assert first_ordered_list(body) == ["Check the parts: legs screws", "Build it."]


def test_no_ordered_list_means_no_steps() -> None:
    assert make_article("Just a paragraph.\n\n- and a bullet\n").steps() == []


def test_a_heading_ends_the_list() -> None:
    assert first_ordered_list("1. One\n2. Two\n## Next\ntext\n") == ["One", "Two"]


def test_plain_text_drops_markup_but_keeps_words() -> None:
    markdown = "Use **bold**, *soft* and _calm_ words, `code`, a [link](https://x.test) and snake_case_name."

    assert to_plain_text(markdown) == "Use bold, soft and calm words, code, a link and snake_case_name."


def test_passages_are_sentences_and_list_items_with_their_heading() -> None:
    body = (
        "Intro sentence that is long enough to stand on its own here. A second sentence, which is also long enough to be a passage by itself.\n\n"
        "## Fixes\n\n"
        "- Clean the filter. Then dry it.\n"
        "- See [the guide](kb:guide).\n"
    )

    found = passages(body)

    assert [(p.text, p.heading) for p in found] == [
        ("Intro sentence that is long enough to stand on its own here.", ""),
        ("A second sentence, which is also long enough to be a passage by itself.", ""),
        ("Clean the filter. Then dry it.", "Fixes"),
        ("See the guide.", "Fixes"),
    ]
    assert found[3].own_text == "See ."


def test_short_sentences_stay_with_a_neighbour() -> None:
    found = passages("Descale the kettle: it helps. This is a longer sentence that explains more things.\n")

    assert [p.text for p in found] == [
        "Descale the kettle: it helps. This is a longer sentence that explains more things."
    ]


def test_summary_is_the_first_passage_cut_at_a_word() -> None:
    article = make_article("# Title\n\nThe first sentence of this body is rather long indeed. More.\n")

    assert article.summary(30) == "The first sentence of this…"
    assert article.summary() == "The first sentence of this body is rather long indeed. More."


def test_kb_links_carry_body_relative_lines() -> None:
    body = "Line one.\nSee [a](kb:alpha) and [b](kb:beta).\n\n[empty](kb:)\n"

    assert [(link.text, link.target, link.line) for link in find_kb_links(body)] == [
        ("a", "alpha", 2),
        ("b", "beta", 2),
        ("empty", "", 4),
    ]
