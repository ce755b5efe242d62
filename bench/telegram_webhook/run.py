"""Benchmark: doorstep's Telegram webhook under 50 concurrent shoppers, against a bare aiohttp handler.

Three processes on loopback: the fake Bot API (``tests.fakes.serve telegram``, no rate limits: a
local Bot API server), the server under test, and this client. The server under test is first
doorstep itself (``build_app`` with every default feature, SQLite, seeded orders, Telegram in
webhook mode, replies sent to the fake), then a bare aiohttp handler that only parses the same JSON.

Load model. Each of ``--shoppers`` simulated shoppers owns a chat and POSTs one update at a time to
``/telegram/webhook`` (with the secret header), waiting for the 200 before its next one, like
Telegram's own webhook delivery. doorstep acknowledges an update only after its replies were
accepted by the Bot API, so a POST's latency is the whole "message in -> reply delivered" time.
Shoppers alternate "where is my order?" (answered with the order's tracking: they were verified by
a deep link during warm-up) and "hi" (the menu); every ``--redeliver-every``-th POST repeats the
previous update (same update_id), as Telegram does after a timeout, and must get no second reply.

- capacity phase (``--seconds``): no think time, every shopper sends again as soon as answered:
  updates/s at saturation, compared with the bare handler under the same client and load (ratio);
- latency phase (``--seconds``): the same shoppers think ``--think-seconds`` on average
  (exponential) between a reply and their next message, as people do: latency under load.

Two more servers run the capacity phase under the same client, to show where the time goes:
``libraries`` (doorstep's adapter reads the update and PTB sends one reply; no database, no engine)
and ``floor`` (that plus the SQL statements of doorstep's turns, on the database doorstep's run
left, with ``sqlite3`` directly and a commit per update: the least any design keeping doorstep's
rows could cost before its own Python).

Afterwards the fake's recorded sendMessage calls are checked chat by chat against what each
shopper should have received, in order: lost, duplicated and out-of-order replies are counted,
and each update is matched with its reply to measure update -> reply-recorded-at-the-Bot-API.

Targets: ratio >= 0.15, p99 <= 50 ms (latency phase), zero lost or duplicated replies.

    .venv/bin/python -m bench.telegram_webhook.run [--shoppers 50] [--seconds 20] [--think-seconds 1]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bench.telegram_webhook.server import LINK_SECRET, WEBHOOK_SECRET
from bot.channels.telegram.webhook import SECRET_HEADER, WEBHOOK_PATH
from bot.channels.telegram.wording import OFFER_TEXT
from bot.imports.orders import import_orders
from bot.links import sign_link
from storage.migrate import upgrade
from storage.store import Store
from tests.builders import order_line
from tests.fakes.telegram_updates import make_text_update

TOKEN = "424242:BENCH-TOKEN"
FIRST_CHAT = 910_000
SCRIPT = (("where is my order?", "status"), ("hi", "menu"))
WARMUP_ROUNDS = 2
CAPACITY = "capacity"
LATENCY = "latency"


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def kind_of(text: str) -> str:
    """Which answer a reply is."""
    if "Kettle Pro 200 (order #" in text:
        return "status"
    if "Hi Ann!" in text:
        return "menu"
    if "Ann, you're all set" in text:
        return "link_ok"
    if text == OFFER_TEXT:
        return "offer"
    return f"other: {text[:60]}"


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile (0..1) of ``values``, nearest rank."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


class Process:
    """A child process that prints a line starting with READY once it serves."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, *args],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )

    def ready_line(self, timeout: float = 120.0) -> str:
        """Wait for the READY line."""
        deadline = time.monotonic() + timeout
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"{self.proc.args} exited with {self.proc.wait()}")
            if line.startswith("READY"):
                return line.strip()
        raise RuntimeError(f"{self.proc.args} did not become ready")

    def stop(self) -> str:
        """SIGTERM, then wait; answers what it printed after READY."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.stdout.read() if self.proc.stdout is not None else ""


def cpu_seconds(output: str) -> float:
    """The ``CPU <seconds>`` a server printed on the way out (nan when it did not)."""
    for line in output.splitlines():
        if line.startswith("CPU "):
            return float(line.split()[1])
    return float("nan")


@dataclass
class ServerCost:
    """CPU the server process used while serving (all threads), and the POSTs it answered."""

    posts: int
    cpu_seconds: float

    @property
    def ms_per_post(self) -> float:
        """CPU milliseconds per POST (warm-up included)."""
        return self.cpu_seconds * 1000 / self.posts if self.posts else float("nan")


@dataclass
class Sample:
    """One POST: its phase, when it went out and came back, its status, and the reply it should cause."""

    phase: str
    sent: float
    acked: float
    status: int
    expect: str | None  # None for a redelivered update
    #: index of the reply it should cause in the shopper's expected replies
    reply_index: int | None = None


@dataclass
class Shopper:
    """One simulated shopper with its own chat."""

    chat: int
    customer_id: int
    expected: list[str] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)


async def seed(url: str, shoppers: int) -> list[int]:
    """One order (and customer) per shopper; returns the customer ids in shopper order."""
    await upgrade(url)
    lines = [
        json.dumps(order_line(str(5000 + index), email=f"shopper{index}@example.com"))
        for index in range(shoppers)
    ]
    async with Store(url) as store:
        report = await import_orders(store, lines)
        if report.rejected:
            raise RuntimeError(f"seeding failed: {report.errors[:3]}")
        ids = []
        async with store.transaction() as repos:
            for index in range(shoppers):
                customer = await repos.customers.by_email(email=f"shopper{index}@example.com")
                assert customer is not None and customer.id is not None
                ids.append(int(customer.id))
    return ids


class Client:
    """Posts updates like Telegram does (one aiohttp session, one connection per shopper)."""

    def __init__(self, base_url: str, concurrency: int) -> None:
        self.url = f"{base_url}{WEBHOOK_PATH}"
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency),
            timeout=aiohttp.ClientTimeout(total=60),
        )
        self.headers = {SECRET_HEADER: WEBHOOK_SECRET, "Content-Type": "application/json"}
        self.update_ids = itertools.count(1)
        #: POSTs made, warm-up included
        self.posts = 0

    async def post(self, body: bytes) -> tuple[float, float, int]:
        """POST one update; (sent, acked, status) on the monotonic clock."""
        self.posts += 1
        sent = time.monotonic()
        async with self.session.post(self.url, data=body, headers=self.headers) as response:
            await response.read()
            status = response.status
        return sent, time.monotonic(), status

    def update(self, chat: int, text: str) -> bytes:
        """A fresh update from ``chat`` saying ``text``."""
        update_id = next(self.update_ids)
        return json.dumps(make_text_update(chat, text, update_id, "Ann", message_id=update_id)).encode()

    async def close(self) -> None:
        """Close the session."""
        await self.session.close()


async def run_shopper(
    client: Client,
    shopper: Shopper,
    deadline: float,
    redeliver_every: int,
    phase: str | None,
    think_seconds: float = 0.0,
    rng: random.Random | None = None,
) -> None:
    """Talk until ``deadline``: alternate the script, sometimes repeat the last update, maybe think."""
    previous: bytes | None = None
    for step in itertools.count(1):
        if think_seconds and rng is not None:
            await asyncio.sleep(
                min(rng.expovariate(1 / think_seconds), max(0.0, deadline - time.monotonic()))
            )
        if time.monotonic() >= deadline:
            return
        if redeliver_every and previous is not None and step % redeliver_every == 0:
            body, expect = previous, None
        else:
            text, expect = SCRIPT[step % len(SCRIPT)]
            body = client.update(shopper.chat, text)
        sent, acked, status = await client.post(body)
        index = None
        if status == 200 and expect is not None:
            shopper.expected.append(expect)
            index = len(shopper.expected) - 1
        if phase is not None:
            shopper.samples.append(Sample(phase, sent, acked, status, expect, index))
        previous = body


async def warm_up(client: Client, shoppers: list[Shopper]) -> None:
    """Verify every chat with a deep link (reply + offer), then a couple of rounds of the script."""
    expires = datetime.now(UTC) + timedelta(days=1)

    async def one(shopper: Shopper) -> None:
        token = sign_link(shopper.customer_id, LINK_SECRET, expires)
        _, _, status = await client.post(client.update(shopper.chat, f"/start {token}"))
        if status != 200:
            raise RuntimeError(f"warm-up /start answered {status}")
        shopper.expected += ["link_ok", "offer"]
        for text, expect in SCRIPT * WARMUP_ROUNDS:
            _, _, status = await client.post(client.update(shopper.chat, text))
            if status != 200:
                raise RuntimeError(f"warm-up answered {status}")
            shopper.expected.append(expect)

    await asyncio.gather(*(one(shopper) for shopper in shoppers))


async def measure(
    client: Client, shoppers: list[Shopper], phase: str, args: argparse.Namespace, think_seconds: float = 0.0
) -> float:
    """Run every shopper for ``args.seconds``; returns the elapsed time."""
    started = time.monotonic()
    deadline = started + args.seconds
    rng = random.Random(7)
    await asyncio.gather(
        *(run_shopper(client, s, deadline, args.redeliver_every, phase, think_seconds, rng) for s in shoppers)
    )
    return time.monotonic() - started


async def fake_calls(session: aiohttp.ClientSession, fake_url: str) -> list[dict[str, Any]]:
    """Successful sendMessage calls recorded by the fake, in arrival order."""
    async with session.get(f"{fake_url}/_fake/calls", params={"method": "sendMessage"}) as response:
        calls = await response.json()
    return [call for call in calls if call["status"] == 200]


@dataclass
class Check:
    """How the replies the fake received compare with what each shopper should have got."""

    expected: int = 0
    received: int = 0
    lost: int = 0
    duplicated: int = 0
    out_of_order_chats: int = 0
    #: update -> reply recorded at the fake, per phase
    e2e_ms: dict[str, list[float]] = field(default_factory=dict)


def check_replies(shoppers: list[Shopper], calls: list[dict[str, Any]]) -> Check:
    """Compare per chat, in order; measure update -> reply-at-the-fake latency of measured updates."""
    by_chat: dict[int, list[dict[str, Any]]] = {}
    for call in calls:
        by_chat.setdefault(int(call["params"]["chat_id"]), []).append(call)
    check = Check()
    for shopper in shoppers:
        got = by_chat.get(shopper.chat, [])
        kinds = [kind_of(str(call["params"]["text"])) for call in got]
        check.expected += len(shopper.expected)
        check.received += len(kinds)
        want, have = Counter(shopper.expected), Counter(kinds)
        check.lost += sum((want - have).values())
        check.duplicated += sum((have - want).values())
        if kinds != shopper.expected and want == have:
            check.out_of_order_chats += 1
        if kinds != shopper.expected:
            continue  # replies cannot be matched to updates one to one
        for sample in shopper.samples:
            if sample.reply_index is not None:
                at = float(got[sample.reply_index]["at"])
                check.e2e_ms.setdefault(sample.phase, []).append((at - sample.sent) * 1000)
    return check


async def run_full(
    args: argparse.Namespace, workdir: Path
) -> tuple[dict[str, float], list[Shopper], Check, dict[str, Any], ServerCost]:
    """doorstep under load; returns (elapsed per phase, shoppers, reply check, fake stats, CPU cost)."""
    database_url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    customer_ids = await seed(database_url, args.shoppers)
    fake = Process("-m", "tests.fakes.serve", "telegram", "--token", TOKEN)
    fake_url = fake.ready_line().split()[1]
    port = free_port()
    server = Process(
        "-m", "bench.telegram_webhook.server", "full", "--port", str(port),
        "--database-url", database_url, "--fake-url", fake_url, "--token", TOKEN,
        *(("--profile", args.profile) if args.profile else ()),
    )  # fmt: skip
    elapsed: dict[str, float] = {}
    try:
        server.ready_line()
        client = Client(f"http://127.0.0.1:{port}", args.shoppers)
        try:
            shoppers = [
                Shopper(FIRST_CHAT + index, customer_id) for index, customer_id in enumerate(customer_ids)
            ]
            await warm_up(client, shoppers)
            elapsed[CAPACITY] = await measure(client, shoppers, CAPACITY, args)
            elapsed[LATENCY] = await measure(client, shoppers, LATENCY, args, args.think_seconds)
            await asyncio.sleep(0.5)  # anything acknowledged late (it should not happen) lands now
            calls = await fake_calls(client.session, fake_url)
            async with client.session.get(f"{fake_url}/_fake/stats") as response:
                stats = await response.json()
        finally:
            await client.close()
    finally:
        output = server.stop()
        fake.stop()
    cost = ServerCost(client.posts, cpu_seconds(output))
    return elapsed, shoppers, check_replies(shoppers, calls), stats, cost


async def run_libraries(
    args: argparse.Namespace, kind: str = "libraries", *extra: str
) -> tuple[float, list[Shopper], ServerCost]:
    """The adapter + PTB's reply alone (``libraries``: no database or engine), or that plus the SQL
    of doorstep's turns (``floor``, ``extra`` names the database), capacity phase."""
    fake = Process("-m", "tests.fakes.serve", "telegram", "--token", TOKEN)
    fake_url = fake.ready_line().split()[1]
    try:
        return await run_capacity_only(args, kind, "--fake-url", fake_url, "--token", TOKEN, *extra)
    finally:
        fake.stop()


