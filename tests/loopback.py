"""Servers on loopback for the tests and the benchmarks: a free port, a health check, a throwaway
PostgreSQL cluster.

No pytest here: the benchmarks import this module too.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def healthy(port: int) -> bool:
    """Whether a doorstep server on 127.0.0.1:``port`` answers ``/healthz`` with 200."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


def pg_bin() -> Path:
    """The directory of PostgreSQL's ``initdb`` and ``pg_ctl`` (the newest installed version)."""
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    raise RuntimeError("PostgreSQL is not installed: run .ci/run (it installs postgresql)")


class TempPostgres:
    """A PostgreSQL cluster made with ``initdb`` in a temporary directory, on a free loopback port,
    removed when stopped: ``with TempPostgres() as pg: pg.url("name")`` (or :meth:`start` /
    :meth:`stop`).

    ``settings`` are server settings (``{"fsync": "off"}``); ``stop_mode`` is ``pg_ctl stop -m``
    (``immediate`` skips the shutdown checkpoint of a cluster nobody keeps).
    """

    def __init__(
        self,
        *,
        settings: Mapping[str, str] | None = None,
        stop_mode: str = "fast",
        prefix: str = "doorstep-pg-",
    ) -> None:
        self.bin = pg_bin()
        self.dir = Path(tempfile.mkdtemp(prefix=prefix))
        self.port = free_port()
        self._settings = dict(settings or {})
        self._stop_mode = stop_mode
        self._as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self._as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def start(self) -> TempPostgres:
        """Create the cluster and start its server (as the ``postgres`` user when run as root)."""
        if self._as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        data = self.dir / "data"
        self._run(str(self.bin / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
        settings = {"listen_addresses": "127.0.0.1", **self._settings}
        opts = f"-p {self.port} -k {self.dir} " + " ".join(f"-c {k}={v}" for k, v in settings.items())
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(data), "-o", opts, "-w", "-l", str(self.dir / "log"), "start"
        )
        return self

    def stop(self) -> None:
        """Stop the server and remove the cluster."""
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", self._stop_mode, "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def postmaster_pid(self) -> int:
        """The server's main process id (its backends are its children)."""
        return int((self.dir / "data" / "postmaster.pid").read_text().split()[0])

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of ``database`` on this cluster."""
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create database ``name``; returns its URL."""
        self._run(
            str(self.bin / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-c",
            f'CREATE DATABASE "{name}"',
        )
        return self.url(name)

    def __enter__(self) -> TempPostgres:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
