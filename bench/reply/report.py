"""Printing the reply benchmark's figures: latency lines, the main table, the profile."""

from __future__ import annotations

import cProfile
import io
import pstats
from collections import Counter
from collections.abc import Sequence

from bench.reply.baseline import Timings
from bench.reply.passes import PassResult

#: (path fragment, label) for grouping profile time by library / package; first match wins
AREAS: tuple[tuple[str, str], ...] = (
    ("sqlalchemy/sql/", "sqlalchemy.sql (statement building, cache keys, compiling)"),
    ("sqlalchemy/orm/", "sqlalchemy.orm (session, ORM execute, loading objects)"),
    ("sqlalchemy/engine/", "sqlalchemy.engine (execution context, results)"),
    ("sqlalchemy/", "sqlalchemy: other (util, async adaptation, pool, events)"),
    ("aiosqlite/", "aiosqlite (queueing calls to its thread)"),
    ("greenlet", "greenlet"),
    ("/asyncio/", "asyncio event loop"),
    ("selectors.py", "asyncio event loop"),
    ("select.epoll", "asyncio event loop"),
    ("_socket.socket", "asyncio event loop"),
    ("_queue.SimpleQueue", "aiosqlite (queueing calls to its thread)"),
    ("/bot/nlu/", "doorstep: bot.nlu"),
    ("/bot/engine/", "doorstep: bot.engine"),
    ("/handlers/", "doorstep: handlers"),
    ("/storage/", "doorstep: storage"),
    ("/knowledge/", "doorstep: knowledge"),
    ("/bench/", "this benchmark"),
)


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def latency_line(label: str, latencies: Sequence[float], wall: float | None = None) -> str:
    """``label  n msgs  msgs/s  p50 p90 p99 max`` (msgs/s over ``wall`` if given, else the summed latencies)."""
    ordered = sorted(latencies)
    total = wall if wall is not None else sum(latencies)
    ms = [1000 * percentile(ordered, f) for f in (0.5, 0.9, 0.99)] + [1000 * ordered[-1]]
    return (
        f"  {label:<34} {len(ordered):>6,} msgs {len(ordered) / total:>7,.0f} msgs/s  "
        f"p50 {ms[0]:6.2f}  p90 {ms[1]:6.2f}  p99 {ms[2]:6.2f}  max {ms[3]:7.2f} ms"
    )


def print_main(result: PassResult, core: Timings, raw: Timings) -> None:
    """The engine's figures, the baselines' and the ratio."""
    n = len(result.latencies)
    print("\nlatency per message, one message at a time:")
    print("  wall clock around the call (msgs/s = messages / pass duration; baselines: / summed latency)")
    print(latency_line("doorstep Engine.handle", result.latencies, result.wall))
    print(latency_line("baseline: SA Core, same engine", core.wall))
    print(latency_line("baseline: bare aiosqlite", raw.wall))
    print("  process CPU time per call, all threads (what one core can do, free of other processes' noise)")
    print(latency_line("doorstep Engine.handle", result.cpu))
    print(latency_line("baseline: SA Core, same engine", core.cpu))
    print(latency_line("baseline: bare aiosqlite", raw.cpu))
    wall_ratio = (n / result.wall) / (len(core.wall) / sum(core.wall))
    cpu_ratio = (n / sum(result.cpu)) / (len(core.cpu) / sum(core.cpu))
    print(
        f"  ratio doorstep / SA Core baseline, messages/s: {wall_ratio:.3f} wall, {cpu_ratio:.3f} CPU"
        "   (targets: p99 <= 10 ms, >= 1,000 msgs/s on one core)"
    )
    print(
        f"  CPU per message: {1000 * result.process_cpu / n:.3f} ms process = "
        f"{1000 * result.main_thread_cpu / n:.3f} ms event-loop thread + "
        f"{1000 * (result.process_cpu - result.main_thread_cpu) / n:.3f} ms other threads (aiosqlite worker)"
    )
    print(
        f"  replies per message: {result.replies / n:.2f}; order number + email/phone verifications that "
        f"went through: {result.verified}/{result.verifications}"
    )
    print("\nby scripted kind: wall clock, then process CPU time")
    for kind, values in sorted(result.by_kind.items(), key=lambda kv: -len(kv[1])):
        print(latency_line(f"{kind} (wall)", values))
        print(latency_line(f"{kind} (CPU)", result.cpu_by_kind[kind]))
    print("\nintents served: " + ", ".join(f"{k} {v}" for k, v in result.intents.most_common()))


def print_profile(profile: cProfile.Profile, top: int = 30) -> None:
    """Time by library/package, then the top functions by cumulative and by total time."""
    stats = pstats.Stats(profile)
    areas: Counter[str] = Counter()
    for (path, _line, name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        where = f"{path}:{name}"
        areas[
            next((label for fragment, label in AREAS if fragment in where), "other (builtins, stdlib)")
        ] += tottime
    total = sum(areas.values())
    print(f"\ncProfile: own time by area (event-loop thread CPU time, {total:.1f} s in all)")
    for label, seconds in areas.most_common():
        print(f"  {label:<62} {seconds:7.2f} s  {100 * seconds / total:5.1f} %")
    for order in ("cumulative", "tottime"):
        buffer = io.StringIO()
        pstats.Stats(profile, stream=buffer).strip_dirs().sort_stats(order).print_stats(top)
        text = buffer.getvalue()
        print(f"\ncProfile: top {top} by {order} time")
        print(text[text.find("   ncalls") :].rstrip())
