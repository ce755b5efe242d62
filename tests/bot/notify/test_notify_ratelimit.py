"""Send pacing on a fake monotonic clock: overall spacing, per-chat spacing, pauses after a 429."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from bot.channels.senders import SendLimits
from bot.notify.ratelimit import Pacers, ProviderPacer


class Monotonic:
    """A monotonic clock moved by the pacer's own sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def _send_times(pacer: ProviderPacer, clock: Monotonic, recipients: list[str]) -> list[float]:
    times = []
    for recipient in recipients:
        await pacer.acquire(recipient)
        times.append(round(clock.now - 100.0, 4))
    return times


async def test_overall_rate_spreads_messages_evenly() -> None:
    clock = Monotonic()
    pacer = ProviderPacer(SendLimits(per_second=10), monotonic=clock, sleep=clock.sleep)
    assert await _send_times(pacer, clock, ["a", "b", "c", "d"]) == [0.0, 0.1, 0.2, 0.3]


async def test_one_chat_waits_its_interval_plus_the_guard() -> None:
    clock = Monotonic()
    pacer = ProviderPacer(
        SendLimits(per_second=30, per_recipient_per_second=1, guard_seconds=0.05),
        monotonic=clock,
        sleep=clock.sleep,
    )
    times = await _send_times(pacer, clock, ["a", "a", "b", "a"])
    assert times == [0.0, 1.05, 1.0833, 2.1]


async def test_concurrent_sends_a_busy_chat_does_not_hold_up_the_others() -> None:
    pacer = ProviderPacer(SendLimits(per_second=50, per_recipient_per_second=5, guard_seconds=0.01))
    start = time.monotonic()
    sent: list[tuple[str, float]] = []

    async def send(recipient: str) -> None:
        await pacer.acquire(recipient)
        sent.append((recipient, time.monotonic() - start))

    # five messages to one chat first, then ten to ten other chats
    await asyncio.gather(*(send("busy") for _ in range(5)), *(send(f"c{n}") for n in range(10)))

    busy = [at for who, at in sent if who == "busy"]
    others = [at for who, at in sent if who != "busy"]
    assert min(b - a for a, b in itertools.pairwise(busy)) >= 0.2  # 1/5 s + guard, from the real send
    assert max(others) < busy[2]  # the other chats went at the overall pace (50/s) meanwhile
    assert max(at for _, at in sent) >= 0.8  # busy's fifth message: four intervals after its first
    assert len(pacer._locks) == 0  # no lock left behind for idle chats


async def test_a_pause_stops_every_chat_for_retry_after() -> None:
    clock = Monotonic()
    pacer = ProviderPacer(SendLimits(per_second=100), monotonic=clock, sleep=clock.sleep)
    await pacer.acquire("a")
    await pacer.pause(3.0)
    assert await pacer.wait_for("b") == pytest.approx(3.0)
    await pacer.acquire("b")
    assert clock.now == pytest.approx(103.0)


async def test_unlimited_channels_never_wait_and_pacers_follow_their_limits() -> None:
    clock = Monotonic()
    pacers = Pacers(monotonic=clock, sleep=clock.sleep)
    free = pacers.for_channel("web", SendLimits())
    assert await _send_times(free, clock, ["a", "a", "a"]) == [0.0, 0.0, 0.0]
    assert pacers.for_channel("web", SendLimits()) is free
    assert pacers.for_channel("web", SendLimits(per_second=1)) is not free
