"""The ``doorstep`` command run as a new user would, in an empty directory with no settings.

The demo shop is found by ``explain`` and ``link``; no read command creates a database; a port in use
stops ``serve`` and ``demo`` with one line naming DOORSTEP_PORT.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest


def _clean_env(**extra: str) -> dict[str, str]:
    """The test's environment without any DOORSTEP_ setting, plus ``extra``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DOORSTEP_")}
    env.update(extra)
    return env


def _doorstep(cwd: Path, *args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        env=_clean_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A loopback port another program is listening on."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield int(other.getsockname()[1])


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A directory where ``doorstep demo`` ran (seeded, served until /healthz answered) and was stopped."""
    workdir = tmp_path_factory.mktemp("demo")
    port = _free_port()
    log = (workdir / "demo.log").open("w")
    demo = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "demo"],
        cwd=workdir,
        env=_clean_env(DOORSTEP_PORT=str(port), DOORSTEP_DISPATCHER_ENABLED="false"),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert demo.poll() is None, (workdir / "demo.log").read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, (workdir / "demo.log").read_text()
            time.sleep(0.2)
    finally:
        demo.terminate()
        demo.wait(timeout=30)
        log.close()
    (workdir / "demo.log").unlink()
    yield workdir


def test_demo_records_its_shop_in_the_working_directory(demo_dir: Path) -> None:
    assert (demo_dir / "doorstep-demo.db").is_file()
    assert not (demo_dir / "doorstep.db").exists()


def test_explain_finds_the_demo_shop_without_settings(demo_dir: Path) -> None:
    done = _doorstep(demo_dir, "explain", "1001")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("order 1001 (")
    assert done.stderr.strip().splitlines() == [
        f"doorstep: using the demo shop's database {demo_dir / 'doorstep-demo.db'} "
        f"(DOORSTEP_DATABASE_URL is not set and {demo_dir / 'doorstep.db'} does not exist)"
    ]
    assert not (demo_dir / "doorstep.db").exists()


def test_link_finds_the_demo_shop_and_its_web_link_follows_the_port(demo_dir: Path) -> None:
    done = _doorstep(demo_dir, "link", "1002", DOORSTEP_PORT="8765")
    assert done.returncode == 0, done.stderr
    telegram, web, expires = done.stdout.splitlines()
    assert telegram.startswith("telegram: https://t.me/doorstep_demo_bot?start=")
    assert web.startswith("web:      http://127.0.0.1:8765/?t=")
    assert expires.startswith("expires:  ")
    assert not (demo_dir / "doorstep.db").exists()


def test_an_unknown_order_in_the_demo_shop_is_one_line(demo_dir: Path) -> None:
    done = _doorstep(demo_dir, "link", "999999")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == "doorstep: no order with number 999999"


@pytest.mark.parametrize(
    "command",
    [("explain", "1001"), ("explain", "1001", "--json"), ("link", "1001"), ("events", "replay", "x")],
)
def test_read_commands_never_create_a_database(tmp_path: Path, command: tuple[str, ...]) -> None:
    done = _doorstep(tmp_path, *command)
    assert done.returncode == 1
    assert done.stdout == ""
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"doorstep: no database at {tmp_path / 'doorstep.db'}: ")
    for way_out in ("DOORSTEP_DATABASE_URL", "`doorstep demo`", "`doorstep db upgrade`"):
        assert way_out in line
    assert list(tmp_path.iterdir()) == []


def test_a_database_url_naming_a_missing_file_is_not_created(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}"
    done = _doorstep(tmp_path, "explain", "1001", DOORSTEP_DATABASE_URL=url)
    assert done.returncode == 1
    assert f"no database at {tmp_path / 'shop.db'}" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_db_upgrade_creates_the_database_and_then_explain_reads_it(tmp_path: Path) -> None:
    assert _doorstep(tmp_path, "db", "upgrade").returncode == 0
    assert (tmp_path / "doorstep.db").is_file()
    done = _doorstep(tmp_path, "explain", "1001")
    assert done.returncode == 1
    assert done.stderr.strip() == "doorstep: no order '1001'"


@pytest.mark.parametrize("command", ["serve", "demo"])
def test_a_port_in_use_stops_the_server_with_one_line(tmp_path: Path, taken_port: int, command: str) -> None:
    started = time.monotonic()
    done = _doorstep(tmp_path, command, timeout=60, DOORSTEP_PORT=str(taken_port))
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        f"doorstep: port {taken_port} on 127.0.0.1 is already in use: "
        "stop the program using it or set DOORSTEP_PORT to a free port"
    ]
    assert list(tmp_path.iterdir()) == []  # stopped before seeding or migrating anything
    assert time.monotonic() - started < 30
