"""Benchmark: doorstep as 1, 2 and 4 worker processes on PostgreSQL, and three dispatchers.

A throwaway PostgreSQL cluster (``tests.loopback.TempPostgres``, durable commits as shipped) holds 20,000
generated orders (``bench.import_orders``). For each worker count, ``doorstep serve --workers N``
(the supervisor and its N processes on one port with SO_REUSEPORT) is driven over HTTP by this
process with 32 concurrent clients:

- chat: scripted shoppers (``bench.reply.script``: tracking with verification, follow-ups,
  return policy, setup help, small talk...) through ``POST /api/chat``, each shopper's messages
  in order; turns/s and the p50/p99 latency of a turn;
- events: carrier scans (``shipment.updated``, one event per request) through
  ``POST /api/events``; events/s and p99.

The ratio of each figure to the 1-worker run is printed next to it (target: 2 workers >= 1.5x).

Dispatch: ``doorstep serve --workers 3`` against FakeTelegram in its own process, enforcing
Telegram's limits scaled x10 (300 messages/s overall, 10/s per chat, 429 beyond), with the same
limits configured; 3,000 shipped notices to 1,000 verified chats are made due at once. Printed:
achieved / allowed rate (target >= 0.9), duplicates (0), 429s after the first (0), the busiest
second, and which processes sent.

    .venv/bin/python -m bench.scale.run [--workers 1 2 4] [--turns 1500] [--events 3000]
                                        [--messages 3000] [--skip-dispatch]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bench.import_orders.run import generate_lines
from bench.reply.script import FIRST_ORDER, Step, build_script
from bot.notify.ratelimit import SHARED_HEADROOM
from tests.burst import busiest_second, make_due, queue_shipped, verify_chats
from tests.fakes.serve import sent_messages, start_telegram
from tests.loopback import TempPostgres, free_port, healthy

REPO = Path(__file__).resolve().parents[2]
TOKEN = "bench-scale-token-0123456789"
TELEGRAM_TOKEN = "123456:BENCH-SCALE"
ORDERS = 20_000
CLIENTS = 32
GLOBAL_RATE = 300.0
CHAT_RATE = 10.0
#: the Telegram chat of the first customer of the dispatch run
FIRST_CHAT = 800_000


def _base_env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOORSTEP_")}
    env.update(
        {
            "PYTHONPATH": str(REPO),
            "DOORSTEP_DATABASE_URL": url,
            "DOORSTEP_API_TOKEN": TOKEN,
            "DOORSTEP_LOG_LEVEL": "WARNING",
            "DOORSTEP_CHAT_RATE_LIMIT_PER_MINUTE": "100000",
        }
    )
    return env


class Served:
    """``doorstep serve --workers N`` in a subprocess, stopped with SIGTERM."""

    def __init__(self, env: dict[str, str], workers: int, log: Path) -> None:
        self.port = free_port()
        self.log = log
        with log.open("wb") as sink:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "serve", "--workers", str(workers)],
                env={**env, "DOORSTEP_PORT": str(self.port)},
                cwd=REPO,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, workers: int, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        ready = 0
        while ready < workers * 3:  # several answers in a row: every worker is likely up
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {self.log.read_text()[-2000:]}")
            ready = ready + 1 if healthy(self.port) else 0
            time.sleep(0.3)
        time.sleep(2.0)  # the last workers finish loading

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _ticks(pid: int) -> int:
    """User + system CPU clock ticks of one process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return found


class CpuMeter:
    """CPU seconds spent by the doorstep workers, the PostgreSQL server and this (client) process
    between :meth:`start` and :meth:`stop`, read from /proc (Linux)."""

    def __init__(self, supervisor: int, postmaster: int) -> None:
        self._supervisor = supervisor
        self._postmaster = postmaster
        self._tick = os.sysconf("SC_CLK_TCK")

    def _sample(self) -> dict[str, float]:
        # with one worker the server is the process itself; with more, its children (the
        # supervisor only sleeps)
        workers = sum(_ticks(p) for p in [self._supervisor, *_children(self._supervisor)]) / self._tick
        database = sum(_ticks(p) for p in [self._postmaster, *_children(self._postmaster)]) / self._tick
        client = sum(os.times()[:2])
        return {"workers": workers, "postgres": database, "client": client}

    def start(self) -> None:
        self._before = self._sample()
        self._started = time.perf_counter()

    def stop(self) -> dict[str, float]:
        after = self._sample()
        used = {k: after[k] - self._before[k] for k in after}
        used["wall"] = time.perf_counter() - self._started
        return used


