"""The outbox dispatcher: claims due messages, sends them through the channel senders, records results.

* Claiming uses ``repos.outbox.claim_due`` (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, a lease
  everywhere): several dispatcher processes never take the same row, and a row left ``sending``
  by a process that died is taken again once its lease expires - a crash loses nothing.
* Before sending, :class:`~bot.notify.gate.DispatchGate` re-checks each message (superseded,
  opted out, recipient, reputation guard, quiet hours).
* Sends are paced per provider and per chat (:mod:`bot.notify.ratelimit`) with the limits
  registered in the :class:`~bot.channels.senders.SenderRegistry`; on PostgreSQL the pacers
  book their slots in the database, so the limits hold for every process together.
* ``RetryLater`` -> retried with exponential backoff and jitter, ``retry_after`` honoured (and the
  provider paused for it); ``Unreachable`` -> the identity is marked unreachable and the message
  rerouted to the customer's next eligible identity, else failed; ``PermanentFailure`` -> failed
  with the reason. After ``dispatcher_max_attempts`` transient failures a message fails.

Results are written in small batches right after the sends. A process that dies between a send
and that write leaves its messages ``sending``; once their lease has run out they are recorded
as ``sent`` with the note :data:`INTERRUPTED_NOTE` (and an ``unconfirmed`` decision), never sent
again: the provider may well have delivered them, and a shopper must not get a message twice (nor
see it "cancelled" once the order moved on). Only rows whose send had begun count so
(:mod:`bot.notify.starts` records that before the provider is called): rows the process had
claimed but not begun to send are taken again by another dispatcher, so nothing is lost. Staff
rows (Slack) are the exception: they are taken again and re-posted, since a lost handoff post
costs more than a repeated one.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.channels.base import (
    PermanentFailure,
    ProactiveSender,
    RetryLater,
    SendError,
    SendResult,
    Unreachable,
)
from bot.channels.senders import SenderRegistry
from bot.clock import Clock
from bot.config import Settings
from bot.notify.backoff import Backoff
from bot.notify.gate import DispatchGate, decision_for
from bot.notify.payload import payload_to_reply
from bot.notify.policy import STAFF_CHANNEL, STAFF_KINDS, Decision
from bot.notify.ratelimit import Pacers
from bot.notify.recipients import choose_recipient
from bot.notify.staff import StaffDesk, ThreadNotReady
from bot.notify.starts import ClaimLost, SendStarts, StartOnSlot
from storage.models import OutboxMessage
from storage.repositories.outbox import NewDecision, SentMessage
from storage.store import Repositories, Store

log = logging.getLogger(__name__)

#: a message whose next send slot is further away than this goes back to the queue instead
MAX_PACING_WAIT = 5.0
#: what a message whose send was interrupted (the process stopped) is recorded with
INTERRUPTED_NOTE = "delivery unconfirmed: the process stopped during the send"
#: results are written at least this often (seconds) while sends are in flight
FLUSH_EVERY = 0.2
FLUSH_SIZE = 100


@dataclass(slots=True)
class Delivery:
    """The outcome of one send attempt."""

    row: OutboxMessage
    result: SendResult | None = None
    sent_at: datetime | None = None
    error: SendError | None = None
    #: not attempted: the pacer's next slot was this many seconds away
    paced_for: float | None = None
    #: not attempted: another dispatcher took the row (this one waited past its lease); not ours to record
    lost: bool = False


@dataclass(slots=True)
class DispatchReport:
    """Counts of one :meth:`Dispatcher.drain`."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    rerouted: int = 0
    cancelled: int = 0
    held: int = 0
    paced: int = 0
    #: messages a stopped process was sending, recorded as sent (see :data:`INTERRUPTED_NOTE`)
    unconfirmed: int = 0
    errors: list[str] = field(default_factory=list)


