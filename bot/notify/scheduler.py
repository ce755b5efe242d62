"""Time passes: the sweep for overdue and stalled shipments, inside the server process.

Every ``scheduler_interval_seconds`` of the app's clock, :meth:`Scheduler.sweep` looks at open
orders with an undelivered parcel past its ETA / promised date or without a scan for a while,
asks the journey rules for ``delayed`` proposals (``overdue_proposals``) and passes them through
the same policy -> outbox path as events. A delay already announced has the same dedupe key, so
a sweep every 30 seconds still tells the shopper once.

Timed messages (the setup guide some hours after delivery, the review request after the use
window) are *not* created here: the journey rules propose them when the delivery is recorded,
and the policy queues them as outbox rows with a future ``scheduled_at``. The dispatcher sends
them when they fall due, after re-checking them (still delivered? reputation guard? opted out?).
One mechanism for every timed message, and nothing is lost if the process is down when one falls
due: it goes out at the next start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.config import Settings
from bot.integrations.journey_config import journey_config
from bot.notify.enqueue import enqueue_proposals
from bot.notify.policy import Decision, NotificationPolicy, Renderer
from bot.notify.render import default_renderer
from handlers.journey.config import JourneyConfig
from handlers.journey.rules import overdue_proposals
from storage.store import Store

log = logging.getLogger(__name__)

#: orders looked at per transaction
SWEEP_CHUNK = 200


@dataclass(slots=True)
class SweepReport:
    """What one sweep found and queued."""

    orders: int = 0
    proposals: int = 0
    queued: int = 0
    suppressed: int = 0


class Scheduler:
    """Runs the overdue sweep on the app's clock."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        settings: Settings,
        *,
        renderer: Renderer | None = None,
        config: JourneyConfig | None = None,
        on_enqueued: Callable[[], None] | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._settings = settings
        self._policy = NotificationPolicy(settings, renderer or default_renderer())
        self._config = config or journey_config(settings)
        self._on_enqueued = on_enqueued
        self._interval = timedelta(seconds=settings.scheduler_interval_seconds)
        self._last_sweep: datetime | None = None
        self._stopping = asyncio.Event()

    async def sweep(self) -> SweepReport:
        """Queue ``delayed`` messages for every overdue or stalled parcel (once per parcel)."""
        now = self._clock.now()
        report = SweepReport()
        # a parcel counts as stalled after config.stalled_after without a scan
        stalled_before = now - self._config.stalled_after
        after_id = 0
        while True:
            async with self._store.transaction() as repos:
                ids = await repos.orders.with_overdue_shipments(
                    as_of=now.date() + timedelta(days=1),
                    stalled_before=stalled_before,
                    after_id=after_id,
                    limit=SWEEP_CHUNK,
                )
                if not ids:
                    break
                after_id = ids[-1]
                details = await repos.orders.details_many(order_ids=ids)
                proposals = [p for d in details for p in overdue_proposals(d, now, config=self._config)]
                outcomes = await enqueue_proposals(repos, proposals, now=now, policy=self._policy)
            report.orders += len(ids)
            report.proposals += len(proposals)
            report.queued += sum(1 for o in outcomes if o.decision in (Decision.QUEUED, Decision.DEFERRED))
            report.suppressed += sum(1 for o in outcomes if o.decision == Decision.SUPPRESSED)
        self._last_sweep = now
        if report.queued:
            log.info("sweep: %d delayed messages queued (%d orders looked at)", report.queued, report.orders)
            if self._on_enqueued is not None:
                self._on_enqueued()
        return report

    def due(self) -> bool:
        """Whether a sweep is due on the app's clock."""
        return self._last_sweep is None or self._clock.now() - self._last_sweep >= self._interval

    def stop(self) -> None:
        """Make :meth:`run` return."""
        self._stopping.set()

    async def run(self, *, poll_seconds: float = 1.0) -> None:
        """Sweep whenever the interval has passed on the app's clock; looks every ``poll_seconds``
        of real time (a test's fake clock moved ahead is noticed within that)."""
        while not self._stopping.is_set():
            if self.due():
                try:
                    await self.sweep()
                except Exception:
                    log.exception("overdue sweep failed; trying again next interval")
                    self._last_sweep = self._clock.now()
            wait = min(poll_seconds, self._settings.scheduler_interval_seconds)
            try:
                await asyncio.wait_for(self._stopping.wait(), timeout=wait)
            except TimeoutError:
                pass
