"""Per-channel pacing of Slack posts: at most one message per ``interval`` seconds into each channel.

:class:`ChannelPacer` keeps the schedule in memory (one process, on the app's clock, which tests
move); :class:`SharedChannelPacer` books the same slots through the app's shared pacers
(:mod:`bot.notify.ratelimit`), so on PostgreSQL every process of a deployment keeps to them together
and a 429 seen by one holds all of them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from bot.channels.senders import SendLimits
from bot.clock import Clock
from bot.notify.ratelimit import Pacer

#: Slack allows about one message per second per channel
DEFAULT_INTERVAL_SECONDS = 1.0


class ChannelPacer:
    """Spaces posts to one channel ``interval`` seconds apart; waiters go in arrival order.

    After a 429 the channel is held for the announced ``Retry-After`` (:meth:`hold`), so
    later posts wait too instead of being refused in turn.
    """

    def __init__(self, clock: Clock, interval: float = DEFAULT_INTERVAL_SECONDS) -> None:
        self._clock = clock
        self._interval = timedelta(seconds=interval)
        self._locks: dict[str, asyncio.Lock] = {}
        self._next_allowed: dict[str, datetime] = {}

    @asynccontextmanager
    async def turn(self, channel: str) -> AsyncIterator[None]:
        """Wait for ``channel``'s turn; the post happens inside the block, one at a time per channel."""
        lock = self._locks.setdefault(channel, asyncio.Lock())
        async with lock:
            await self._wait_until(channel)
            try:
                yield
            finally:
                self._next_allowed[channel] = max(
                    self._next_allowed.get(channel, self._clock.now()), self._clock.now() + self._interval
                )

    def hold(self, channel: str, seconds: float) -> None:
        """Post nothing to ``channel`` for ``seconds`` (Slack said Retry-After)."""
        until = self._clock.now() + timedelta(seconds=seconds)
        self._next_allowed[channel] = max(self._next_allowed.get(channel, until), until)

    async def wait(self, channel: str) -> None:
        """Wait out a hold on ``channel`` (used between retries, already inside :meth:`turn`)."""
        await self._wait_until(channel)

    async def _wait_until(self, channel: str) -> None:
        allowed = self._next_allowed.get(channel)
        while allowed is not None:
            delay = (allowed - self._clock.now()).total_seconds()
            if delay <= 0:
                return
            await self._clock.sleep(delay)
            allowed = self._next_allowed.get(channel)


#: the shared pacers' provider name for Slack posts (the dispatcher's staff rows use ``slack``)
SHARED_PROVIDER = "slack-api"


def slack_limits(interval: float = DEFAULT_INTERVAL_SECONDS) -> SendLimits:
    """One post per ``interval`` seconds per channel, no overall limit."""
    return SendLimits(per_recipient_per_second=1.0 / interval)


class SharedChannelPacer:
    """:class:`ChannelPacer`'s interface on a shared :class:`~bot.notify.ratelimit.Pacer`."""

    def __init__(self, pacer: Pacer) -> None:
        self._pacer = pacer
        self._held: dict[str, float] = {}

    @asynccontextmanager
    async def turn(self, channel: str) -> AsyncIterator[None]:
        """Wait for ``channel``'s slot (booked for every process); the post happens inside the block."""
        await self._pacer.acquire(channel)
        yield

    def hold(self, channel: str, seconds: float) -> None:
        """Post nothing for ``seconds`` (Slack said Retry-After); shared by :meth:`wait`."""
        self._held[channel] = max(self._held.get(channel, 0.0), seconds)

    async def wait(self, channel: str) -> None:
        """Share the hold with every process, then wait it out."""
        seconds = self._held.pop(channel, 0.0)
        if seconds > 0:
            await self._pacer.pause(seconds)
        await self._pacer.acquire(channel)