def _cpu_line(used: dict[str, float], count: int) -> str:
    busy = (used["workers"] + used["postgres"] + used["client"]) / used["wall"]
    return (
        f"CPU per request: workers {used['workers'] / count * 1000:.1f} ms, postgres {used['postgres'] / count * 1000:.1f} ms, "
        f"client {used['client'] / count * 1000:.1f} ms; together {busy:.2f} of {os.cpu_count()} cores busy"
    )


@dataclass
class Load:
    """What one load phase measured."""

    count: int
    seconds: float
    latencies: list[float]
    errors: Counter[str]

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


async def _drive(lanes: Sequence[Sequence[Callable[[aiohttp.ClientSession], Awaitable[int]]]]) -> Load:
    """Run each lane's requests in order, the lanes concurrently; time every request."""
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as http:

        async def lane(calls: Sequence[Callable[[aiohttp.ClientSession], Awaitable[int]]]) -> None:
            for call in calls:
                started = time.perf_counter()
                try:
                    status = await call(http)
                except (aiohttp.ClientError, TimeoutError) as exc:
                    errors[type(exc).__name__] += 1
                    continue
                latencies.append(time.perf_counter() - started)
                if status >= 400:
                    errors[str(status)] += 1

        start = time.perf_counter()
        await asyncio.gather(*(lane(calls) for calls in lanes))
        seconds = time.perf_counter() - start
    return Load(sum(len(calls) for calls in lanes), seconds, latencies, errors)


def _chat_lanes(
    port: int, steps: list[Step]
) -> list[list[Callable[[aiohttp.ClientSession], Awaitable[int]]]]:
    """Shoppers spread over the clients; one shopper's messages stay in order on one client."""
    lanes: list[list[Callable[[aiohttp.ClientSession], Awaitable[int]]]] = [[] for _ in range(CLIENTS)]
    owner: dict[str, int] = {}
    url = f"http://127.0.0.1:{port}/api/chat"
    for step in steps:
        lane = owner.setdefault(step.shopper, len(owner) % CLIENTS)
        body: dict[str, Any] = {"user_id": f"web:{step.shopper}"}
        if step.payload is not None:
            body["payload"] = step.payload
        else:
            body["text"] = step.text

        async def call(http: aiohttp.ClientSession, body: dict[str, Any] = body) -> int:
            async with http.post(url, json=body) as answer:
                await answer.read()
                return answer.status

        lanes[lane].append(call)
    return lanes


def _event_lanes(
    port: int, count: int, offset: int
) -> list[list[Callable[[aiohttp.ClientSession], Awaitable[int]]]]:
    """``count`` carrier scans of generated parcels (one per request), spread over the clients."""
    lanes: list[list[Callable[[aiohttp.ClientSession], Awaitable[int]]]] = [[] for _ in range(CLIENTS)]
    url = f"http://127.0.0.1:{port}/api/events"
    headers = {"Authorization": f"Bearer {TOKEN}"}
    base = datetime.now(UTC) - timedelta(hours=2)
    statuses = ("in_transit", "out_for_delivery", "in_transit", "delayed")
    for k in range(count):
        n = (offset + k * 7919) % ORDERS  # spread over the orders
        event = {
            "event_id": f"scale-{offset}-{k}",
            "source": "api",
            "occurred_at": (base + timedelta(seconds=k)).isoformat(),
            "type": "shipment.updated",
            "order_number": str(FIRST_ORDER + n),
            "tracking_number": f"1Z{n:010d}00",
            "status": statuses[k % len(statuses)],
            "location": "Memphis, TN",
        }

        async def call(http: aiohttp.ClientSession, event: dict[str, Any] = event) -> int:
            async with http.post(url, json=event, headers=headers) as answer:
                await answer.read()
                return answer.status

        lanes[k % CLIENTS].append(call)
    return lanes


