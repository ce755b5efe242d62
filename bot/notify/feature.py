"""``notify_feature``: the order timeline route, and the dispatcher and scheduler as background tasks.

Every process runs a dispatcher (they claim outbox rows with ``SKIP LOCKED``); the scheduler's
overdue sweep runs in the one process leading it (:mod:`bot.leader`).

The dispatcher sends through the senders that channel features register in the app's
:class:`~bot.channels.senders.SenderRegistry` (``sender_registry(app)``), and staff alerts
and handoff posts through the Slack channel's alerts and handoffs (``SLACK_ALERTS``, ``SLACK``)
when Slack is on (its feature must come before this one in the feature list). Events are ingested by
the webhook routes with :func:`bot.notify.pipeline.ingest_events`; passing
``on_enqueued=app[NOTIFY].wake`` (also published as ``app[SERVICES]["wake_dispatcher"]``) makes
the dispatcher send at once instead of at its next poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

from aiohttp import web

from bot.app_keys import CLOCK, SERVICES, SETTINGS, STORE
from bot.channels.senders import SenderRegistry, sender_registry
from bot.channels.slack.feature import SLACK, SLACK_ALERTS
from bot.clock import Clock
from bot.config import Settings
from bot.leader import LEADERSHIP, Leadership, app_leadership
from bot.notify.dispatcher import Dispatcher
from bot.notify.pipeline import IngestResult, ingest_events
from bot.notify.ratelimit import app_pacers
from bot.notify.scheduler import Scheduler
from bot.notify.staff import SlackStaffAlerts
from bot.notify.web import get_timeline
from storage.domain import NormalizedEvent
from storage.store import Store

log = logging.getLogger(__name__)

#: ``app[SERVICES]`` key of the dispatcher's wake-up, called by the event routes after queuing
WAKE_DISPATCHER = "wake_dispatcher"
#: the overdue sweep runs in one process of a deployment (see :mod:`bot.leader`)
SWEEP_SINGLETON = "overdue-sweep"

#: seconds the shutdown waits for in-flight sends to finish and be recorded
STOP_TIMEOUT = 10.0


@dataclass(slots=True)
class NotifyService:
    """The running notification machinery of an app."""

    store: Store
    clock: Clock
    settings: Settings
    senders: SenderRegistry
    dispatcher: Dispatcher
    scheduler: Scheduler
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    #: runs the sweep in the one leading process; None: the sweep runs here
    leadership: Leadership | None = None

    def wake(self) -> None:
        """New messages were queued: let the dispatcher look now."""
        self.dispatcher.wake()

    async def ingest(self, events: Sequence[NormalizedEvent]) -> list[IngestResult]:
        """:func:`~bot.notify.pipeline.ingest_events` with this app's store, clock and settings."""
        return await ingest_events(self.store, events, self.clock, self.settings, on_enqueued=self.wake)

    def start(self) -> None:
        """Start the dispatcher loop, and the scheduler loop (in the leading process only)."""
        self.tasks = [asyncio.create_task(self.dispatcher.run(), name="notify-dispatcher")]
        if self.leadership is not None:
            self.leadership.add(SWEEP_SINGLETON, self._sweep)
        else:
            self.tasks.append(asyncio.create_task(self._sweep(), name="notify-scheduler"))

    async def _sweep(self) -> None:
        await self.scheduler.run(poll_seconds=self.settings.dispatcher_poll_seconds)

    def request_stop(self) -> None:
        """Ask both loops to finish their current pass."""
        self.dispatcher.stop()
        self.scheduler.stop()

    async def stop(self) -> None:
        """Stop both loops; in-flight sends finish and are recorded (or retried after the lease)."""
        self.request_stop()
        if self.leadership is not None:
            await self.leadership.remove(SWEEP_SINGLETON)
        if not self.tasks:
            return
        done, pending = await asyncio.wait(self.tasks, timeout=STOP_TIMEOUT)
        for task in pending:
            log.warning("%s did not stop in %.0fs; cancelling it", task.get_name(), STOP_TIMEOUT)
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                log.error("%s ended with an error", task.get_name(), exc_info=task.exception())
        self.tasks = []


NOTIFY: web.AppKey[NotifyService] = web.AppKey("notify", NotifyService)


def notify_feature(app: web.Application, settings: Settings) -> None:
    """Add the timeline route and run the dispatcher and scheduler while the app runs."""
    sender_registry(app)  # created now, so channel features' contexts can register into it
    app_pacers(app)
    app_leadership(app)
    app.router.add_get("/api/orders/{number}/timeline", get_timeline)
    app.cleanup_ctx.append(_notify)
    app.on_shutdown.append(_stop_sending)


async def _notify(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    store, clock, senders = app[STORE], app[CLOCK], sender_registry(app)
    alerts = app.get(SLACK_ALERTS)
    slack = app.get(SLACK)
    staff = SlackStaffAlerts(alerts, slack.handoffs if slack else None) if alerts is not None else None
    dispatcher = Dispatcher(
        store,
        clock,
        settings,
        senders,
        pacers=app_pacers(app),
        staff_alerts=staff,
    )
    scheduler = Scheduler(store, clock, settings, on_enqueued=dispatcher.wake)
    service = NotifyService(
        store, clock, settings, senders, dispatcher, scheduler, leadership=app.get(LEADERSHIP)
    )
    app[NOTIFY] = service
    app[SERVICES][WAKE_DISPATCHER] = service.wake
    if settings.dispatcher_enabled:
        service.start()
        log.info(
            "dispatcher %s started; the overdue sweep runs %s",
            dispatcher.worker,
            "in the leading process" if service.leadership is not None else "here",
        )
    yield
    await service.stop()


async def _stop_sending(app: web.Application) -> None:
    if NOTIFY in app:
        app[NOTIFY].request_stop()
