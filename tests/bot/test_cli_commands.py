"""The kb and nlu commands of the ``doorstep`` CLI, run as a shopper's operator would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def _doorstep(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True, text=True, timeout=120
    )


def test_nlu_classify_reads_and_writes_json_lines() -> None:
    done = _doorstep(
        "nlu", "classify", stdin='{"text": "where is my order #1001"}\n{"text": "tell me a joke"}\nnot json\n'
    )
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert lines[0]["intent"] == "order_status"
    assert lines[0]["entities"]["order_numbers"][0] == "1001"
    assert 0.0 < lines[0]["confidence"] <= 1.0
    assert lines[1]["intent"] == "out_of_scope"
    assert lines[2] == {"error": lines[2]["error"], "line": 3}
    assert done.returncode == 1


def test_nlu_export_training_prints_text_and_intent() -> None:
    done = _doorstep("nlu", "export-training", "--no-negatives")
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 0
    assert len(records) >= 13 * 40
    assert {r["intent"] for r in records} >= {"order_status", "setup_help", "out_of_scope"}
    assert set(records[0]) == {"text", "intent"}


def test_kb_check_and_search_on_the_bundled_knowledge_base() -> None:
    check = _doorstep("kb", "check")
    assert check.returncode == 0
    assert check.stdout.strip().endswith("articles OK")
    search = _doorstep("kb", "search", "how", "do", "I", "descale", "my", "espresso", "machine")
    assert search.returncode == 0
    assert "espresso" in search.stdout.lower()


def test_kb_check_reports_a_broken_article_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "bad.md").write_text("---\nid: bad\ntitle: Bad\n---\nbody\n")
    done = _doorstep("kb", "check", "--dir", str(tmp_path))
    assert done.returncode == 1
    assert f"{tmp_path / 'bad.md'}:" in done.stdout
