"""``GET /metrics``: Prometheus metrics through ``prometheus_client``, on a registry of the app's own.

- ``doorstep_http_requests_total{method,route,status}`` and the histogram
  ``doorstep_http_request_duration_seconds{method,route}``: counted in process by the middleware;
- read from the database at scrape time (the same numbers from every process):
  ``doorstep_conversations_total{outcome}`` (conversations whose outcome is settled: started at least
  four days ago, past the 72-hour return window; see docs/REPORT.md), ``doorstep_handoffs_created_total``,
  ``doorstep_messages_sent_total{kind}``, ``doorstep_messages_suppressed_total{kind,reason}``,
  ``doorstep_messages_failed_total{kind,reason}``, ``doorstep_webhook_events_total{source,result}``,
  and the gauges of stored rows by state (``doorstep_orders``, ``doorstep_outbox``, ``doorstep_handoffs``,
  ``doorstep_inbox``, ``doorstep_decisions``).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter as Tally
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from bot.app_keys import CLOCK, STORE
from bot.report.kinds import PROACTIVE_KINDS
from bot.report.summary import OUTCOMES
from bot.web.errors import CLIENT_CLOSED_REQUEST, Handler, client_left
from storage.repositories.reports import RETURN_HOURS, DecisionGroup
from storage.store import Store

#: conversations of days at least this far back have a settled outcome (the 72-hour window is over)
SETTLED_AFTER = timedelta(days=RETURN_HOURS // 24 + 1)
#: the first day counted (the report's table starts empty; nothing is older)
EPOCH = date(2000, 1, 1)


@dataclass(slots=True)
class StoredCounts:
    """What the database said at the last scrape (filled by :func:`get_metrics`, read by the collector)."""

    states: dict[str, dict[str, int]] = field(default_factory=dict)
    outcomes: Tally[str] = field(default_factory=Tally)
    handoffs_created: int = 0
    messages: list[DecisionGroup] = field(default_factory=list)
    webhook_events: list[tuple[str, str, int]] = field(default_factory=list)


class _StoredCollector:
    """A custom collector: yields :class:`StoredCounts` as metric families."""

    def __init__(self, counts: StoredCounts) -> None:
        self._counts = counts

    def collect(self) -> Iterator[Metric]:
        counts = self._counts
        for family, by_state in sorted(counts.states.items()):
            gauge = GaugeMetricFamily(f"doorstep_{family}", f"Stored {family} by state.", labels=["state"])
            for state, count in sorted(by_state.items()):
                gauge.add_metric([state], count)
            yield gauge
        outcomes = CounterMetricFamily(
            "doorstep_conversations",
            "Conversations (a thread's day of activity) by settled outcome.",
            labels=["outcome"],
        )
        for outcome in OUTCOMES:
            outcomes.add_metric([outcome], counts.outcomes[outcome])
        yield outcomes
        yield CounterMetricFamily(
            "doorstep_handoffs_created", "Handoffs to staff ever opened.", value=counts.handoffs_created
        )
        sent = CounterMetricFamily("doorstep_messages_sent", "Proactive messages sent.", labels=["kind"])
        suppressed = CounterMetricFamily(
            "doorstep_messages_suppressed", "Proactive messages suppressed.", labels=["kind", "reason"]
        )
        failed = CounterMetricFamily(
            "doorstep_messages_failed", "Proactive messages that failed.", labels=["kind", "reason"]
        )
        for group in sorted(counts.messages, key=lambda g: (g.decision, g.kind, g.reason or "")):
            if group.decision == "sent":
                sent.add_metric([group.kind], group.count)
            elif group.decision == "suppressed":
                suppressed.add_metric([group.kind, group.reason or "unknown"], group.count)
            elif group.decision == "failed":
                failed.add_metric([group.kind, group.reason or "unknown"], group.count)
        yield from (sent, suppressed, failed)
        events = CounterMetricFamily(
            "doorstep_webhook_events", "Provider and API events received.", labels=["source", "result"]
        )
        for source, result, count in sorted(counts.webhook_events):
            events.add_metric([source, result], count)
        yield events


class RequestMetrics:
    """The app's Prometheus registry (never the process-wide default one) and its metrics."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._requests = Counter(
            "doorstep_http_requests",
            "HTTP requests served.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self._duration = Histogram(
            "doorstep_http_request_duration_seconds",
            "Time spent serving requests.",
            ["method", "route"],
            registry=self.registry,
        )
        #: the series of each (method, route, status) seen, as ``labels()`` answers them (routes
        #: are the app's canonical paths or "unmatched", so this stays small)
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        self.stored = StoredCounts()
        self.registry.register(_StoredCollector(self.stored))
        #: settled conversation outcomes are counted once: the days counted so far end here
        self._settled_through: date | None = None
        self._settled: Tally[str] = Tally()

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one finished request."""
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:  # first request of its kind: look its series up once
            children = (
                self._requests.labels(method, route, str(status)),
                self._duration.labels(method, route),
            )
            self._children[key] = children
        count, duration = children
        count.inc()
        duration.observe(seconds)

    @property
    def counts(self) -> dict[tuple[str, str, int], float]:
        """Requests served so far by (method, route, status)."""
        found: dict[tuple[str, str, int], float] = {}
        for metric in self._requests.collect():
            for sample in metric.samples:
                if sample.name.endswith("_total"):
                    labels = sample.labels
                    found[(labels["method"], labels["route"], int(labels["status"]))] = sample.value
        return found

    async def refresh(self, store: Store, today: date) -> None:
        """Read the database's counts for the next scrape (settled outcomes: only days not yet counted)."""
        settle_through = today - SETTLED_AFTER
        async with store.transaction() as repos:
            states = await repos.stats.snapshot()
            if self._settled_through is None or settle_through > self._settled_through:
                since = EPOCH if self._settled_through is None else self._settled_through + timedelta(days=1)
                for group in await repos.reports.outcomes(since=since, until=settle_through):
                    self._settled.update(group.counts)
                self._settled_through = settle_through
            handoffs = await repos.reports.handoffs_created()
            messages = await repos.reports.message_totals(kinds=PROACTIVE_KINDS)
            events = await repos.reports.webhook_events()
        self.stored.states = states
        self.stored.outcomes = Tally(self._settled)
        self.stored.handoffs_created = handoffs
        self.stored.messages = messages
        self.stored.webhook_events = events


REQUEST_METRICS: web.AppKey[RequestMetrics] = web.AppKey("request_metrics", RequestMetrics)


def _route_of(request: web.Request) -> str:
    info = request.match_info
    resource = info.route.resource if info.route is not None else None
    return resource.canonical if resource is not None else "unmatched"


@web.middleware
async def metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Time and count every request (status 500 when the handler raised; 499 when it was cancelled
    because the client left, 503 when cancelled by a shutdown)."""
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    except asyncio.CancelledError:
        status = CLIENT_CLOSED_REQUEST if client_left(request) else 503
        raise
    finally:
        request.app[REQUEST_METRICS].observe(
            request.method, _route_of(request), status, time.perf_counter() - started
        )


async def get_metrics(request: web.Request) -> web.Response:
    """The Prometheus exposition of the app's registry, with the database's counts read now."""
    metrics = request.app[REQUEST_METRICS]
    await metrics.refresh(request.app[STORE], request.app[CLOCK].now().astimezone(UTC).date())
    return web.Response(body=generate_latest(metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST})
