"""Running the server: one process, or ``--workers N`` processes on one port (PostgreSQL).

With one worker the server runs in this process, as always. With N > 1 this process becomes a
small supervisor:

- it checks the database is PostgreSQL (SQLite lets one process write at a time, and the
  send limits and singletons are coordinated through PostgreSQL), that the port is free, and
  migrates the database once;
- it starts N ``doorstep serve`` children (same environment and working directory, migrations
  off) that each listen on HOST:PORT with ``SO_REUSEPORT``: the kernel spreads new connections
  over them;
- SIGTERM or SIGINT is forwarded to every child (SIGTERM), which finishes its requests and its
  in-flight sends and stops; children still running after :data:`STOP_SECONDS` are killed;
- a child that exits by itself (a crash, ``kill -9``, a start-up error) stops the others and
  the supervisor exits with status 1, so the service manager (systemd ``Restart=on-failure``)
  starts the whole set again: no half-sized deployment runs on unnoticed.

A child whose supervisor vanished (killed with ``kill -9``) notices within a second and stops
itself, so no orphan keeps the port. Every process runs its own dispatcher (outbox rows are
claimed with ``SKIP LOCKED``), shares the send limits through PostgreSQL
(:mod:`bot.notify.ratelimit`) and competes for the singletons (:mod:`bot.leader`).
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from types import FrameType

from aiohttp import web

from bot.config import Settings
from bot.errors import ConfigError
from bot.preflight import ensure_port_free, listen_error

log = logging.getLogger(__name__)

#: seconds children get to stop after SIGTERM before they are killed
STOP_SECONDS = 30.0
#: how often a child checks that its supervisor is still there (seconds)
PARENT_CHECK_SECONDS = 1.0
#: bind errors that mean "this HOST:PORT cannot be used" (reported in one line, not a traceback)
_LISTEN_ERRNOS = frozenset({errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL})


def check_workers(settings: Settings, workers: int) -> None:
    """Raise :class:`ConfigError` (one line) when ``workers`` cannot run on this database."""
    if workers > 1 and not settings.database_url.startswith("postgresql"):
        raise ConfigError(
            f"{workers} workers need PostgreSQL (DOORSTEP_DATABASE_URL=postgresql+asyncpg://user:pass@host/db): "
            "SQLite lets one process write at a time; set DOORSTEP_WORKERS=1 or drop --workers"
        )


def serve(settings: Settings, *, workers: int, parent_pid: int | None = None) -> int:
    """Run the server with ``workers`` processes; returns the exit status."""
    check_workers(settings, workers)
    if workers > 1 and parent_pid is None:
        return supervise(settings, workers)
    if parent_pid is None:
        ensure_port_free(settings.host, settings.port)
        print(f"doorstep listening on http://{settings.host}:{settings.port}", flush=True)
    serve_one(settings, reuse_port=parent_pid is not None, parent_pid=parent_pid)
    return 0


def serve_one(settings: Settings, *, reuse_port: bool = False, parent_pid: int | None = None) -> None:
    """Run one server process until SIGTERM/SIGINT (``reuse_port``: share the port with siblings)."""
    from bot.app import build_app
    from bot.web.access_log import PathOnlyAccessLogger

    app = build_app(settings)
    if parent_pid is not None:
        app.cleanup_ctx.append(_watch_parent(parent_pid))
    try:
        web.run_app(
            app,
            host=settings.host,
            port=settings.port,
            reuse_port=reuse_port or None,
            print=None,
            access_log_class=PathOnlyAccessLogger,
        )
    except OSError as exc:  # taken between the check and the bind
        if exc.errno not in _LISTEN_ERRNOS:
            raise
        raise listen_error(settings.host, settings.port, exc) from None


def _watch_parent(parent_pid: int):  # type: ignore[no-untyped-def]
    """A cleanup context that stops this worker (SIGTERM to itself) once its supervisor is gone."""

    async def watch(app: web.Application) -> AsyncIterator[None]:
        async def check() -> None:
            while os.getppid() == parent_pid:  # noqa: ASYNC110 (nothing to wait on: the parent is polled)
                await asyncio.sleep(PARENT_CHECK_SECONDS)
            log.error("the supervisor (pid %d) is gone; stopping", parent_pid)
            os.kill(os.getpid(), signal.SIGTERM)

        task = asyncio.create_task(check(), name="watch-supervisor")
        yield
        task.cancel()

    return watch


def _child_command(parent_pid: int) -> list[str]:
    return [sys.executable, "-m", "bot.cli", "serve", "--worker-of", str(parent_pid)]


def spawn_workers(count: int, *, env: dict[str, str] | None = None) -> list[subprocess.Popen[bytes]]:
    """Start ``count`` worker processes of this one (migrations off: the supervisor ran them)."""
    child_env = {**(env if env is not None else os.environ), "DOORSTEP_RUN_MIGRATIONS": "false"}
    return [
        subprocess.Popen(_child_command(os.getpid()), env=child_env, start_new_session=True)
        for _ in range(count)
    ]


def supervise(settings: Settings, workers: int) -> int:
    """Start ``workers`` children on one port and watch them; see the module docstring."""
    from storage.migrate import upgrade

    ensure_port_free(settings.host, settings.port)
    asyncio.run(upgrade(settings.database_url))
    children = spawn_workers(workers)
    print(
        f"doorstep listening on http://{settings.host}:{settings.port} with {workers} workers "
        f"(pids {', '.join(str(c.pid) for c in children)})",
        flush=True,
    )
    return watch_workers(children)


def watch_workers(children: Sequence[subprocess.Popen[bytes]], *, poll_seconds: float = 0.1) -> int:
    """Forward SIGTERM/SIGINT to ``children`` and wait for them; 1 when one exited by itself.

    Returns 0 after a SIGTERM, 130 after a SIGINT, 1 when a child exited by itself (the others
    are stopped first).
    """
    stop_signal: int | None = None
    failed: subprocess.Popen[bytes] | None = None
    stop_started: float | None = None

    def stop_all() -> None:
        nonlocal stop_started
        if stop_started is None:
            stop_started = time.monotonic()
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        nonlocal stop_signal
        if stop_signal is None:
            stop_signal = signum
        stop_all()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        while any(child.poll() is None for child in children):
            if stop_started is None:
                failed = next((c for c in children if c.returncode is not None), None)
                if failed is not None:
                    print(
                        f"doorstep: worker {failed.pid} exited with status {failed.returncode}; "
                        "stopping the other workers",
                        file=sys.stderr,
                        flush=True,
                    )
                    stop_all()
            if stop_started is not None and time.monotonic() - stop_started > STOP_SECONDS:
                for child in children:
                    if child.poll() is None:
                        print(f"doorstep: worker {child.pid} did not stop; killing it", file=sys.stderr)
                        child.kill()
            time.sleep(poll_seconds)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if failed is None and stop_signal is None:  # every child ended by itself at once
        failed = children[0] if children else None
    if failed is not None:
        return 1
    return 130 if stop_signal == signal.SIGINT else 0
