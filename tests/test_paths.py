"""The suite's fixtures live inside the repository: a plain clone runs its tests with nothing beside it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.paths import CLINC150, FIXTURES, REPO_ROOT, TELEGRAM_API_SPEC, WEBHOOK_FIXTURES

#: the variable older checkouts read to find a ``shared/`` folder beside the repository (spelt in
#: pieces so that a search of the tree for it finds only real lookups)
LEGACY_VARIABLE = "_".join(("DOORSTEP", "SHARED", "DIR"))
#: spellings of a lookup outside the repository, in the code the tests, fakes and benchmarks run
OUTSIDE_LOOKUPS = re.compile("|".join((r"\.\./shared", r"parent\s*/\s*[\"']shared[\"']", "SHARED" + "_DIR")))
#: the one benchmark allowed to read an optional evaluation set beside the repository
OPTIONAL_OUTSIDE = (REPO_ROOT / "bench" / "nlu",)

#: loads every third-party fixture the tests and fakes read, the way they read it
LOAD_EVERY_FIXTURE = textwrap.dedent(
    """
    import json

    from tests.fakes.telegram_spec import DEFAULT_SPEC_PATH, TelegramApiSpec
    from tests.paths import CLINC150, WEBHOOK_FIXTURES

    webhooks = sorted(WEBHOOK_FIXTURES.glob("*/*.json"))
    for path in webhooks:
        json.loads(path.read_bytes())
    print(json.dumps({
        "oos_val": len(json.loads(CLINC150.read_text(encoding="utf-8"))["oos_val"]),
        "webhooks": [str(path) for path in webhooks],
        "telegram": TelegramApiSpec.load().version,
        "spec_path": str(DEFAULT_SPEC_PATH),
    }))
    """
)


def test_fixture_loading_needs_nothing_beside_the_repository(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {**os.environ, LEGACY_VARIABLE: str(empty)}
    done = subprocess.run(
        [sys.executable, "-c", LOAD_EVERY_FIXTURE],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["oos_val"] == 100
    assert report["telegram"].startswith("Bot API")
    assert Path(report["spec_path"]) == TELEGRAM_API_SPEC
    assert len(report["webhooks"]) == 11
    assert all(Path(name).is_relative_to(FIXTURES) for name in report["webhooks"])


def test_every_fixture_path_is_inside_the_repository() -> None:
    for path in (CLINC150, WEBHOOK_FIXTURES, TELEGRAM_API_SPEC):
        assert path.exists(), path
        assert path.resolve().is_relative_to(REPO_ROOT / "tests" / "fixtures")


def test_copied_fixtures_keep_their_licences_and_sources() -> None:
    sources = (FIXTURES / "SOURCES.md").read_text(encoding="utf-8")
    for folder, licence in [
        ("webhooks/shopify", "LICENSE.shopify_python_api"),
        ("webhooks/easypost", "LICENSE"),
        ("telegram", "LICENSE.telegram-bot-api-spec"),
        ("clinc150", "LICENSE"),
    ]:
        assert (FIXTURES / folder / licence).is_file(), folder
        assert f"`{folder}" in sources, folder


def test_no_code_looks_for_a_folder_beside_the_repository() -> None:
    roots = [REPO_ROOT / name for name in ("bot", "handlers", "knowledge", "storage", "tests", "bench")]
    offenders = []
    for root in roots:
        for path in root.rglob("*"):
            if path.suffix not in {".py", ".sh", ".toml", ".cfg", ".ini"} or path == Path(__file__):
                continue
            if any(path.is_relative_to(allowed) for allowed in OPTIONAL_OUTSIDE):
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if OUTSIDE_LOOKUPS.search(line):
                    offenders.append(f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()}")
    assert offenders == []
