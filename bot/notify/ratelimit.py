"""Send pacing per provider and per recipient (GCRA, the "virtual scheduling" token bucket).

A message first waits for its chat's turn (messages to one chat go one after the other, in
order, at most ``per_recipient_per_second``), then books the next slot of the provider's overall
budget (``per_second``, spread evenly) and sleeps until it. A 429 pauses the whole provider for
``retry_after``.

Two implementations of one :class:`Pacer` interface:

* :class:`ProviderPacer` keeps the schedule in memory: one process (SQLite, tests, benchmarks).
* :class:`SharedProviderPacer` keeps it in PostgreSQL (:mod:`storage.pacing`): every process of a
  deployment books its slots in the same rows, so the provider's overall rate and each chat's rate
  hold for the deployment as a whole, and a 429 seen by one process pauses all of them.

:func:`app_pacers` gives an app the shared kind when its database is PostgreSQL, else the
in-memory kind. Provider limits are real time, so the in-memory pacer paces on a monotonic clock
(``time.monotonic`` and ``asyncio.sleep`` by default) and the shared one on the database's clock,
not on the app's injectable clock: a test that moves the app's clock a day ahead must not make a
real server see a burst.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from aiohttp import web

from bot.app_keys import STORE
from bot.channels.senders import SendLimits
from storage.errors import StorageError
from storage.pacing import SendPacingTable

log = logging.getLogger(__name__)

Monotonic = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
#: recipients whose slot lies this far in the past are forgotten (seconds)
_FORGET_AFTER = 60.0
#: the shared table forgets recipients idle this long, looking this often (seconds)
SHARED_FORGET_AFTER = 600.0
SHARED_FORGET_EVERY = 300.0


class Pacer(Protocol):
    """What senders and the dispatcher pace with (one per provider)."""

    limits: SendLimits

    async def wait_for(self, recipient: str) -> float:
        """Seconds until a message to ``recipient`` could go, without reserving anything."""
        ...

    async def acquire(self, recipient: str) -> None:
        """Wait for a slot for ``recipient`` and take it."""
        ...

    async def pause(self, seconds: float) -> None:
        """Send nothing for ``seconds`` (the provider answered 429 with ``retry_after``)."""
        ...


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


def _recipient_interval(limits: SendLimits) -> float | None:
    """Seconds between two messages to one recipient (the limit plus the guard), None for no limit."""
    if not limits.per_recipient_per_second:
        return None
    return 1.0 / limits.per_recipient_per_second + limits.guard_seconds


class _RecipientLocks:
    """One lock per recipient while a message to it waits: its messages go one at a time, in order."""

    def __init__(self) -> None:
        self.locks: dict[str, asyncio.Lock] = {}

    @contextlib.asynccontextmanager
    async def turn(self, recipient: str) -> AsyncIterator[None]:
        lock = self.locks.get(recipient)
        if lock is None:
            lock = self.locks[recipient] = asyncio.Lock()
        try:
            async with lock:
                yield
        finally:
            if not lock.locked() and self.locks.get(recipient) is lock:
                del self.locks[recipient]


class ProviderPacer:
    """Paces one provider in memory: ``limits.per_second`` overall, ``limits.per_recipient_per_second`` per chat.

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
        self._chat_interval = _recipient_interval(limits)
        self._chats: dict[str, _Schedule] = {}
        self._turns = _RecipientLocks()
        self._paused_until = 0.0

    @property
    def _locks(self) -> dict[str, asyncio.Lock]:
        """The recipients with a message waiting (for tests: none are kept for idle chats)."""
        return self._turns.locks

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

    async def wait_for(self, recipient: str) -> float:
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
        async with self._turns.turn(recipient):
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

    async def pause(self, seconds: float) -> None:
        """Send nothing for ``seconds`` (the provider answered 429 with ``retry_after``)."""
        until = self._now() + max(0.0, seconds)
        self._paused_until = max(self._paused_until, until)
        if self._global is not None:
            self._global.tat = max(self._global.tat, self._paused_until)


