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
import enum
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from aiohttp import web

from bot.app_keys import STORE
from bot.channels.senders import SendLimits
from storage.errors import StorageError
from storage.pacing import Booking, SendPacingTable

log = logging.getLogger(__name__)

Monotonic = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
#: recipients whose slot lies this far in the past are forgotten (seconds)
_FORGET_AFTER = 60.0
#: the shared table forgets recipients idle this long, looking this often (seconds)
SHARED_FORGET_AFTER = 600.0
SHARED_FORGET_EVERY = 300.0
#: a message with this long (seconds) to wait for its shared slot asks, SLOT_LEAD before the slot,
#: whether another process saw a 429 meanwhile (shorter waits learn of a pause from the process's
#: other bookings)
RECHECK_AFTER = 0.25
#: how long before its shared slot a message is readied (``SlotHook.ready``), in seconds
SLOT_LEAD = 0.03
#: a message whose slot passed this long ago (seconds) when its task woke books a new slot
LATE_AFTER = 0.05
#: ... or, for a provider with a per-chat limit, its guard (never less than this)
MIN_LATE_AFTER = 0.005
#: share of the arrival rate kept free for sends of several processes on a busy machine, which reach
#: the provider a few milliseconds early or late (clock offsets, scheduling)
ARRIVAL_JITTER = 0.02
#: share of a provider's overall rate the shared pacers leave unused: slots are exact, but a task may
#: send up to LATE_AFTER after its slot, so one second can hold (1 + LATE_AFTER) seconds of slots, and
#: arrivals jitter on top; this keeps every one-second window within the limit (about 6.6%; per-chat
#: gaps have ``guard_seconds``)
SHARED_HEADROOM = 1.0 - 1.0 / ((1.0 + LATE_AFTER) * (1.0 + ARRIVAL_JITTER))
#: slots one process holds booked ahead per provider: a dispatcher starting on a full batch would
#: otherwise book a slot for every message at once, and with all of them to prepare, the loop
#: wakes late for the first slots, which are booked again, and again (seen as a stall of half a
#: second with three processes at 300/s); a few ahead keep the provider busy
BOOKED_AHEAD = 8
#: how long the database clock's offset from the best round trip is trusted (seconds)
CLOCK_REFRESH_SECONDS = 10.0


class SlotHook(Protocol):
    """Told by :meth:`Pacer.acquire` just before a message's slot (e.g. to record that its send begins)."""

    async def ready(self) -> None:
        """The slot is near (a few milliseconds): the message will go unless :meth:`abandoned` follows."""
        ...

    async def abandoned(self) -> None:
        """After :meth:`ready`, the slot was given up (a pause, or the loop woke too late): the
        message waits for another slot, and :meth:`ready` comes again before that one."""
        ...


class Pacer(Protocol):
    """What senders and the dispatcher pace with (one per provider)."""

    limits: SendLimits

    async def wait_for(self, recipient: str) -> float:
        """Seconds until a message to ``recipient`` could go, without reserving anything."""
        ...

    async def acquire(self, recipient: str, *, on_slot: SlotHook | None = None) -> None:
        """Wait for a slot for ``recipient`` and take it (``on_slot`` is told just before it)."""
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

    async def acquire(self, recipient: str, *, on_slot: SlotHook | None = None) -> None:
        """Wait for a slot for ``recipient`` and take it (``on_slot.ready()`` right before it).

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
                if on_slot is not None:
                    await on_slot.ready()
                if chat is not None:
                    chat.book(self._now())  # from when it really goes, however late the loop woke
                return

    async def pause(self, seconds: float) -> None:
        """Send nothing for ``seconds`` (the provider answered 429 with ``retry_after``)."""
        until = self._now() + max(0.0, seconds)
        self._paused_until = max(self._paused_until, until)
        if self._global is not None:
            self._global.tat = max(self._global.tat, self._paused_until)


class _DatabaseClock:
    """Maps the database's clock onto this process's monotonic clock.

    Each booking says what the database's clock read; the round trip with the least latency in the
    last :data:`CLOCK_REFRESH_SECONDS` gives the offset. A message then sleeps until its slot in
    local time, however late the answer arrived (a busy pool, a slow loop), instead of for a wait
    counted from when the answer was sent: late answers would make sends bunch up.
    """

    def __init__(self, monotonic: Monotonic) -> None:
        self._now = monotonic
        self._offset: float | None = None
        self._latency = float("inf")
        self._taken_at = float("-inf")

    def observe(self, booking: Booking) -> None:
        """Learn from one booking's round trip."""
        now = self._now()
        if booking.latency <= self._latency or now - self._taken_at > CLOCK_REFRESH_SECONDS:
            self._offset = booking.now - booking.local_mid
            self._latency = booking.latency
            self._taken_at = now

    def until(self, booking: Booking) -> float:
        """Seconds from now until ``booking.now + booking.wait`` on the database's clock."""
        if self._offset is None:
            return booking.wait
        return booking.now + booking.wait - self._offset - self._now()


