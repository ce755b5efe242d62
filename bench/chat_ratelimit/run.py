"""Benchmark: the chat rate limiter under a flood of distinct user ids.

50,000 distinct ids go through ``bot.channels.rest.ChatRateLimiter`` (each id twice: once as a
newcomer, once as a known user), and the same ids through a bare dict lookup with the same call
shape (a ``retry_after(user_id)`` method doing one ``dict.get`` and one store: the floor of any
per-user limiter in Python), in the same run. Printed: nanoseconds per check for both at 1,000,
10,000 and 50,000 ids (flat is the target), and the ratio bare / limiter (target >= 0.5).

For comparison, in the same run: the limiter this one replaced (a sliding window of timestamps
per user, which scanned the whole table for idle users on every new id past 10,000), on up to
12,000 ids; and, when the ``limits`` package is installed, its in-memory fixed and moving windows.
The limiter and the baseline take turns on chunks of 500 ids, timed in CPU time, and each chunk
counts with its best of ``--repeat`` runs: the machine is shared, and the best run is the one
least disturbed by other processes.

    .venv/bin/python -m bench.chat_ratelimit.run [--ids 50000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import gc
import time
from collections import deque
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Protocol

from bot.channels.rest import ChatRateLimiter
from bot.clock import SystemClock

PER_MINUTE = 30
TARGET_RATIO = 0.5
#: ids timed together; the limiter and the baseline take turns chunk by chunk
CHUNK = 500


class Checker(Protocol):
    """Anything asked once per message whether the user may send it."""

    def retry_after(self, user_id: str) -> float | None:
        """Seconds to wait, or None."""
        ...


class BareDict:
    """The baseline: one dict lookup and one store per check, no time, no limit, no bound."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def retry_after(self, user_id: str) -> float | None:
        """Count the message; never refuse."""
        seen = self._seen.get(user_id, 0)
        self._seen[user_id] = seen + 1
        return None


class ScanningLimiter:
    """The limiter as it was before: a deque of timestamps per user, and a full scan for idle
    users on every new id once 10,000 are tracked."""

    def __init__(self, per_minute: int) -> None:
        self._limit = per_minute
        self._hits: dict[str, deque[datetime]] = {}

    def retry_after(self, user_id: str) -> float | None:
        """Seconds to wait, or None (then counted)."""
        now = datetime.now(UTC)
        hits = self._hits.get(user_id)
        if hits is None:
            if len(self._hits) >= 10_000:
                idle = [u for u, h in self._hits.items() if not h or (now - h[-1]).total_seconds() >= 60]
                for user in idle:
                    del self._hits[user]
            hits = self._hits[user_id] = deque()
        while hits and (now - hits[0]).total_seconds() >= 60:
            hits.popleft()
        if len(hits) >= self._limit:
            return max(0.0, 60 - (now - hits[0]).total_seconds())
        hits.append(now)
        return None


def user_ids(count: int) -> list[str]:
    """``count`` distinct ids shaped like the web chat's (``web:`` + 22 URL-safe characters)."""
    return [f"web:{index:022x}" for index in range(count)]


def time_checks(make: Callable[[], Checker], ids: Sequence[str], repeat: int) -> tuple[float, float]:
    """Nanoseconds per check (CPU time of this thread): (ids seen for the first time, the same ids again)."""
    (new, known), _ = time_pair(make, None, ids, repeat)
    return new, known