class SharedProviderPacer:
    """Paces one provider for every process of a deployment, through ``send_pacing`` in PostgreSQL.

    Each message books its slot in one short transaction (:meth:`SendPacingTable.book`): the
    provider's next slot and the chat's next one (counted from this message's slot) are written
    together, under the provider row's lock. A chat that is not ready yet reserves nothing; the
    message sleeps and asks again. Within the process, messages to one chat still take turns in
    order. A pause (429) is written to the provider's row, so every process waits it out; one that
    arrives here while this process sleeps towards a booked slot makes it book again.
    """

    def __init__(
        self,
        table: SendPacingTable,
        provider: str,
        limits: SendLimits,
        *,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.limits = limits
        self.provider = provider
        self._table = table
        self._now = monotonic
        self._sleep = sleep
        self._interval = 1.0 / limits.per_second if limits.per_second else None
        self._recipient_interval = _recipient_interval(limits)
        self._turns = _RecipientLocks()
        #: when a pause this process knows of ends (its own 429s, or one read while booking)
        self._paused_until = 0.0

    @property
    def _unlimited(self) -> bool:
        return self._interval is None and self._recipient_interval is None

    async def wait_for(self, recipient: str) -> float:
        """Seconds until a message to ``recipient`` could go, without reserving anything."""
        local = max(0.0, self._paused_until - self._now())
        if self._unlimited:
            return local
        return max(local, await self._table.peek(self.provider, recipient))

    async def acquire(self, recipient: str) -> None:
        """Wait for a slot for ``recipient`` booked in the shared table, and take it."""
        async with self._turns.turn(recipient):
            while True:
                paused = self._paused_until - self._now()
                if paused > 0:
                    await self._sleep(paused)
                    continue
                if self._unlimited:
                    return
                booking = await self._table.book(
                    self.provider,
                    recipient,
                    interval=self._interval,
                    recipient_interval=self._recipient_interval,
                )
                if booking.paused_for > 0:
                    self._paused_until = max(self._paused_until, self._now() + booking.paused_for)
                if booking.wait > 0:
                    await self._sleep(booking.wait)
                if not booking.booked:
                    continue
                if self._paused_until > self._now():
                    continue  # a 429 arrived while waiting for the slot: wait the pause out, book again
                return

    async def pause(self, seconds: float) -> None:
        """Pause the provider for ``seconds`` in every process (the provider answered 429)."""
        self._paused_until = max(self._paused_until, self._now() + max(0.0, seconds))
        try:
            await self._table.pause(self.provider, seconds)
        except StorageError as exc:  # this process still waits; the others learn of it by their own 429
            log.warning("could not share a %.1fs pause of %s: %s", seconds, self.provider, exc)


class Pacers:
    """One pacer per channel, built from the limits registered with its sender.

    In memory by default; shared through PostgreSQL once :meth:`share` was given the table.
    """

    def __init__(self, *, monotonic: Monotonic = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self._monotonic = monotonic
        self._sleep = sleep
        self._pacers: dict[str, Pacer] = {}
        self._table: SendPacingTable | None = None

    @property
    def shared(self) -> bool:
        """Whether the pacers book their slots in PostgreSQL (several processes)."""
        return self._table is not None

    def share(self, table: SendPacingTable | None) -> None:
        """Book every later pacer's slots in ``table`` (None: back to memory).

        Call it before handing out pacers: pacers made earlier keep their own schedule.
        """
        self._table = table
        self._pacers.clear()

    def for_channel(self, channel: str, limits: SendLimits) -> Pacer:
        """The pacer of ``channel`` (rebuilt when its limits changed)."""
        pacer = self._pacers.get(channel)
        if pacer is None or pacer.limits != limits:
            if self._table is not None:
                pacer = SharedProviderPacer(
                    self._table, channel, limits, monotonic=self._monotonic, sleep=self._sleep
                )
            else:
                pacer = ProviderPacer(limits, monotonic=self._monotonic, sleep=self._sleep)
            self._pacers[channel] = pacer
        return pacer


PACERS: web.AppKey[Pacers] = web.AppKey("pacers", Pacers)


def app_pacers(app: web.Application) -> Pacers:
    """The app's one set of pacers, created on first use (call it while the app is being built).

    Conversational replies and proactive pushes to a provider share its pacer, so together
    they stay within the provider's overall and per-chat limits. The first call also adds the
    cleanup context that, on PostgreSQL, makes the pacers shared by every process (it runs after
    the database's context and before the contexts of the features that call this).
    """
    if PACERS not in app:
        app[PACERS] = Pacers()
        app.cleanup_ctx.append(_shared_pacing)
    return app[PACERS]


async def _shared_pacing(app: web.Application) -> AsyncIterator[None]:
    store = app[STORE]
    if store.dialect != "postgresql":
        yield
        return
    table = await SendPacingTable.open(store.url)
    pacers = app[PACERS]
    pacers.share(table)
    forgetting = asyncio.create_task(_forget_idle(table), name="send-pacing-forget")
    log.info("send limits shared by every process through PostgreSQL")
    try:
        yield
    finally:
        forgetting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await forgetting
        pacers.share(None)
        await table.close()


async def _forget_idle(table: SendPacingTable) -> None:
    """Delete the rows of recipients idle for :data:`SHARED_FORGET_AFTER`, every few minutes."""
    while True:
        await asyncio.sleep(SHARED_FORGET_EVERY)
        try:
            await table.forget_idle(older_than=SHARED_FORGET_AFTER)
        except Exception:
            log.exception("forgetting idle send-pacing rows failed; trying again later")
