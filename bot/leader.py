"""One leader for singletons: jobs that must run in exactly one process of a deployment.

The overdue sweep and Telegram polling (``getUpdates`` refuses a second poller) are such jobs.
On PostgreSQL each job has a session-level advisory lock (:mod:`storage.advisory`), taken with
``pg_try_advisory_lock`` on one connection the process keeps for its locks. Every
``retry_seconds`` each process:

- checks that its lock connection is alive and still holds what it took; when it is not, every
  job it led is cancelled at once (another process may already have taken over);
- tries to take the lock of every job it does not lead, and starts the job when it gets it;
- restarts a job of its own that failed (logged), keeping the lock; a job that returned by
  itself (it was asked to stop) is not run again.

When the leader dies, even by ``kill -9``, PostgreSQL ends its session and the locks are free:
another process takes over within ``retry_seconds`` (a machine that vanished without closing its
socket: within the TCP keepalive time, about 11 s). On SQLite the one process is the leader of
every job. Timed messages (setup guide, review request) need no leader: they are outbox rows with
a future ``scheduled_at`` that dispatchers claim with ``SKIP LOCKED``.

    leadership = app_leadership(app)             # at build time, before the feature's own context
    ...
    leadership.add("overdue-sweep", scheduler.run)   # in the feature's context
    ...
    await leadership.remove("overdue-sweep")     # on the way out
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from bot.app_keys import STORE
from storage.advisory import AdvisoryLocks, LockLost
from storage.errors import StorageError

log = logging.getLogger(__name__)

#: a singleton job: runs until cancelled (or until it is asked to stop, then returns)
Job = Callable[[], Awaitable[None]]
#: how often followers try to take over, and the leader checks its locks (seconds)
RETRY_SECONDS = 2.0


class Leadership:
    """Runs each registered job in this process while it holds the job's lock.

    ``locks`` None: no other process can exist (SQLite), every job runs here.
    """

    def __init__(self, locks: AdvisoryLocks | None, *, retry_seconds: float = RETRY_SECONDS) -> None:
        self._locks = locks
        self._retry = retry_seconds
        self._jobs: dict[str, Job] = {}
        self._running: dict[str, asyncio.Task[None]] = {}
        self._loop_task: asyncio.Task[None] | None = None
        self._started = False
        self._changed = asyncio.Event()

    @property
    def leading(self) -> frozenset[str]:
        """The jobs running in this process now."""
        return frozenset(name for name, task in self._running.items() if not task.done())

    def add(self, name: str, job: Job) -> None:
        """Run ``job`` in this process whenever it leads ``name`` (at once without locks)."""
        if name in self._jobs:
            raise ValueError(f"a singleton named {name!r} is already registered")
        self._jobs[name] = job
        if self._locks is None and self._started:
            self._start_job(name)
        self._changed.set()

    async def remove(self, name: str) -> None:
        """Stop ``name`` here (if it runs) and let another process lead it."""
        self._jobs.pop(name, None)
        await self._stop_job(name)
        if self._locks is not None:
            try:
                await self._locks.unlock(name)
            except LockLost as exc:
                log.warning("releasing the %s lock: %s", name, exc)

    def start(self) -> None:
        """Start leading: at once without locks, else in a background loop."""
        if self._started:
            return
        self._started = True
        if self._locks is None:
            for name in self._jobs:
                self._start_job(name)
            return
        self._loop_task = asyncio.create_task(self._elect(), name="leadership")

    async def stop(self) -> None:
        """Stop every job, stop trying, release the locks."""
        self._started = False
        task, self._loop_task = self._loop_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for name in list(self._running):
            await self._stop_job(name)
        if self._locks is not None:
            await self._locks.close()

    # ---- the election loop ---------------------------------------------------------------------
    async def _elect(self) -> None:
        assert self._locks is not None
        while True:
            try:
                await self._round(self._locks)
            except LockLost as exc:
                log.error(
                    "leadership lost (%s); stopping %s", exc, ", ".join(sorted(self.leading)) or "nothing"
                )
                for name in list(self._running):
                    await self._stop_job(name)
            except StorageError as exc:  # cannot reach the database: try again next round
                log.warning("leadership: %s", exc)
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=self._retry)

    async def _round(self, locks: AdvisoryLocks) -> None:
        await locks.check()
        for name in list(self._jobs):
            task = self._running.get(name)
            if task is not None and (not task.done() or _finished(task)):
                continue
            if task is not None:  # it failed: say so, and run it again while we lead
                self._report_end(name, task)
            if await locks.try_lock(name):
                if name not in self._jobs:  # removed meanwhile
                    await locks.unlock(name)
                    continue
                if task is None:
                    log.info("leading %s", name)
                self._start_job(name)

    # ---- jobs ----------------------------------------------------------------------------------
    def _start_job(self, name: str) -> None:
        self._running[name] = asyncio.create_task(self._jobs[name](), name=f"singleton-{name}")

    async def _stop_job(self, name: str) -> None:
        task = self._running.pop(name, None)
        if task is None:
            return
        if not task.done():
            task.cancel()
        await asyncio.wait([task])
        if not task.cancelled() and task.exception() is not None:
            log.error("singleton %s failed", name, exc_info=task.exception())
        log.info("no longer leading %s", name)

    @staticmethod
    def _report_end(name: str, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("singleton %s failed; restarting it", name, exc_info=task.exception())


def _finished(task: asyncio.Task[None]) -> bool:
    """The job returned by itself (it was asked to stop): it is not run again."""
    return task.done() and not task.cancelled() and task.exception() is None


LEADERSHIP: web.AppKey[Leadership] = web.AppKey("leadership", Leadership)


def app_leadership(app: web.Application) -> None:
    """Make sure the app will have a :class:`Leadership` (call it while the app is being built).

    The first call adds the cleanup context that creates it (advisory locks on PostgreSQL, none on
    SQLite) as ``app[LEADERSHIP]``; it runs after the database's context and before the contexts
    of the features that call this, which then ``add`` and ``remove`` their jobs.
    """
    if _leadership not in app.cleanup_ctx:
        app.cleanup_ctx.append(_leadership)


async def _leadership(app: web.Application) -> AsyncIterator[None]:
    store = app[STORE]
    locks = AdvisoryLocks(store.url) if store.dialect == "postgresql" else None
    leadership = Leadership(locks)
    app[LEADERSHIP] = leadership
    leadership.start()
    try:
        yield
    finally:
        await leadership.stop()
