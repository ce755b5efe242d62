"""The load model of the webhook benchmarks (``bench.telegram_webhook``, ``bench.whatsapp_webhook``).

Each simulated shopper owns a chat and POSTs one message at a time to the server under test,
waiting for the 200 before the next one, as the platforms do. Shoppers alternate ``SCRIPT``;
every ``redeliver_every``-th POST repeats the previous message (a redelivery: no second reply).
A phase runs every shopper until a deadline: ``capacity`` without think time, ``latency`` with
an exponential think time between a reply and the next message. Servers are child processes
that print ``READY`` once they serve and ``CPU <seconds>`` on the way out
(:mod:`bench.webhook_serve`).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from bot.imports.orders import import_orders
from bot.links import sign_link
from storage.migrate import upgrade
from storage.store import Store
from tests.builders import order_line

SCRIPT = (("where is my order?", "status"), ("hi", "menu"))
WARMUP_ROUNDS = 2
CAPACITY = "capacity"
LATENCY = "latency"


class Client(Protocol):
    """Posts a platform's webhook calls to the server under test."""

    async def post(self, body: bytes) -> tuple[float, float, int]:
        """POST one message; (sent, acked, status) on the monotonic clock."""
        ...

    def message(self, chat: int, text: str) -> bytes:
        """A fresh webhook body: ``chat`` says ``text``."""
        ...


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


async def run_shopper(
    client: Client,
    shopper: Shopper,
    deadline: float,
    redeliver_every: int,
    phase: str | None,
    think_seconds: float = 0.0,
    rng: random.Random | None = None,
) -> None:
    """Talk until ``deadline``: alternate the script, sometimes repeat the last message, maybe think."""
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
            body = client.message(shopper.chat, text)
        sent, acked, status = await client.post(body)
        index = None
        if status == 200 and expect is not None:
            shopper.expected.append(expect)
            index = len(shopper.expected) - 1
        if phase is not None:
            shopper.samples.append(Sample(phase, sent, acked, status, expect, index))
        previous = body


async def warm_up(
    client: Client, shoppers: list[Shopper], link_secret: str, link_text: str = "{token}"
) -> None:
    """Verify every chat with a signed link (``link_text`` with the token: reply + offer), then a couple
    of rounds of the script."""
    expires = datetime.now(UTC) + timedelta(days=1)

    async def one(shopper: Shopper) -> None:
        token = sign_link(shopper.customer_id, link_secret, expires)
        _, _, status = await client.post(client.message(shopper.chat, link_text.format(token=token)))
        if status != 200:
            raise RuntimeError(f"warm-up link answered {status}")
        shopper.expected += ["link_ok", "offer"]
        for text, expect in SCRIPT * WARMUP_ROUNDS:
            _, _, status = await client.post(client.message(shopper.chat, text))
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
    """The phase's messages/s (answered with 200), POST latencies, errors and redeliveries."""
    samples = [sample for shopper in shoppers for sample in shopper.samples if sample.phase == phase]
    ok = [sample for sample in samples if sample.status == 200]
    return Figures(
        rate=len(ok) / elapsed,
        latency_ms=[(sample.acked - sample.sent) * 1000 for sample in ok],
        errors=len(samples) - len(ok),
        redelivered=sum(1 for sample in samples if sample.expect is None),
    )
