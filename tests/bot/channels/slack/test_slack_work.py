"""SerialWork: jobs of one key run in submit order, a failure does not block the next, close waits."""

from __future__ import annotations

import asyncio

import pytest

from bot.channels.slack.work import SerialWork


async def test_jobs_of_one_key_run_in_order_and_keys_run_side_by_side() -> None:
    work = SerialWork()
    log: list[str] = []
    release_a = asyncio.Event()

    async def slow_a() -> None:
        await release_a.wait()
        log.append("a1")

    async def fast(name: str) -> None:
        log.append(name)

    work.submit("a", slow_a, name="a1")
    work.submit("a", lambda: fast("a2"), name="a2")
    work.submit("b", lambda: fast("b1"), name="b1")
    await asyncio.sleep(0.01)
    log.append("released")
    release_a.set()
    await work.idle()

    assert log == ["b1", "released", "a1", "a2"]


async def test_a_failing_job_is_logged_and_the_next_one_runs(caplog: pytest.LogCaptureFixture) -> None:
    work = SerialWork()
    ran: list[str] = []

    async def boom() -> None:
        raise RuntimeError("slack down")

    async def after() -> None:
        ran.append("after")

    work.submit(1, boom, name="boom")
    work.submit(1, after, name="after")
    await work.idle()

    assert ran == ["after"]
    assert "slack job boom failed" in caplog.text


async def test_close_waits_for_running_jobs_then_refuses_new_ones() -> None:
    work = SerialWork()
    done: list[str] = []

    async def job() -> None:
        await asyncio.sleep(0.05)
        done.append("job")

    work.submit("k", job, name="job")
    await work.close(grace_seconds=5)

    assert done == ["job"]
    with pytest.raises(RuntimeError):
        work.submit("k", job, name="late")