def worker_name() -> str:
    """A name for this dispatcher: host, process id and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Dispatcher:
    """Sends due outbox messages; see the module docstring."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        settings: Settings,
        senders: SenderRegistry,
        *,
        worker: str | None = None,
        pacers: Pacers | None = None,
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
        max_in_flight: int | None = None,
        staff_alerts: StaffDesk | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._settings = settings
        self._senders = senders
        self.worker = worker or worker_name()
        self._pacers = pacers or Pacers()
        self._backoff = backoff or Backoff()
        self._rng = rng or random.Random()
        self._gate = DispatchGate(settings, senders)
        self._max_in_flight = max_in_flight or settings.dispatcher_batch_size
        self._lease = timedelta(seconds=settings.dispatcher_lease_seconds)
        self._wake = asyncio.Event()
        self._stopping = False
        self._starts = SendStarts(store, clock, self.worker)
        self.staff_alerts = staff_alerts

    # ---- the background loop -------------------------------------------------------------------
    def wake(self) -> None:
        """Look for due messages now (new rows were queued)."""
        self._wake.set()

    def stop(self) -> None:
        """Make :meth:`run` return after the current pass."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Drain due messages, then wait for a wake-up, the next due time or the poll interval."""
        while not self._stopping:
            try:
                await self.drain()
                timeout = await self._idle_timeout()
            except Exception:
                log.exception("dispatcher pass failed; retrying")
                timeout = self._settings.dispatcher_poll_seconds
            if self._stopping:
                break
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=timeout)
            except TimeoutError:
                pass
            self._wake.clear()

    async def _idle_timeout(self) -> float:
        """Real seconds to wait: until the next due message, at most the poll interval."""
        poll = self._settings.dispatcher_poll_seconds
        async with self._store.transaction() as repos:
            next_due = await repos.outbox.next_due_at()
        if next_due is None:
            return poll
        return max(0.0, min(poll, (next_due - self._clock.now()).total_seconds()))

    # ---- one pass --------------------------------------------------------------------------------
    async def drain(self) -> DispatchReport:
        """Send every message due now (rerouted ones included); returns what happened."""
        report = DispatchReport()
        while True:
            rerouted = report.rerouted
            await self._pass(report)
            if report.rerouted == rerouted:
                return report

    async def _pass(self, report: DispatchReport) -> None:
        """Claim and send until nothing is due; waits for its sends to finish and records them."""
        in_flight: set[asyncio.Task[Delivery]] = set()
        active: set[int | None] = set()  # ids of the rows in flight
        finished: list[Delivery] = []
        exhausted = False
        last_flush = time.monotonic()
        low_water = max(1, self._max_in_flight // 2)
        while True:
            if not exhausted and len(in_flight) < low_water:
                rows = await self._claim(self._max_in_flight - len(in_flight), report)
                if rows:
                    for row in rows:
                        if row.id in active:  # still waiting here past its lease: that task sends it
                            continue
                        active.add(row.id)
                        in_flight.add(asyncio.create_task(self._deliver(row)))
                else:
                    exhausted = True
            if not in_flight:
                break
            done, in_flight = await asyncio.wait(
                in_flight, timeout=FLUSH_EVERY, return_when=asyncio.FIRST_COMPLETED
            )
            finished.extend(task.result() for task in done)
            active.difference_update(task.result().row.id for task in done)
            if len(finished) >= FLUSH_SIZE or (finished and time.monotonic() - last_flush >= FLUSH_EVERY):
                await self._settle(finished, report)
                finished = []
                last_flush = time.monotonic()
        if finished:
            await self._settle(finished, report)

    async def _claim(self, limit: int, report: DispatchReport) -> list[OutboxMessage]:
        """Claim due rows and pass them through the gate; returns the rows to send now.

        Returns an empty list only when nothing was due (rows the gate held back do not end a pass).
        """
        while True:
            now = self._clock.now()
            async with self._store.transaction() as repos:
                await self._settle_interrupted(repos, now, report)
                rows = await repos.outbox.claim_due(
                    now=now, worker=self.worker, limit=limit, lease=self._lease
                )
                if not rows:
                    return []
                screening = await self._gate.screen(repos, rows, now)
            report.claimed += len(rows)
            report.cancelled += screening.cancelled
            report.held += screening.held
            report.rerouted += screening.rerouted
            if screening.send:
                return screening.send

    async def _settle_interrupted(self, repos: Repositories, now: datetime, report: DispatchReport) -> None:
        """Record the messages a stopped process was sending as sent, with the doubt stated."""
        rows = await repos.outbox.settle_interrupted(
            now=now, lease=self._lease, note=INTERRUPTED_NOTE, except_channels=(STAFF_CHANNEL,)
        )
        if not rows:
            return
        log.warning(
            "%d message(s) left mid-send by a stopped process recorded as sent, unconfirmed", len(rows)
        )
        report.unconfirmed += len(rows)
        reason = f"{INTERRUPTED_NOTE}; recorded as sent, not sent again"
        await repos.decisions.add_many([decision_for(row, Decision.UNCONFIRMED, reason, now) for row in rows])

    async def _deliver(self, row: OutboxMessage) -> Delivery:
        """Pace and send one message; never raises (failures become the delivery's error)."""
        if row.kind in STAFF_KINDS:
            return await self._alert_staff(row)
        sender = self._senders.get(row.channel)
        if sender is None:
            return Delivery(row, error=RetryLater(f"no sender for channel {row.channel} (is it configured?)"))
        pacer = self._pacers.for_channel(row.channel, self._senders.limits(row.channel))
        try:
            wait = await pacer.wait_for(row.recipient)
            if wait > MAX_PACING_WAIT:
                return Delivery(row, paced_for=wait)
            await pacer.acquire(row.recipient, on_slot=StartOnSlot(self._starts, int(row.id or 0)))
            if isinstance(sender, ProactiveSender):  # its rules depend on the message (WhatsApp templates)
                result = await sender.send_proactive(row)
            else:
                result = await sender.send(row.recipient, payload_to_reply(row.payload or {}))
        except ClaimLost as lost:
            log.warning("%s; not sending it", lost)
            return Delivery(row, lost=True)
        except RetryLater as error:
            if error.retry_after:
                await pacer.pause(error.retry_after)
            return Delivery(row, error=error)
        except SendError as error:
            return Delivery(row, error=error)
        except Exception as error:  # a sender bug must not leave the row stuck in "sending"
            log.exception("sender for %s raised an unexpected error", row.channel)
            return Delivery(row, error=RetryLater(f"unexpected {type(error).__name__}: {error}"))
        return Delivery(row, result=result, sent_at=self._clock.now())

    async def _alert_staff(self, row: OutboxMessage) -> Delivery:
        """Send a staff row (alert, handoff, shopper's message in a handoff) through the staff desk (Slack),
        paced per staff channel with the desk's limits."""
        if self.staff_alerts is None:
            return Delivery(row, error=RetryLater("staff alerts are off (is Slack configured?)"))
        pacer = self._pacers.for_channel(row.channel, self.staff_alerts.limits)
        try:
            wait = await pacer.wait_for(row.recipient)
            if wait > MAX_PACING_WAIT:
                return Delivery(row, paced_for=wait)
            await pacer.acquire(row.recipient)
            result = await self.staff_alerts.send_staff(row)
        except ThreadNotReady as error:  # its handoff's post is still queued: not a failed attempt
            return Delivery(row, paced_for=error.retry_after or MAX_PACING_WAIT)
        except RetryLater as error:
            if error.retry_after:
                await pacer.pause(error.retry_after)
            return Delivery(row, error=error)
        except SendError as error:
            return Delivery(row, error=error)
        except Exception as error:  # a bug must not leave the row stuck in "sending"
            log.exception("staff alert failed unexpectedly")
            return Delivery(row, error=RetryLater(f"unexpected {type(error).__name__}: {error}"))
        return Delivery(row, result=result, sent_at=self._clock.now())

    # ---- recording results ---------------------------------------------------------------------
    async def _settle(self, deliveries: list[Delivery], report: DispatchReport) -> None:
        now = self._clock.now()
        async with self._store.transaction() as repos:
            sent = [
                SentMessage(int(d.row.id or 0), d.result.provider_message_id, d.sent_at or now)
                for d in deliveries
                if d.result is not None
            ]
            await repos.outbox.mark_sent_many(sent)
            report.sent += len(sent)
            decisions: list[NewDecision] = []
            for delivery in deliveries:
                if delivery.result is not None or delivery.lost:
                    continue
                if delivery.paced_for is not None:
                    at = now + timedelta(seconds=delivery.paced_for)
                    await repos.outbox.release(message_id=int(delivery.row.id or 0), at=at, note="paced")
                    report.paced += 1
                    continue
                decision = await self._settle_failure(repos, delivery, now)
                decisions.append(decision)
                report.errors.append(decision.reason)
                if decision.decision == Decision.RETRYING:
                    report.retried += 1
                elif decision.decision == Decision.REROUTED:
                    report.rerouted += 1
                else:
                    report.failed += 1
            await repos.decisions.add_many(decisions)

    async def _settle_failure(self, repos: Repositories, delivery: Delivery, now: datetime) -> NewDecision:
        row = delivery.row
        error = delivery.error
        message_id = int(row.id or 0)

        def decided(decision: Decision, reason: str) -> NewDecision:
            return decision_for(row, decision, reason, now)

        if isinstance(error, RetryLater):
            reason = error.reason
            if row.attempts >= self._settings.dispatcher_max_attempts:
                reason = f"gave up after {row.attempts} attempts: {reason}"
                await repos.outbox.mark_failed(message_id=message_id, error=reason)
                return decided(Decision.FAILED, reason)
            delay = self._backoff.delay(row.attempts, error.retry_after, self._rng)
            retry_at = now + timedelta(seconds=delay)
            await repos.outbox.mark_retry(message_id=message_id, error=reason, retry_at=retry_at)
            return decided(Decision.RETRYING, f"{reason}; retry at {retry_at:%Y-%m-%d %H:%M:%S} UTC")
        if isinstance(error, Unreachable):
            return await self._reroute(repos, row, str(error), now)
        reason = str(error) if isinstance(error, PermanentFailure) else f"{type(error).__name__}: {error}"
        await repos.outbox.mark_failed(message_id=message_id, error=reason)
        return decided(Decision.FAILED, reason)

    async def _reroute(
        self, repos: Repositories, row: OutboxMessage, reason: str, now: datetime
    ) -> NewDecision:
        """The recipient is unreachable: mark it so and move the message to the next identity."""
        await repos.identities.mark_unreachable_by_external(
            channel=row.channel, external_id=row.recipient, reason=reason
        )
        message_id = int(row.id or 0)
        if row.customer_id is not None:
            identities = await repos.identities.for_customers(customer_ids=[row.customer_id])
            preferences = await repos.preferences.for_customers(customer_ids=[row.customer_id])
            category = str((row.payload or {}).get("category") or row.kind)
            choice = choose_recipient(
                identities.get(row.customer_id, []),
                preferences.get(row.customer_id),
                category,
                exclude={(row.channel, row.recipient)},
            )
            if choice.identity is not None:
                target = choice.identity
                await repos.outbox.reroute(
                    message_id=message_id, channel=target.channel, recipient=target.external_id, at=now
                )
                return decision_for(
                    row, Decision.REROUTED, f"to {target.channel}: {row.channel} unreachable ({reason})", now
                )
            reason = f"{reason}; no other channel to fall back to ({choice.reason})"
        await repos.outbox.mark_failed(message_id=message_id, error=f"unreachable: {reason}")
        return decision_for(row, Decision.FAILED, f"unreachable: {reason}", now)
