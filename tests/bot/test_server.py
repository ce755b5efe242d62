"""``doorstep serve --workers N``: N real processes on one port (SO_REUSEPORT) and their supervisor."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import new_pg_database
from tests.loopback import free_port, healthy

REPO = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOORSTEP_")}
    env.update({"PYTHONPATH": str(REPO), "DOORSTEP_LOG_LEVEL": "WARNING", **values})
    return env


def _listening_pids(port: int) -> set[int]:
    """Processes with a listening TCP socket on ``port`` (read from /proc)."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as lines:
            next(lines)
            for line in lines:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
                    inodes.add(fields[9])
    pids = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            links = {os.readlink(fd) for fd in (entry / "fd").iterdir()}
        except OSError:
            continue
        if any(f"socket:[{inode}]" in links for inode in inodes):
            pids.add(int(entry.name))
    return pids


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is gone for our purposes
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def _wait(condition: object, within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.mark.parametrize("how", ["flag", "env"])
def test_several_workers_on_sqlite_stop_start_up_with_one_line(tmp_path: Path, how: str) -> None:
    values = {"DOORSTEP_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}"}
    args = ["serve", "--workers", "2"] if how == "flag" else ["serve"]
    if how == "env":
        values["DOORSTEP_WORKERS"] = "3"
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=_env(tmp_path, **values),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("doorstep: ") and "need PostgreSQL" in line and "DOORSTEP_WORKERS" in line
    assert not (tmp_path / "shop.db").exists()  # stopped before touching the database


@pytest.fixture
def supervisor(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """``doorstep serve --workers N`` on a fresh PostgreSQL database (N from the test's param)."""
    import asyncio

    admin = request.getfixturevalue("pg_admin_url")
    url = asyncio.run(new_pg_database(admin, None))  # empty: the supervisor migrates it once
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--workers", str(request.param)],
        env=_env(tmp_path, DOORSTEP_DATABASE_URL=url, DOORSTEP_PORT=str(port)),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait(lambda: len(_listening_pids(port)) == request.param, 90, "the workers to listen")
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)


def _children(process: subprocess.Popen[str]) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == process.pid:
                    found.add(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return found


@pytest.mark.postgres
@pytest.mark.parametrize("supervisor", [3], indirect=True)
def test_three_workers_share_one_port_and_stop_when_their_supervisor_is_killed(
    supervisor: tuple[subprocess.Popen[str], int],
) -> None:
    process, port = supervisor
    workers = _children(process)
    assert len(workers) == 3 and _listening_pids(port) == workers  # each worker has its own socket
    assert process.pid not in _listening_pids(port)
    assert all(healthy(port) for _ in range(20))
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    _wait(lambda: not any(_alive(pid) for pid in workers), 15, "orphaned workers to stop")
    assert _listening_pids(port) == set()


@pytest.mark.postgres
@pytest.mark.parametrize("supervisor", [2], indirect=True)
def test_sigterm_stops_every_worker_and_exits_0(supervisor: tuple[subprocess.Popen[str], int]) -> None:
    process, port = supervisor
    workers = _children(process)
    assert healthy(port)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=40) == 0
    assert not any(_alive(pid) for pid in workers)
    out, _ = process.communicate(timeout=10)
    assert f"listening on http://127.0.0.1:{port} with 2 workers" in out


@pytest.mark.postgres
@pytest.mark.parametrize("supervisor", [2], indirect=True)
def test_a_worker_that_dies_stops_the_others_and_the_supervisor_exits_1(
    supervisor: tuple[subprocess.Popen[str], int],
) -> None:
    process, _ = supervisor
    victim, other = sorted(_children(process))
    os.kill(victim, signal.SIGKILL)
    assert process.wait(timeout=40) == 1
    assert not _alive(other)
    _, err = process.communicate(timeout=10)
    assert f"doorstep: worker {victim} exited with status -9; stopping the other workers" in err
