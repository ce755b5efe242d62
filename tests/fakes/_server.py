"""Shared plumbing for the fake API servers: the HTTP lifecycle, call records, failure plans, rate limits."""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import web

from tests.fakes.errors import FakeServerError

MAX_BODY_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Call:
    """One request a fake server answered.

    `params` are the decoded request parameters, `at` is `time.monotonic()` when the request
    arrived, `status` the HTTP status answered (0 when the request was left hanging to force a
    client timeout) and `error` the error text answered, if any.
    """

    method: str
    params: dict[str, Any]
    at: float
    status: int
    error: str | None = None


@dataclass
class PlannedFailure:
    """A failure queued by `fail_next`: the next `count` calls of a method get this answer."""

    status: int
    count: int
    retry_after: float | None = None
    description: str | None = None
    timeout: bool = False


class FailurePlans:
    """Per-method queues of planned failures."""

    def __init__(self) -> None:
        self._plans: dict[str, deque[PlannedFailure]] = {}

    def add(self, method: str, failure: PlannedFailure) -> None:
        """Queue `failure` for the next calls of `method`."""
        if failure.count < 1:
            raise FakeServerError(f"fail_next count must be >= 1, got {failure.count}")
        self._plans.setdefault(method, deque()).append(failure)

    def take(self, method: str) -> PlannedFailure | None:
        """Consume one planned failure for `method`, if any is queued."""
        plans = self._plans.get(method)
        if not plans:
            return None
        failure = plans[0]
        failure.count -= 1
        if failure.count <= 0:
            plans.popleft()
        return failure

    def clear(self) -> None:
        """Drop every planned failure."""
        self._plans.clear()


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class TokenBucketLimiter:
    """Token buckets keyed by an arbitrary key (a chat, a channel, or one global key).

    `rate` tokens per second refill each bucket up to `capacity` (at least 1).
    """

    rate: float
    capacity: float
    _buckets: dict[Any, _Bucket] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.rate <= 0:
            raise FakeServerError(f"rate limit must be > 0 per second, got {self.rate}")
        self.capacity = max(1.0, self.capacity)

    def wait_needed(self, key: Any, now: float) -> float:
        """Seconds until `key` has a whole token (0.0 if one is available now)."""
        bucket = self._refill(key, now)
        if bucket.tokens >= 1.0:
            return 0.0
        return (1.0 - bucket.tokens) / self.rate

    def consume(self, key: Any, now: float) -> None:
        """Take one token from `key`'s bucket (callers check `wait_needed` first)."""
        self._refill(key, now).tokens -= 1.0

    def _refill(self, key: Any, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(tokens=self.capacity, updated=now)
            self._buckets[key] = bucket
        elapsed = now - bucket.updated
        if elapsed > 0:
            bucket.tokens = min(self.capacity, bucket.tokens + elapsed * self.rate)
            bucket.updated = now
        return bucket


def make_limiter(rate: float | None, burst_seconds: float) -> TokenBucketLimiter | None:
    """A limiter allowing `rate` per second with bursts of `rate * burst_seconds`; None when `rate` is None."""
    if rate is None:
        return None
    return TokenBucketLimiter(rate=rate, capacity=rate * burst_seconds)


def retry_after_value(wait: float, *, fractional: bool) -> float | int:
    """Turn a wait in seconds into the retry_after a server announces (integer >= 1 unless fractional)."""
    if fractional:
        return max(0.001, round(wait, 3))
    return max(1, math.ceil(wait))


class FakeHttpServer:
    """An aiohttp application served on 127.0.0.1 on a free port, usable with `async with`."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host = host
        self._requested_port = port
        self._port: int | None = None
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()

    calls: list[Call]
    throttled_count: int

    def _build_app(self) -> web.Application:
        raise NotImplementedError

    def _add_control_routes(self, app: web.Application) -> None:
        """`GET /_fake/stats` and `GET /_fake/calls`: inspection for a fake running in another process."""
        app.router.add_get("/_fake/stats", self._handle_stats)
        app.router.add_get("/_fake/calls", self._handle_calls)

    async def _handle_stats(self, request: web.Request) -> web.Response:
        by_method: dict[str, dict[str, int]] = {}
        for call in self.calls:
            statuses = by_method.setdefault(call.method, {})
            statuses[str(call.status)] = statuses.get(str(call.status), 0) + 1
        return web.json_response(
            {"calls": len(self.calls), "throttled": self.throttled_count, "by_method": by_method}
        )

    async def _handle_calls(self, request: web.Request) -> web.Response:
        method = request.query.get("method")
        return web.json_response(
            [
                {
                    "method": call.method,
                    "params": call.params,
                    "at": call.at,
                    "status": call.status,
                    "error": call.error,
                }
                for call in self.calls
                if method is None or call.method == method
            ],
            dumps=lambda value: json.dumps(value, default=repr),
        )

    async def _on_start(self) -> None:
        """Hook for subclasses: called once the server listens."""

    async def _on_stop(self) -> None:
        """Hook for subclasses: called before the server stops listening."""

    async def start(self) -> None:
        """Start listening. Raises FakeServerError if already started."""
        if self._runner is not None:
            raise FakeServerError(f"{type(self).__name__} is already started")
        self._stopping = asyncio.Event()
        runner = web.AppRunner(self._build_app(), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._requested_port)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        await self._on_start()

    async def stop(self) -> None:
        """Stop listening and wake any request the fake is holding open. Safe to call twice."""
        if self._runner is None:
            return
        self._stopping.set()
        await self._on_stop()
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        if self._port is None or self._runner is None:
            raise FakeServerError(f"{type(self).__name__} is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>` with no trailing slash."""
        return f"http://{self._host}:{self.port}"

    async def _hang(self, seconds: float) -> None:
        """Hold a request open for `seconds`, or until the server stops."""
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
        except TimeoutError:
            pass

    @staticmethod
    def _now() -> float:
        return time.monotonic()
