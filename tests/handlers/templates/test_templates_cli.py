"""doorstep templates check / preview."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli import main
from handlers.templates import default_template_dir


def test_check_passes_on_the_bundled_templates(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["templates", "check"]) == 0
    assert capsys.readouterr().out == "templates ok (16 kinds)\n"


def test_check_exits_1_and_names_each_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(default_template_dir() / "en", tmp_path / "en")
    (tmp_path / "en" / "refund_issued.txt.j2").write_text(
        "Refunded order {{ order_number }}. {{ support_url }}\n"
    )
    assert main(["templates", "check", "--dir", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        "en/refund_issued.txt.j2: does not use required field 'help_url'",
        "en/refund_issued.txt.j2: does not use required field 'amount'",
    ]
    assert out == "2 problem(s)\n"


def test_preview_prints_a_rendering(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["templates", "preview", "backordered", "--locale", "de"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("--- en/backordered.txt.j2 ---\nPart of your order 1001 is out of stock")
    assert "We expect it back Tuesday 8 December, and we'll ship it then." in out
    with pytest.raises(SystemExit):
        main(["templates", "preview", "teleported"])
