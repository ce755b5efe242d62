"""One leader for singletons: advisory locks on a real PostgreSQL, two "processes" in one loop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest

from bot.leader import Leadership
from storage.advisory import AdvisoryLocks, lock_key
from tests.conftest import _pg_execute, new_pg_database


class Counter:
    """A singleton job that counts how many copies of it run at once."""

    def __init__(self) -> None:
        self.running: set[str] = set()
        self.most_at_once = 0
        self.ran_in: list[str] = []

    def job(self, who: str) -> Callable[[], asyncio.Future[None]]:
        async def run() -> None:
            self.running.add(who)
            self.ran_in.append(who)
            self.most_at_once = max(self.most_at_once, len(self.running))
            try:
                await asyncio.Event().wait()
            finally:
                self.running.discard(who)

        return run  # type: ignore[return-value]


async def _until(condition: Callable[[], bool], within: float) -> float:
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < within, "condition not met in time"
        await asyncio.sleep(0.02)
    return time.monotonic() - start


@pytest.fixture
async def pg_url(pg_admin_url: str, pg_template: str) -> str:
    return await new_pg_database(pg_admin_url, pg_template)


@pytest.fixture
async def pair(pg_url: str) -> AsyncIterator[tuple[Leadership, Leadership]]:
    first = Leadership(AdvisoryLocks(pg_url), retry_seconds=0.2)
    second = Leadership(AdvisoryLocks(pg_url), retry_seconds=0.2)
    try:
        yield first, second
    finally:
        await first.stop()
        await second.stop()


@pytest.mark.postgres
async def test_a_singleton_runs_in_exactly_one_process(pair: tuple[Leadership, Leadership]) -> None:
    counter = Counter()
    for n, leadership in enumerate(pair):
        leadership.add("sweep", counter.job(f"p{n}"))
        leadership.start()
    await _until(lambda: len(counter.running) == 1, within=5)
    await asyncio.sleep(1.0)  # several retry rounds: the follower keeps trying and keeps failing
    assert counter.most_at_once == 1 and len(counter.ran_in) == 1
    leaders = [leadership for leadership in pair if leadership.leading]
    assert len(leaders) == 1 and leaders[0].leading == {"sweep"}


@pytest.mark.postgres
async def test_the_follower_takes_over_when_the_leaders_connection_dies(
    pair: tuple[Leadership, Leadership], pg_admin_url: str, pg_url: str
) -> None:
    counter = Counter()
    pair[0].add("sweep", counter.job("first"))
    pair[0].start()
    await _until(lambda: counter.running == {"first"}, within=5)
    pair[1].add("sweep", counter.job("second"))
    pair[1].start()
    await asyncio.sleep(0.5)
    assert counter.running == {"first"}

    # the leader's session ends as when its process is killed: the server drops the lock
    database = pg_url.rsplit("/", 1)[1]
    await _pg_execute(
        pg_admin_url,
        "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
        f"AND objid = {lock_key('sweep') & 0xFFFFFFFF} AND database = "
        f"(SELECT oid FROM pg_database WHERE datname = '{database}')",
    )
    took = await _until(lambda: counter.running == {"second"}, within=5)
    assert took < 2.0
    await asyncio.sleep(0.5)  # the old leader noticed too and does not run it again
    assert counter.running == {"second"} and counter.ran_in == ["first", "second"]
    assert pair[0].leading == frozenset()


@pytest.mark.postgres
async def test_removing_a_job_hands_it_to_another_process(pair: tuple[Leadership, Leadership]) -> None:
    counter = Counter()
    pair[0].add("polling", counter.job("first"))
    pair[0].start()
    await _until(lambda: counter.running == {"first"}, within=5)
    pair[1].add("polling", counter.job("second"))
    pair[1].start()
    await pair[0].remove("polling")  # e.g. the process stops gracefully
    await _until(lambda: counter.running == {"second"}, within=3)


async def test_without_locks_every_job_runs_here() -> None:
    counter = Counter()
    leadership = Leadership(None)
    leadership.add("sweep", counter.job("only"))
    assert counter.running == set()  # not before start
    leadership.start()
    await _until(lambda: counter.running == {"only"}, within=2)
    leadership.add("polling", counter.job("only-polling"))
    await _until(lambda: counter.running == {"only", "only-polling"}, within=2)
    await leadership.stop()
    assert counter.running == set()


@pytest.mark.postgres
async def test_a_failing_job_is_restarted_and_a_finished_one_is_not(pg_url: str) -> None:
    runs = {"fails": 0, "finishes": 0}

    async def fails() -> None:
        runs["fails"] += 1
        raise RuntimeError("boom")

    async def finishes() -> None:
        runs["finishes"] += 1

    leadership = Leadership(AdvisoryLocks(pg_url), retry_seconds=0.1)
    leadership.add("fails", fails)
    leadership.add("finishes", finishes)
    leadership.start()
    try:
        await _until(lambda: runs["fails"] >= 3, within=5)
        assert runs["finishes"] == 1
    finally:
        await leadership.stop()
