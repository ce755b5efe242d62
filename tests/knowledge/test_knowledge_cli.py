"""The kb check / kb search command helpers."""

from __future__ import annotations

import io
from pathlib import Path

from knowledge_test_helpers import WriteArticle

from knowledge import KnowledgeBase, default_kb_dir
from knowledge.cli import run_check, run_search


def test_check_of_the_bundled_kb_is_clean(bundled_kb: KnowledgeBase) -> None:
    out = io.StringIO()

    assert run_check(default_kb_dir(), out) == 0
    assert out.getvalue() == f"{len(bundled_kb)} articles OK\n"


def test_check_prints_one_line_per_problem(tmp_path: Path, write_article: WriteArticle) -> None:
    write_article("bad-yaml", text="---\nid: bad-yaml\ntitle: Late: very\n---\nBody\n")
    write_article("linker", body="See [x](kb:missing).\n")
    out = io.StringIO()

    assert run_check(tmp_path, out) == 1
    assert out.getvalue().splitlines() == [
        f"{tmp_path / 'bad-yaml.md'}:3: YAML syntax error in front matter: mapping values are not allowed in this context",
        f"{tmp_path / 'linker.md'}:13: broken internal link 'kb:missing': no article has id 'missing'",
        "2 problems found",
    ]


def test_search_prints_rank_score_id_title_and_snippet() -> None:
    out = io.StringIO()

    assert run_search(default_kb_dir(), "where is my refund", out, limit=2) == 0
    lines = out.getvalue().splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("1. ")
    assert lines[0].endswith("  refunds  When will I get my refund?")
    assert float(lines[0].split()[1]) > 0
    assert (
        lines[1] == "   We issue your refund within 2 business days of your return arriving at our warehouse."
    )
    assert lines[2].startswith("2. ")


def test_search_with_no_match(tmp_path: Path, write_article: WriteArticle) -> None:
    write_article("only")
    out = io.StringIO()

    assert run_search(tmp_path, "zebra", out) == 0
    assert out.getvalue() == "no matching articles\n"


def test_search_of_a_broken_kb_reports_the_problem(tmp_path: Path) -> None:
    out = io.StringIO()

    assert run_search(tmp_path / "missing", "refund", out) == 1
    assert out.getvalue() == f"{tmp_path / 'missing'}: knowledge base directory does not exist\n"