def _import_orders(pg: TempPostgres, name: str) -> str:
    url = pg.create_database(name)
    lines = Path(tempfile.gettempdir()) / f"doorstep-bench-scale-orders-{ORDERS}.jsonl"
    if not lines.exists():
        lines.write_text(
            "".join(line if line.endswith("\n") else line + "\n" for line in generate_lines(ORDERS))
        )
    subprocess.run(
        [sys.executable, "-m", "bot.cli", "import", "orders", str(lines), "--quiet"],
        env=_base_env(url),
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    return url


def scale(pg: TempPostgres, workers_list: Sequence[int], turns: int, events: int, logs: Path) -> None:
    """The chat and event figures for each worker count."""
    results: dict[int, tuple[Load, Load]] = {}
    for workers in workers_list:
        url = _import_orders(pg, f"scale_{workers}")
        served = Served(_base_env(url), workers, logs / f"serve-{workers}.log")
        meter = CpuMeter(served.process.pid, pg.postmaster_pid())
        try:
            served.wait_ready(workers)
            steps = build_script(turns, max(1, turns // 6), seed=workers, customers=ORDERS // 2)
            asyncio.run(_drive(_chat_lanes(served.port, steps[: CLIENTS * 2])))  # warm-up
            script = build_script(
                turns, turns // 6, seed=99 + workers, prefix=f"w{workers}", customers=ORDERS // 2
            )
            meter.start()
            chat = asyncio.run(_drive(_chat_lanes(served.port, script)))
            chat_cpu = meter.stop()
            asyncio.run(_drive(_event_lanes(served.port, CLIENTS * 2, offset=7)))  # warm-up
            meter.start()
            scans = asyncio.run(_drive(_event_lanes(served.port, events, offset=1000 + workers)))
            scan_cpu = meter.stop()
        finally:
            served.stop()
        results[workers] = (chat, scans)
        print(
            f"{workers} worker(s): chat {chat.rate:7.1f} turns/s  p50 {chat.pct(0.5):6.1f} ms  p99 {chat.pct(0.99):7.1f} ms"
            f"  | events {scans.rate:7.1f}/s  p99 {scans.pct(0.99):7.1f} ms"
            f"  | errors {dict(chat.errors + scans.errors) or 0}",
            flush=True,
        )
        print(f"    chat   {_cpu_line(chat_cpu, chat.count)}")
        print(f"    events {_cpu_line(scan_cpu, scans.count)}", flush=True)
    one = results.get(min(results))
    if one is None:
        return
    for workers, (chat, scans) in sorted(results.items()):
        print(
            f"  {workers} worker(s) / {min(results)}: chat x{chat.rate / one[0].rate:.2f}, events x{scans.rate / one[1].rate:.2f}"
            + ("  (target for 2 workers: >= 1.5)" if workers == 2 else "")
        )


# ---------------------------------------------------------------- dispatch with three processes
async def _seed_dispatch(url: str, messages: int, chats: int) -> None:
    """``chats`` customers with a verified Telegram chat, one order each message, one queued
    ``shipped`` notice per order due next year (made due at once later)."""
    from storage.schemas import OrderIn
    from storage.store import Store

    now = datetime.now(UTC)
    later = now + timedelta(days=365)
    async with Store(url) as store:
        async with store.transaction() as repos:
            await repos.orders.upsert_many(
                [
                    OrderIn.model_validate(
                        {
                            "order_number": str(600_000 + n),
                            "placed_at": (now - timedelta(hours=3)).isoformat(),
                            "status": "open",
                            "customer": {
                                "email": f"d{n % chats}@example.com",
                                "name": "Shopper",
                                "timezone": "UTC",
                            },
                            "items": [
                                {"sku": "KT-200", "name": "Kettle Pro 200", "category": "kitchen-appliance"}
                            ],
                            "shipments": [
                                {
                                    "carrier": "UPS",
                                    "tracking_number": f"1ZSCALE{n:08d}",
                                    "status": "in_transit",
                                    "shipped_at": (now - timedelta(hours=1)).isoformat(),
                                    "skus": ["KT-200"],
                                }
                            ],
                        }
                    )
                    for n in range(messages)
                ]
            )
        async with store.engine.connect() as conn:
            customers = dict((await conn.exec_driver_sql("SELECT email, id FROM customers")).all())
        await verify_chats(store, customers, prefix="d", first_chat=FIRST_CHAT, chats=chats, now=now)
        await queue_shipped(store, prefix="d", first_chat=FIRST_CHAT, scheduled_at=later, created_at=now)


async def _outbox(url: str) -> tuple[dict[str, int], dict[str, int]]:
    from storage.store import Store

    async with Store(url) as store, store.engine.connect() as conn:
        statuses = dict((await conn.exec_driver_sql("SELECT status, count(*) FROM outbox GROUP BY 1")).all())
        workers = dict(
            (
                await conn.exec_driver_sql(
                    "SELECT claimed_by, count(*) FROM outbox WHERE status='sent' GROUP BY 1"
                )
            ).all()
        )
    return statuses, workers


def dispatch(pg: TempPostgres, messages: int, chats: int, logs: Path) -> None:
    """Three processes drain ``messages`` notices through FakeTelegram; print the figures."""
    from storage.migrate import upgrade

    url = pg.create_database("dispatch")
    asyncio.run(upgrade(url))
    asyncio.run(_seed_dispatch(url, messages, chats))
    fake, base_url = start_telegram(
        TELEGRAM_TOKEN, rate_limit_global=GLOBAL_RATE, rate_limit_per_chat=CHAT_RATE
    )
    env = _base_env(url)
    env.update(
        {
            "DOORSTEP_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
            "DOORSTEP_TELEGRAM_API_BASE_URL": base_url,
            "DOORSTEP_TELEGRAM_SEND_RATE": str(GLOBAL_RATE),
            "DOORSTEP_TELEGRAM_SEND_RATE_PER_CHAT": str(CHAT_RATE),
            "DOORSTEP_QUIET_HOURS_START": "00:00",
            "DOORSTEP_QUIET_HOURS_END": "00:00",
            "DOORSTEP_DISPATCHER_POLL_SECONDS": "0.2",
            "DOORSTEP_DISPATCHER_BATCH_SIZE": "128",
        }
    )
    served = Served(env, 3, logs / "dispatch.log")
    try:
        served.wait_ready(3)
        asyncio.run(make_due(url))
        deadline = time.monotonic() + 120
        while True:
            statuses, workers = asyncio.run(_outbox(url))
            if statuses.get("sent", 0) + statuses.get("failed", 0) >= messages or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        time.sleep(1.0)
        calls = [
            c for c in sent_messages(base_url) if str(c["params"].get("text", "")).startswith("Good news")
        ]
    finally:
        served.stop()
        fake.terminate()
        fake.wait(timeout=10)
    ok = [c["at"] for c in calls if c["status"] == 200]
    delivered = Counter(c["params"]["text"] for c in calls if c["status"] == 200)
    throttled = sum(1 for c in calls if c["status"] == 429)
    duplicates = sum(n - 1 for n in delivered.values() if n > 1)
    seconds = max(ok) - min(ok) if ok else float("nan")
    achieved = len(ok) / seconds if ok else 0.0
    print(
        f"dispatch, 3 processes:    {messages:,} notices to {chats:,} chats (fake limits {GLOBAL_RATE:.0f}/s, {CHAT_RATE:.0f}/s per chat)"
    )
    print(f"  first to last send:     {seconds:6.2f} s  {achieved:7.1f} messages/s")
    print(
        f"  achieved / allowed:     {achieved / GLOBAL_RATE:.3f}"
        f"  (target >= 0.9; the shared pacers keep {SHARED_HEADROOM:.1%} headroom)"
    )
    print(f"  busiest second:         {busiest_second(ok)}  (limit {GLOBAL_RATE:.0f})")
    if ok:
        start = min(ok)
        per_second = Counter(int(at - start) for at in ok)
        shape = " ".join(str(per_second.get(second, 0)) for second in range(max(per_second) + 1))
        print(f"  sends per second:       {shape}")
    print(f"  429s:                   {throttled} ({max(0, throttled - 1)} after the first; target 0)")
    print(f"  duplicates:             {duplicates}  (target 0); lost: {messages - len(delivered)}")
    print(f"  outbox: {json.dumps(statuses, sort_keys=True)}; sent per process: {sorted(workers.values())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--turns", type=int, default=1500)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--skip-dispatch", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    args = parser.parse_args()
    load = os.getloadavg()
    print(
        f"machine: {os.cpu_count()} cores, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} at the start",
        flush=True,
    )
    logs = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-scale-{os.getpid()}"
    logs.mkdir(parents=True, exist_ok=True)
    # durable commits stay on (fsync and synchronous_commit as PostgreSQL ships them), so the
    # figures are those of a real server on this machine's disk
    settings = {"max_connections": "300", "shared_buffers": "256MB"}
    with TempPostgres(settings=settings, prefix="doorstep-bench-pg-") as pg:
        if not args.skip_scale:
            scale(pg, args.workers, args.turns, args.events, logs)
        if not args.skip_dispatch:
            dispatch(pg, args.messages, args.chats, logs)
    load = os.getloadavg()
    print(f"machine: load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} at the end; logs in {logs}")


if __name__ == "__main__":
    main()
