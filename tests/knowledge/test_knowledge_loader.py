"""Loader validation: each kind of problem names its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from knowledge_test_helpers import BODY_LINE, VALID_FRONT_MATTER, WriteArticle, article_text

from knowledge import (
    BrokenLinkError,
    DuplicateIdError,
    EmptyBodyError,
    FieldTypeError,
    FrontMatterSyntaxError,
    InvalidFieldError,
    KnowledgeBase,
    KnowledgeDirectoryError,
    KnowledgeError,
    MissingFieldError,
    MissingFrontMatterError,
    MissingStepsError,
    UnknownFieldError,
    UnknownIntentError,
    check_knowledge_base,
    load_knowledge_base,
)
from storage.domain import Intent


def replace_line(key: str, new_line: str) -> list[str]:
    """VALID_FRONT_MATTER with the line starting with ``key:`` replaced."""
    return [new_line if line.startswith(f"{key}:") else line for line in VALID_FRONT_MATTER]


def without(key: str) -> list[str]:
    return [line for line in VALID_FRONT_MATTER if not line.startswith(f"{key}:")]


def load_error(directory: Path) -> KnowledgeError:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge_base(directory)
    return caught.value


def test_valid_article_loads_with_typed_fields(tmp_path: Path, write_article: WriteArticle) -> None:
    path = write_article("kettle-help", body="\nFirst line.\n\nSecond paragraph.\n\n")

    kb = load_knowledge_base(tmp_path)

    article = kb.by_id("kettle-help")
    assert article.title == "A test article about kettle-help"
    assert article.tags == ("testing", "example")
    assert article.intents == (Intent.ORDER_STATUS, Intent.DELIVERY_PROBLEM)
    assert article.products == ("KT-200",)
    assert article.categories == ("kitchen-appliance",)
    assert article.url == "https://help.example.test/articles/kettle-help"
    assert article.locale == "en"
    assert article.kind is None
    assert article.policy is None
    assert article.body == "First line.\n\nSecond paragraph."
    assert article.path == path


def test_missing_front_matter_names_file_and_line_1(tmp_path: Path, write_article: WriteArticle) -> None:
    write_article("plain", text="# Just a heading\n\nNo front matter here.\n")

    error = load_error(tmp_path)

    assert isinstance(error, MissingFrontMatterError)
    assert error.path == tmp_path / "plain.md"
    assert error.line == 1
    assert str(error).startswith(f"{tmp_path / 'plain.md'}:1: missing front matter")


def test_unclosed_front_matter_is_missing_front_matter(tmp_path: Path, write_article: WriteArticle) -> None:
    write_article("open", text="---\nid: open\ntitle: Never closed\n\nBody text.\n")

    error = load_error(tmp_path)

    assert isinstance(error, MissingFrontMatterError)
    assert "open.md:1: front matter opened on line 1 is never closed" in str(error)


def test_yaml_syntax_error_reports_the_yaml_line(tmp_path: Path, write_article: WriteArticle) -> None:
    # line 3 of the file is the title line: an unquoted second colon
    write_article("colon", front_matter=replace_line("title", "title: Delayed: what to do"))

    error = load_error(tmp_path)

    assert isinstance(error, FrontMatterSyntaxError)
    assert error.line == 3
    assert str(error) == (
        f"{tmp_path / 'colon.md'}:3: YAML syntax error in front matter: "
        "mapping values are not allowed in this context"
    )


def test_yaml_error_inside_a_list_names_where_the_list_started(
    tmp_path: Path, write_article: WriteArticle
) -> None:
    lines = replace_line("tags", "tags: [testing, example")  # line 4, never closed
    write_article("flow", front_matter=lines)

    error = load_error(tmp_path)

    assert isinstance(error, FrontMatterSyntaxError)
    assert error.line == 5
    assert "while parsing a flow sequence (line 4)" in error.message


def test_front_matter_that_is_not_a_mapping(tmp_path: Path, write_article: WriteArticle) -> None:
    write_article("listy", text="---\n- just\n- a list\n---\nBody.\n")

    error = load_error(tmp_path)

    assert isinstance(error, FrontMatterSyntaxError)
    assert error.line == 2
    assert "front matter must be a mapping" in error.message


@pytest.mark.parametrize("field", ["id", "title", "tags", "intents", "url", "locale"])
def test_missing_required_field_points_at_the_front_matter(
    tmp_path: Path, write_article: WriteArticle, field: str
) -> None:
    lines = [line for line in VALID_FRONT_MATTER if not line.startswith(f"{field}:")]
    if field == "intents":
        lines = [line for line in lines if not line.startswith("  - ")]
    write_article("incomplete", front_matter=lines)

    error = load_error(tmp_path)

    assert isinstance(error, MissingFieldError)
    assert str(error) == f"{tmp_path / 'incomplete.md'}:1: missing required field '{field}'"


def test_products_or_categories_is_required(tmp_path: Path, write_article: WriteArticle) -> None:
    write_article(
        "subjectless", front_matter=[line for line in without("products") if not line.startswith("categ")]
    )

    error = load_error(tmp_path)

    assert isinstance(error, MissingFieldError)
    assert error.line == 1
    assert "missing field 'products' or 'categories'" in error.message


def test_empty_products_list_alone_is_enough(tmp_path: Path, write_article: WriteArticle) -> None:
    lines = [line for line in replace_line("products", "products: []") if not line.startswith("categ")]
    write_article("general", front_matter=lines)

    article = load_knowledge_base(tmp_path).by_id("general")

    assert article.products == ()
    assert article.categories == ()


def test_wrong_type_names_the_field_line(tmp_path: Path, write_article: WriteArticle) -> None:
    write_article("typed", front_matter=replace_line("tags", "tags: shipping"))  # line 4

    error = load_error(tmp_path)

    assert isinstance(error, FieldTypeError)
    assert str(error) == f"{tmp_path / 'typed.md'}:4: field 'tags' must be a list, got a string"


def test_wrong_item_type_names_the_item_line(tmp_path: Path, write_article: WriteArticle) -> None:
    lines = replace_line("tags", "tags:\n  - fine\n  - 42")  # items on lines 5 and 6
    write_article("items", front_matter=lines)

    error = load_error(tmp_path)

    assert isinstance(error, FieldTypeError)
    assert error.line == 6
    assert "field 'tags' item 2 must be a non-empty string, got a number" in error.message


def test_example_questions_are_read_and_must_be_strings(tmp_path: Path, write_article: WriteArticle) -> None:
    write_article("asked", front_matter=[*VALID_FRONT_MATTER, "questions:", '  - "where is my kettle"', "  - 7"])

    error = load_error(tmp_path)

    assert isinstance(error, FieldTypeError)
    assert error.line == len(VALID_FRONT_MATTER) + 4
    assert "field 'questions' item 2 must be a non-empty string, got a number" in error.message

    write_article("asked", front_matter=[*VALID_FRONT_MATTER, "questions: [where is my kettle, kettle gone?]"])
    (article,) = load_knowledge_base(tmp_path).articles
    assert article.questions == ("where is my kettle", "kettle gone?")


def test_number_where_a_string_belongs(tmp_path: Path, write_article: WriteArticle) -> None:
    write_article("numeric", front_matter=replace_line("title", "title: 2024"))

    error = load_error(tmp_path)

    assert isinstance(error, FieldTypeError)
    assert error.line == 3
    assert "field 'title' must be a non-empty string" in error.message


def test_unknown_intent_names_the_item_line_and_suggests(tmp_path: Path, write_article: WriteArticle) -> None:
    lines = [line.replace("delivery_problem", "delivery_problems") for line in VALID_FRONT_MATTER]
    write_article("intent", front_matter=lines)  # the second intent item is on line 7

    error = load_error(tmp_path)

    assert isinstance(error, UnknownIntentError)
    assert error.line == 7
    assert str(error).startswith(
        f"{tmp_path / 'intent.md'}:7: unknown intent 'delivery_problems' (did you mean 'delivery_problem'?"
    )


def test_duplicate_id_names_both_files(tmp_path: Path, write_article: WriteArticle) -> None:
    write_article("first", article_id="same-id")
    write_article("second", article_id="same-id")

    error = load_error(tmp_path)

    assert isinstance(error, DuplicateIdError)
    assert error.path == tmp_path / "second.md"
    assert error.line == 2
    assert str(error) == (
        f"{tmp_path / 'second.md'}:2: duplicate id 'same-id': {tmp_path / 'second.md'} and "
        f"{tmp_path / 'first.md'}:2 both use it"
    )


def test_broken_link_names_the_body_line(tmp_path: Path, write_article: WriteArticle) -> None:
    write_article("target")
    body = "Intro line.\n\nSee [the target](kb:target) and\n[a missing one](kb:nowhere) too.\n"
    write_article("linker", body=body)

    error = load_error(tmp_path)

    assert isinstance(error, BrokenLinkError)
    assert error.line == BODY_LINE + 3
    assert str(error) == (
        f"{tmp_path / 'linker.md'}:{BODY_LINE + 3}: broken internal link 'kb:nowhere': no article has id 'nowhere'"
    )


def test_unknown_field_suggests_the_right_name(tmp_path: Path, write_article: WriteArticle) -> None:
    write_article("typo", front_matter=[*VALID_FRONT_MATTER, "kinds: setup"])  # line 12

    error = load_error(tmp_path)

    assert isinstance(error, UnknownFieldError)
    assert str(error) == f"{tmp_path / 'typo.md'}:12: unknown field 'kinds' (did you mean 'kind'?)"


def test_bad_id_format(tmp_path: Path, write_article: WriteArticle) -> None:
    write_article("bad-id", article_id="Bad Id")

    error = load_error(tmp_path)

    assert isinstance(error, InvalidFieldError)
    assert error.line == 2
    assert "field 'id' must be lowercase words joined by '-'" in error.message


def test_url_must_be_http(tmp_path: Path, write_article: WriteArticle) -> None:
    write_article("ftp", front_matter=replace_line("url", "url: ftp://example.test/x"))

    error = load_error(tmp_path)

    assert isinstance(error, InvalidFieldError)
    assert error.line == 10


def test_empty_body(tmp_path: Path, write_article: WriteArticle) -> None:
    write_article("empty", body="\n\n")

    error = load_error(tmp_path)

    assert isinstance(error, EmptyBodyError)
    assert error.line == BODY_LINE


def test_setup_article_needs_numbered_steps(tmp_path: Path, write_article: WriteArticle) -> None:
    write_article("setup", front_matter=[*VALID_FRONT_MATTER, "kind: setup"], body="- a bullet\n- another\n")

    error = load_error(tmp_path)

    assert isinstance(error, MissingStepsError)
    assert str(error).startswith(f"{tmp_path / 'setup.md'}:{BODY_LINE + 1}: a 'kind: setup' article")


def test_policy_must_be_a_mapping(tmp_path: Path, write_article: WriteArticle) -> None:
    write_article("policy", front_matter=[*VALID_FRONT_MATTER, "policy: [1, 2]"])

    error = load_error(tmp_path)

    assert isinstance(error, FieldTypeError)
    assert error.line == 12
    assert "field 'policy' must be a mapping, got a list" in error.message


def test_return_policy_shape_is_checked(tmp_path: Path, write_article: WriteArticle) -> None:
    lines = [*VALID_FRONT_MATTER, "policy:", "  return_window_days: {apparel: 60}"]
    write_article("return-policy", front_matter=lines)

    error = load_error(tmp_path)

    assert isinstance(error, InvalidFieldError)
    assert error.line == 12
    assert error.message == "field 'policy': 'return_window_days' needs a 'default' entry"


def test_missing_directory(tmp_path: Path) -> None:
    error = load_error(tmp_path / "nope")

    assert isinstance(error, KnowledgeDirectoryError)
    assert str(error) == f"{tmp_path / 'nope'}: knowledge base directory does not exist"


def test_directory_without_articles(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not an article")

    error = load_error(tmp_path)

    assert isinstance(error, KnowledgeDirectoryError)
    assert "no article (*.md) files found" in str(error)


def test_articles_in_subdirectories_are_loaded(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "nested.md").write_text(article_text("nested"))

    assert load_knowledge_base(tmp_path).by_id("nested").path == tmp_path / "en" / "nested.md"


def test_check_collects_every_problem_in_file_and_line_order(
    tmp_path: Path, write_article: WriteArticle
) -> None:
    write_article("a-plain", text="no front matter\n")
    lines = replace_line("tags", "tags: shipping")
    lines = [line.replace("order_status", "order_stats") for line in lines]
    write_article("b-two-problems", front_matter=lines, body="Go [there](kb:missing-target).\n")
    write_article("c-good")

    problems = check_knowledge_base(tmp_path)

    assert [(type(p), p.path.name, p.line) for p in problems] == [
        (MissingFrontMatterError, "a-plain.md", 1),
        (FieldTypeError, "b-two-problems.md", 4),
        (UnknownIntentError, "b-two-problems.md", 6),
        (BrokenLinkError, "b-two-problems.md", BODY_LINE),
    ]
    with pytest.raises(MissingFrontMatterError):
        load_knowledge_base(tmp_path)


def test_links_to_an_unreadable_article_are_not_reported_twice(
    tmp_path: Path, write_article: WriteArticle
) -> None:
    write_article("broken-target", text="no front matter\n")
    write_article("linker", body="See [it](kb:broken-target).\n")

    problems = check_knowledge_base(tmp_path)

    assert [type(p) for p in problems] == [MissingFrontMatterError]


def test_clean_directory_has_no_problems(tmp_path: Path, write_article: WriteArticle) -> None:
    write_article("one")
    write_article("two", body="Link to [one](kb:one).\n")

    assert check_knowledge_base(tmp_path) == []
    assert len(load_knowledge_base(tmp_path)) == 2


def test_every_loader_error_shares_the_root_type() -> None:
    for kind in (
        MissingFrontMatterError,
        FrontMatterSyntaxError,
        MissingFieldError,
        FieldTypeError,
        UnknownIntentError,
        DuplicateIdError,
        BrokenLinkError,
    ):
        assert issubclass(kind, KnowledgeError)


def test_knowledge_base_refuses_repeated_ids(tmp_path: Path, write_article: WriteArticle) -> None:
    write_article("twice")
    article = load_knowledge_base(tmp_path).by_id("twice")

    with pytest.raises(DuplicateIdError, match="duplicate article id 'twice'"):
        KnowledgeBase([article, article])