async def run_capacity_only(
    args: argparse.Namespace, kind: str, *extra: str
) -> tuple[float, list[Shopper], ServerCost]:
    """A ``kind`` of server (``bare``, ``libraries``, ``floor``) under the same client and load, capacity
    phase only (the shoppers are the chats doorstep's run verified, so ``floor`` finds their rows)."""
    port = free_port()
    server = Process("-m", "bench.telegram_webhook.server", kind, "--port", str(port), *extra)
    try:
        server.ready_line()
        client = Client(f"http://127.0.0.1:{port}", args.shoppers)
        try:
            shoppers = [Shopper(FIRST_CHAT + index, 0) for index in range(args.shoppers)]
            deadline = time.monotonic() + 1.0
            await asyncio.gather(*(run_shopper(client, s, deadline, 0, None) for s in shoppers))  # warm-up
            elapsed = await measure(client, shoppers, CAPACITY, args)
        finally:
            await client.close()
    finally:
        output = server.stop()
    return elapsed, shoppers, ServerCost(client.posts, cpu_seconds(output))


@dataclass
class Figures:
    """Throughput and POST latency of one phase."""

    rate: float
    latency_ms: list[float]
    errors: int
    redelivered: int

    @property
    def p50(self) -> float:
        """Median POST latency."""
        return percentile(self.latency_ms, 0.5)

    @property
    def p99(self) -> float:
        """99th percentile POST latency."""
        return percentile(self.latency_ms, 0.99)


