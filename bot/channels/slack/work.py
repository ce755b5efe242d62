"""Slow Slack work done after the 3-second ack: background tasks, in order per key, awaited at shutdown."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]


class SerialWork:
    """Runs jobs in background tasks; jobs with the same key run one after another, in submit order.

    A failing job is logged with its traceback and does not stop later jobs of its key.
    """

    def __init__(self) -> None:
        self._tails: dict[Hashable, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    def submit(self, key: Hashable, job: Job, *, name: str) -> asyncio.Task[None]:
        """Start ``job`` once every earlier job of ``key`` has finished."""
        if self._closed:
            raise RuntimeError("SerialWork is closed")
        previous = self._tails.get(key)
        task = asyncio.create_task(self._run(previous, job, name), name=name)
        self._tails[key] = task
        self._tasks.add(task)
        task.add_done_callback(lambda done: self._forget(key, done))
        return task

    async def idle(self) -> None:
        """Wait until every submitted job (and any they submit) has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self, grace_seconds: float = 10.0) -> None:
        """Refuse new jobs, wait up to ``grace_seconds`` for running ones, cancel the rest."""
        self._closed = True
        pending = list(self._tasks)
        if not pending:
            return
        _, still_running = await asyncio.wait(pending, timeout=grace_seconds)
        for task in still_running:
            task.cancel()
        if still_running:
            log.warning("cancelled %d unfinished Slack job(s) at shutdown", len(still_running))
            await asyncio.gather(*still_running, return_exceptions=True)

    @staticmethod
    async def _run(previous: asyncio.Task[None] | None, job: Job, name: str) -> None:
        if previous is not None:
            await asyncio.gather(previous, return_exceptions=True)
        try:
            await job()
        except Exception:
            log.exception("slack job %s failed", name)

    def _forget(self, key: Hashable, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if self._tails.get(key) is task:
            del self._tails[key]