class _Peeks:
    """The waits a process asks of the shared table in one pass of its event loop, answered by one
    query (:meth:`SendPacingTable.peek_many`): a dispatcher starting on a batch asks for every
    message at once, and one round trip each would queue its bookings behind them."""

    def __init__(self, table: SendPacingTable, provider: str) -> None:
        self._table = table
        self._provider = provider
        self._pending: dict[str, list[asyncio.Future[float]]] = {}
        self._reader: asyncio.Task[None] | None = None

    async def wait(self, recipient: str) -> float:
        """Seconds until a message to ``recipient`` could go (raises the table's error)."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._pending.setdefault(recipient, []).append(future)
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read(), name="send-pacing-peeks")
        return await asyncio.shield(future)

    async def _read(self) -> None:
        await asyncio.sleep(0)  # the other messages of this pass join the query
        while self._pending:
            batch, self._pending = self._pending, {}
            try:
                waits = await self._table.peek_many(self._provider, list(batch))
            except Exception as exc:  # each waiting message gets the error
                for futures in batch.values():
                    for future in futures:
                        if not future.done():
                            future.set_exception(exc)
                continue
            for recipient, futures in batch.items():
                for future in futures:
                    if not future.done():
                        future.set_result(waits.get(recipient, 0.0))


class _Slot(enum.Enum):
    """How waiting for one booked slot ended."""

    TAKEN = "taken"
    LATE = "late"
    PAUSED = "paused"


class SharedProviderPacer:
    """Paces one provider for every process of a deployment, through ``send_pacing`` in PostgreSQL.

    Each message books its slot in one short transaction (:meth:`SendPacingTable.book`): the
    provider's next slot and the chat's next one (counted from this message's slot) are written
    together, under the provider row's lock. Slots are spread over ``per_second`` less
    :data:`SHARED_HEADROOM`; a task that wakes more than :data:`LATE_AFTER` after its slot books
    another one rather than send in a bunch with the next ones (with a per-chat limit, more than
    the chat's ``guard_seconds``: the chat's next slot was counted from this one); each such retry
    tolerates twice the lateness, so a starved process still sends. A chat that is not ready yet reserves nothing; the
    message sleeps and asks again. Within the process, messages to one chat still take turns in
    order. A pause (429) is written to the provider's row, so every process waits it out: each
    booking reads it, and a message with a long wait for its slot (:data:`RECHECK_AFTER`) reads it
    again shortly before the slot; a paused message books again after the pause. Work that must
    precede a send (the dispatcher records that the send begins) runs during the last
    :data:`SLOT_LEAD` of the wait, not after the slot, so it does not delay sends unevenly. A
    process holds at most :data:`BOOKED_AHEAD` booked slots not yet reached, and the waits asked in
    one pass of its event loop (:meth:`wait_for`) are one query.
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
        self._interval = 1.0 / (limits.per_second * (1 - SHARED_HEADROOM)) if limits.per_second else None
        self._recipient_interval = _recipient_interval(limits)
        self._turns = _RecipientLocks()
        self._clock = _DatabaseClock(monotonic)
        #: a chat's next slot counts from this one's, so a late send may come at most the guard late
        self._late_after = (
            max(MIN_LATE_AFTER, min(LATE_AFTER, limits.guard_seconds))
            if self._recipient_interval is not None
            else LATE_AFTER
        )
        #: when a pause this process knows of ends (its own 429s, or one read while booking)
        self._paused_until = 0.0
        self._peeks = _Peeks(table, provider)
        #: messages of this process holding a booked slot they have not reached yet
        self._booked_ahead = asyncio.Semaphore(BOOKED_AHEAD)

    @property
    def _unlimited(self) -> bool:
        return self._interval is None and self._recipient_interval is None

    async def wait_for(self, recipient: str) -> float:
        """Seconds until a message to ``recipient`` could go, without reserving anything."""
        local = max(0.0, self._paused_until - self._now())
        if self._unlimited:
            return local
        return max(local, await self._peeks.wait(recipient))

    async def acquire(self, recipient: str, *, on_slot: SlotHook | None = None) -> None:
        """Wait for a slot for ``recipient`` booked in the shared table, and take it.

        ``on_slot.ready()`` runs :data:`SLOT_LEAD` before the slot (its own latency is then off the
        send's path), ``on_slot.abandoned()`` if that slot is given up after all.
        """
        late_after = self._late_after
        async with self._turns.turn(recipient):
            while True:
                paused = self._paused_until - self._now()
                if paused > 0:
                    await self._sleep(paused)
                    continue
                if self._unlimited:
                    return
                async with self._booked_ahead:
                    outcome = await self._take_slot(recipient, on_slot, late_after)
                if outcome is _Slot.TAKEN:
                    return
                if outcome is _Slot.LATE:
                    # the loop woke too late (sent now, it would bunch with the next slots): book
                    # again; on a starved machine each retry tolerates twice the lateness, so
                    # messages still go
                    late_after *= 2
                elif isinstance(outcome, float) and outcome > 0:
                    await self._sleep(outcome)  # the chat is not ready: nothing booked, nothing held

    async def _take_slot(
        self, recipient: str, on_slot: SlotHook | None, late_after: float
    ) -> _Slot | float:
        """Book a slot and wait for it: TAKEN, LATE or PAUSED (the slot was given up), or the
        seconds to wait before asking again when the chat was not ready (nothing was booked)."""
        booking = await self._table.book(
            self.provider,
            recipient,
            interval=self._interval,
            recipient_interval=self._recipient_interval,
            clock=self._now,
        )
        self._clock.observe(booking)
        if booking.paused_for > 0:
            self._paused_until = max(self._paused_until, self._now() + booking.paused_for)
        delay = self._clock.until(booking)
        if not booking.booked:
            return max(0.0, delay)
        if delay > SLOT_LEAD:
            await self._sleep(delay - SLOT_LEAD)
        if booking.wait >= RECHECK_AFTER:  # a long wait: did another process see a 429 meanwhile?
            paused = await self._table.paused_for(self.provider)
            if paused > 0:
                self._paused_until = max(self._paused_until, self._now() + paused)
        if self._paused_until > self._now():
            return _Slot.PAUSED  # a 429 arrived while waiting for the slot: wait it out, book again
        if on_slot is not None:
            await on_slot.ready()
        delay = self._clock.until(booking)
        if delay > 0:
            await self._sleep(delay)
        paused = self._paused_until > self._now()
        late = -self._clock.until(booking) > late_after
        if paused or late:
            if on_slot is not None:
                await on_slot.abandoned()
            return _Slot.LATE if late and not paused else _Slot.PAUSED
        return _Slot.TAKEN

    async def pause(self, seconds: float) -> None:
        """Pause the provider for ``seconds`` in every process (the provider answered 429)."""
        self._paused_until = max(self._paused_until, self._now() + max(0.0, seconds))
        try:
            left = await self._table.pause(self.provider, seconds)
            log.info(
                "%s paused for %.1f s in every process (a 429 asked for %.1f s)", self.provider, left, seconds
            )
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