def figures(elapsed: float, shoppers: list[Shopper], phase: str) -> Figures:
    """The phase's updates/s (answered with 200), POST latencies, errors and redeliveries."""
    samples = [sample for shopper in shoppers for sample in shopper.samples if sample.phase == phase]
    ok = [sample for sample in samples if sample.status == 200]
    return Figures(
        rate=len(ok) / elapsed,
        latency_ms=[(sample.acked - sample.sent) * 1000 for sample in ok],
        errors=len(samples) - len(ok),
        redelivered=sum(1 for sample in samples if sample.expect is None),
    )


def report(
    args: argparse.Namespace,
    full: dict[str, Figures],
    bare: Figures,
    check: Check,
    throttled: int,
    costs: tuple[ServerCost, ServerCost],
    libraries: tuple[Figures, ServerCost],
    floor: tuple[Figures, ServerCost],
) -> int:
    """Print every figure; 1 when a target is missed."""
    capacity, latency = full[CAPACITY], full[LATENCY]
    ratio = capacity.rate / bare.rate if bare.rate else float("nan")
    e2e = check.e2e_ms
    print(
        f"{args.shoppers} shoppers over loopback, {args.seconds:.0f} s per phase; SQLite; Bot API fake in its own process"
    )
    print(
        f"doorstep, capacity (no think time):  {capacity.rate:7.1f} updates/s   POST p50 {capacity.p50:7.1f} ms"
        f"  p99 {capacity.p99:7.1f} ms   update->reply p99 {percentile(e2e.get(CAPACITY, []), 0.99):7.1f} ms"
        f"   errors {capacity.errors}"
    )
    print(
        f"doorstep, {args.think_seconds:g} s mean think time:     {latency.rate:7.1f} updates/s   POST p50 "
        f"{latency.p50:7.1f} ms  p99 {latency.p99:7.1f} ms   update->reply p99 "
        f"{percentile(e2e.get(LATENCY, []), 0.99):7.1f} ms   errors {latency.errors}"
    )
    print(
        f"replies: expected {check.expected}, received {check.received}, lost {check.lost}, duplicated "
        f"{check.duplicated}, chats out of order {check.out_of_order_chats}; redelivered updates "
        f"{capacity.redelivered + latency.redelivered} (no reply each); Bot API 429s {throttled}"
    )
    print(
        f"bare aiohttp JSON handler (no think time): {bare.rate:7.1f} req/s   p50 {bare.p50:7.1f} ms"
        f"  p99 {bare.p99:7.1f} ms   errors {bare.errors}"
    )
    ours, baseline = costs
    only, only_cost = libraries
    print(
        f"libraries only (doorstep's adapter reads the update, PTB sends one reply; no database, no engine): "
        f"{only.rate:7.1f} updates/s   p50 {only.p50:7.1f} ms   ratio to bare {only.rate / bare.rate:.3f}"
        f"   errors {only.errors}"
    )
    lower, lower_cost = floor
    print(
        f"floor (libraries + the SQL of doorstep's turns on sqlite3, no engine, no SQLAlchemy): "
        f"{lower.rate:7.1f} updates/s   p50 {lower.p50:7.1f} ms   ratio to bare {lower.rate / bare.rate:.3f}"
        f"   errors {lower.errors}"
    )
    print(
        f"server CPU per update (all threads, warm-up included): doorstep {ours.ms_per_post:.3f} ms, "
        f"floor {lower_cost.ms_per_post:.3f} ms, "
        f"libraries only {only_cost.ms_per_post:.3f} ms, bare {baseline.ms_per_post:.3f} ms "
        f"(bare / doorstep {baseline.ms_per_post / ours.ms_per_post:.3f})"
    )
    print(f"ratio doorstep / bare (capacity): {ratio:.3f}   target >= 0.15")
    print(f"p99 POST latency with think time: {latency.p99:.1f} ms   target <= 50 ms")
    missed = [
        name
        for name, ok in (
            ("ratio", ratio >= 0.15),
            ("p99", latency.p99 <= 50.0),
            ("lost replies", check.lost == 0),
            ("duplicated replies", check.duplicated == 0),
            ("errors", capacity.errors + latency.errors == 0),
        )
        if not ok
    ]
    print("all targets met" if not missed else f"targets missed: {', '.join(missed)}")
    return 1 if missed else 0


