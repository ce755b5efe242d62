"""Send pacing per provider and per recipient (GCRA, the "virtual scheduling" token bucket).

A message first waits for its chat's turn (messages to one chat go one after the other, in
order, at most ``per_recipient_per_second``), then books the next slot of the provider's overall
budget (``per_second``, spread evenly) and sleeps until it. A 429 pauses the whole provider for
``retry_after``.

Provider limits are real time, so this paces on a monotonic clock (``time.monotonic`` and
``asyncio.sleep`` by default), not on the app's injectable clock: a test that moves the app's
clock a day ahead must not make a real server see a burst.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

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
        self._locks: dict[str, asyncio.Lock] = {}
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

    async def acquire(self, recipient: str) -> None:
        """Wait for a slot for ``recipient`` and take it.

        Messages to one chat take their turns one after the other (the chat's next slot counts
        from the moment the previous message really went); the overall budget is booked only
        once the chat is ready, so a busy chat never holds up the others.
        """
        chat = self._chat(recipient)
        lock = self._locks.get(recipient)
        if lock is None:
            lock = self._locks[recipient] = asyncio.Lock()
        try:
            async with lock:
                while True:
                    now = self._now()
                    ready = max(now, self._paused_until, chat.earliest(now) if chat is not None else now)
                    if ready > now:
                        await self._sleep(ready - now)
                        continue
                    at = now
                    if self._global is not None:
                        at = self._global.earliest(now)
                        self._global.book(at)
                    if at > now:
                        await self._sleep(at - now)
                    if self._paused_until > self._now():
                        continue  # a 429 arrived while waiting: wait the pause out and book again
                    if chat is not None:
                        chat.book(self._now())  # from when it really goes, however late the loop woke
                    return
        finally:
            if not lock.locked() and self._locks.get(recipient) is lock:
                del self._locks[recipient]

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


PACERS: web.AppKey[Pacers] = web.AppKey("pacers", Pacers)


def app_pacers(app: web.Application) -> Pacers:
    """The app's one set of pacers, created on first use (call it while the app is being built).

    Conversational replies and proactive pushes to a provider share its pacer, so together
    they stay within the provider's overall and per-chat limits.
    """
    if PACERS not in app:
        app[PACERS] = Pacers()
    return app[PACERS]
