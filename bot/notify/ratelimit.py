"""Send pacing per provider and per recipient (GCRA, the "virtual scheduling" token bucket).

Each acquire reserves the earliest moment at which both the provider's and the recipient's
budget allow one more message, then sleeps until then. Reservations are taken in call order,
so messages to one chat keep their order. A 429 pauses the whole provider for ``retry_after``.

Provider limits are real time, so this paces on a monotonic clock (``time.monotonic`` and
``asyncio.sleep`` by default), not on the app's injectable clock: a test that moves the app's
clock a day ahead must not make a real server see a burst.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.channels.senders import SendLimits

Monotonic = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
#: recipients whose slot lies this far in the past are forgotten
_FORGET_AFTER = 60.0


@dataclass(slots=True)
class _Schedule:
    """GCRA state: the theoretical arrival time of the next message and the spacing."""

    interval: float
    tolerance: float
    tat: float = 0.0

    def earliest(self, now: float) -> float:
        return max(now, self.tat - self.tolerance)

    def book(self, at: float) -> None:
        self.tat = max(self.tat, at) + self.interval


class ProviderPacer:
    """Paces one provider: ``limits.per_second`` overall, ``limits.per_recipient_per_second`` per chat.

    The overall budget allows no burst (messages are spread evenly), a chat's budget allows
    none either and keeps ``guard_seconds`` extra between two messages.
    """

    def __init__(
        self, limits: SendLimits, *, monotonic: Monotonic = time.monotonic, sleep: Sleep = asyncio.sleep
    ) -> None:
        self.limits = limits
        self._now = monotonic
        self._sleep = sleep
        self._global = _Schedule(1.0 / limits.per_second, 0.0) if limits.per_second else None
        self._chat_interval = (
            1.0 / limits.per_recipient_per_second + limits.guard_seconds
            if limits.per_recipient_per_second
            else None
        )
        self._chats: dict[str, _Schedule] = {}
        self._paused_until = 0.0

    def _chat(self, recipient: str) -> _Schedule | None:
        if self._chat_interval is None:
            return None
        schedule = self._chats.get(recipient)
        if schedule is None:
            if len(self._chats) > 50_000:
                self._forget_idle()
            schedule = self._chats[recipient] = _Schedule(self._chat_interval, 0.0)
        return schedule

    def _forget_idle(self) -> None:
        cutoff = self._now() - _FORGET_AFTER
        for key in [k for k, s in self._chats.items() if s.tat < cutoff]:
            del self._chats[key]

    def wait_for(self, recipient: str) -> float:
        """Seconds until a message to ``recipient`` could go, without reserving anything."""
        now = self._now()
        at = max(now, self._paused_until)
        if self._global is not None:
            at = max(at, self._global.earliest(now))
        chat = self._chat(recipient)
        if chat is not None:
            at = max(at, chat.earliest(now))
        return at - now

    def reserve(self, recipient: str) -> float:
        """Book the next slot for ``recipient``; returns the monotonic time of that slot."""
        at = self._now() + self.wait_for(recipient)
        if self._global is not None:
            self._global.book(at)
        chat = self._chat(recipient)
        if chat is not None:
            chat.book(at)
        return at

    async def acquire(self, recipient: str) -> None:
        """Wait for a slot for ``recipient`` (again after a pause that began while waiting)."""
        while True:
            at = self.reserve(recipient)
            delay = at - self._now()
            if delay > 0:
                await self._sleep(delay)
            if self._paused_until <= self._now():
                return

    def pause(self, seconds: float) -> None:
        """Send nothing for ``seconds`` (the provider answered 429 with ``retry_after``)."""
        until = self._now() + max(0.0, seconds)
        self._paused_until = max(self._paused_until, until)
        if self._global is not None:
            self._global.tat = max(self._global.tat, self._paused_until)


class Pacers:
    """One :class:`ProviderPacer` per channel, built from the limits registered with its sender."""

    def __init__(self, *, monotonic: Monotonic = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self._monotonic = monotonic
        self._sleep = sleep
        self._pacers: dict[str, ProviderPacer] = {}

    def for_channel(self, channel: str, limits: SendLimits) -> ProviderPacer:
        """The pacer of ``channel`` (rebuilt when its limits changed)."""
        pacer = self._pacers.get(channel)
        if pacer is None or pacer.limits != limits:
            pacer = self._pacers[channel] = ProviderPacer(
                limits, monotonic=self._monotonic, sleep=self._sleep
            )
        return pacer