def time_pair(
    make: Callable[[], Checker], make_other: Callable[[], Checker] | None, ids: Sequence[str], repeat: int
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Nanoseconds per check for two checkers, measured in turns on the same chunks of ids.

    Each chunk of :data:`CHUNK` ids goes through one checker and then the other, so a moment
    when the shared machine is busy hurts both alike; each chunk's figure is its best over
    ``repeat`` runs (fresh checkers each run), timed in CPU time of this thread.
    """
    chunks = [ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK)]
    makers = [make] if make_other is None else [make, make_other]
    # best[checker][phase][chunk]: phase 0 = first sight of each id, phase 1 = seen before
    best = [[[float("inf")] * len(chunks) for _ in range(2)] for _ in makers]
    for _ in range(repeat):
        checks = [maker().retry_after for maker in makers]
        gc.collect()
        for phase in range(2):
            for index, chunk in enumerate(chunks):
                for which, check in enumerate(checks):
                    started = time.thread_time_ns()
                    for user in chunk:
                        check(user)
                    spent = time.thread_time_ns() - started
                    if spent < best[which][phase][index]:
                        best[which][phase][index] = spent
    figures = [(sum(phases[0]) / len(ids), sum(phases[1]) / len(ids)) for phases in best]
    return figures[0], figures[-1]


def limits_peers() -> list[tuple[str, Callable[[], Checker]]]:
    """The ``limits`` package's in-memory strategies, when it is installed."""
    try:
        from limits import RateLimitItemPerMinute, storage, strategies
    except ImportError:
        return []
    item = RateLimitItemPerMinute(PER_MINUTE)

    def adapter(strategy: type) -> Callable[[], Checker]:
        class Limits:
            def __init__(self) -> None:
                self._limiter = strategy(storage.MemoryStorage())

            def retry_after(self, user_id: str) -> float | None:
                return None if self._limiter.hit(item, user_id) else 1.0

        return Limits

    return [
        ("limits FixedWindow (memory)", adapter(strategies.FixedWindowRateLimiter)),
        ("limits MovingWindow (memory)", adapter(strategies.MovingWindowRateLimiter)),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ids", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    sizes = sorted({size for size in (1_000, 10_000, args.ids) if size <= args.ids})
    clock = SystemClock()

    print(f"chat rate limiter, {PER_MINUTE}/min per user; ns per check (CPU), best of {args.repeat} per chunk")
    print(f"  {'ids':>7}  {'limiter new':>11}  {'known':>7}  {'bare new':>9}  {'known':>7}  {'ratio':>6}")
    ratios: list[float] = []
    per_check: list[float] = []
    bare_per_check: list[float] = []
    for size in sizes:
        ids = user_ids(size)
        (new, known), (bare_new, bare_known) = time_pair(
            lambda: ChatRateLimiter(PER_MINUTE, clock), BareDict, ids, args.repeat
        )
        ratio = (bare_new + bare_known) / (new + known)
        ratios.append(ratio)
        per_check.append((new + known) / 2)
        bare_per_check.append((bare_new + bare_known) / 2)
        print(f"  {size:>7,}  {new:>11.0f}  {known:>7.0f}  {bare_new:>9.0f}  {bare_known:>7.0f}  {ratio:>6.2f}")
    flat = max(per_check) / min(per_check)
    bare_flat = max(bare_per_check) / min(bare_per_check)
    ratio = ratios[-1]
    print(
        f"ratio at {sizes[-1]:,} ids (bare / limiter): {ratio:.2f} (target >= {TARGET_RATIO}); "
        f"largest / smallest time per check: limiter {flat:.2f}, bare dict {bare_flat:.2f} (flat is 1; "
        "what both share is the cost of a larger table in the CPU caches)"
    )

    print("the limiter it replaced (sliding window, scan past 10,000 ids), ns per check:")
    for size in (1_000, 10_000, 12_000):
        new, known = time_checks(lambda: ScanningLimiter(PER_MINUTE), user_ids(size), 1)
        print(f"  {size:>7,}  new {new:>9.0f}  known {known:>7.0f}")
    peers = limits_peers()
    if peers:
        print("the limits package, 10,000 ids, ns per check:")
        for label, make in peers:
            new, known = time_checks(make, user_ids(10_000), 1)
            print(f"  {label:<30} new {new:>9.0f}  known {known:>7.0f}")
    else:
        print("(the limits package is not installed: its in-memory strategies were not measured)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