async def main_async(args: argparse.Namespace) -> int:
    """Run both servers and print the figures; exit 1 when a target is missed."""
    with tempfile.TemporaryDirectory(prefix="doorstep-bench-tg-") as tmp:
        elapsed, shoppers, check, stats, cost = await run_full(args, Path(tmp))
        database_url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        floor_elapsed, floor_shoppers, floor_cost = await run_libraries(
            args, "floor", "--database-url", database_url
        )
    floor = figures(floor_elapsed, floor_shoppers, CAPACITY)
    full = {phase: figures(seconds, shoppers, phase) for phase, seconds in elapsed.items()}
    bare_elapsed, bare_shoppers, bare_cost = await run_capacity_only(args, "bare")
    bare = figures(bare_elapsed, bare_shoppers, CAPACITY)
    only_elapsed, only_shoppers, only_cost = await run_libraries(args)
    only = figures(only_elapsed, only_shoppers, CAPACITY)
    return report(
        args,
        full,
        bare,
        check,
        int(stats.get("throttled", 0)),
        (cost, bare_cost),
        (only, only_cost),
        (floor, floor_cost),
    )


def main() -> None:
    """Entry point of ``python -m bench.telegram_webhook.run``."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.telegram_webhook.run", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--shoppers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase")
    parser.add_argument(
        "--think-seconds", type=float, default=1.0, help="mean think time of the latency phase"
    )
    parser.add_argument(
        "--redeliver-every", type=int, default=25, help="every N-th POST repeats the last update"
    )
    parser.add_argument("--profile", default="", help="cProfile doorstep's server into this file (slows it)")
    raise SystemExit(asyncio.run(main_async(parser.parse_args())))


if __name__ == "__main__":
    main()
