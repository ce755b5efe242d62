"""``GET /metrics``: request counters and storage counts in the Prometheus text format."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field

from aiohttp import web

from bot.app_keys import STORE
from bot.web.errors import CLIENT_CLOSED_REQUEST, Handler, client_left


@dataclass
class RequestMetrics:
    """Requests served, by route and status, and their total duration."""

    counts: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    seconds: Counter[tuple[str, str]] = field(default_factory=Counter)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one finished request."""
        self.counts[(method, route, status)] += 1
        self.seconds[(method, route)] += seconds


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


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


async def get_metrics(request: web.Request) -> web.Response:
    """Prometheus text exposition of request counters and outbox/handoff/inbox/decision counts."""
    metrics = request.app[REQUEST_METRICS]
    lines = [
        "# HELP doorstep_http_requests_total HTTP requests served.",
        "# TYPE doorstep_http_requests_total counter",
    ]
    for (method, route, status), count in sorted(metrics.counts.items()):
        lines.append(
            f'doorstep_http_requests_total{{method="{method}",route="{_escape(route)}",status="{status}"}} {count}'
        )
    lines += [
        "# HELP doorstep_http_request_seconds_total Time spent serving requests.",
        "# TYPE doorstep_http_request_seconds_total counter",
    ]
    for (method, route), seconds in sorted(metrics.seconds.items()):
        lines.append(
            f'doorstep_http_request_seconds_total{{method="{method}",route="{_escape(route)}"}} {seconds:.6f}'
        )
    async with request.app[STORE].transaction() as repos:
        snapshot = await repos.stats.snapshot()
    for family, counts in snapshot.items():
        name = f"doorstep_{family}"
        lines += [f"# HELP {name} Stored {family} by state.", f"# TYPE {name} gauge"]
        lines += [f'{name}{{state="{_escape(label)}"}} {count}' for label, count in sorted(counts.items())]
    return web.Response(text="\n".join(lines) + "\n", content_type="text/plain", charset="utf-8")
