"""Benchmark: 100,000 normalized events through parse -> state update -> rules -> policy -> outbox.

The events are JSON lines (the ``POST /api/events`` format) about 20,000 imported orders whose
customers mostly have a verified Telegram chat: carrier scans (in transit with a new location,
out for delivery, delivered, some delays) and 5% redeliveries. Each batch of events is one
transaction holding the inbox rows, the shipment updates, the tracking events, the outbox rows
and the decision log.

In the same run, the baseline: a raw ``sqlite3`` loop that parses each line and commits one
inserted row per event, with the same pragmas as doorstep's store (WAL, synchronous=NORMAL).
The same loop under SQLite's default pragmas (rollback journal, synchronous=FULL: an fsync per
commit) is printed too. Target: doorstep events/s / baseline events/s >= 0.25.

    .venv/bin/python -m bench.ingest.run [--events 100000] [--batch 1000] [--profile 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import logging
import pstats
import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import FakeClock
from bot.config import Settings
from bot.integrations.normalized import parse_normalized
from bot.notify.pipeline import ingest_events
from storage.migrate import upgrade
from storage.schemas import OrderIn
from storage.store import Store

#: events happen during the day in New York, so most messages are queued at once
NOW = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
#: the default-pragma baseline fsyncs per event: a sample of this many events is enough
FSYNC_SAMPLE = 3000
ZONES = ("America/New_York", "America/Chicago", "Europe/London", "Europe/Berlin")


def order_line(n: int, rng: random.Random) -> dict[str, object]:
    """One imported order with one parcel in transit."""
    number = str(200000 + n)
    return {
        "order_number": number,
        "placed_at": "2026-11-20T14:03:00Z",
        "status": "open",
        "customer": {
            "email": f"shopper{n}@example.com",
            "name": f"Shopper {n}",
            "phone": None,
            "timezone": rng.choice(ZONES),
            "locale": "en",
        },
        "shipping_address": {"city": "Boston", "postcode": "02118", "country": "US"},
        "items": [
            {
                "sku": "KT-200",
                "name": "Kettle Pro 200",
                "category": "kitchen-appliance",
                "quantity": 1,
                "requires_setup": True,
            }
        ],
        "shipments": [
            {
                "carrier": "UPS",
                "tracking_number": f"1ZBENCH{n:08d}",
                "tracking_url": f"https://track.example.test/1ZBENCH{n:08d}",
                "status": "in_transit",
                "eta": "2026-11-26",
                "promised_by": "2026-11-27",
                "shipped_at": "2026-11-21T09:00:00Z",
                "delivered_at": None,
                "skus": ["KT-200"],
            }
        ],
    }


def event_lines(orders: int, count: int, seed: int = 7) -> list[str]:
    """``count`` event JSON lines about ``orders`` parcels, in time order per parcel."""
    rng = random.Random(seed)
    lines: list[str] = []
    step = 0
    per_order: dict[int, int] = {}
    journey = ("in_transit", "in_transit", "out_for_delivery", "delivered")
    while len(lines) < count:
        n = rng.randrange(orders)
        stage = per_order.get(n, 0)
        if stage >= len(journey) + 2:
            continue
        per_order[n] = stage + 1
        status = journey[stage] if stage < len(journey) else "delivered"
        if stage == 1 and rng.random() < 0.1:
            status = "delayed"
        step += 1
        event = {
            "event_id": f"evt-{n}-{stage}",
            "source": "easypost",
            "occurred_at": (NOW - timedelta(hours=6) + timedelta(milliseconds=step)).isoformat(),
            "type": "shipment.updated",
            "tracking_number": f"1ZBENCH{n:08d}",
            "status": status,
            "location": rng.choice(("Boston, MA", "Hartford, CT", "Worcester, MA")),
        }
        lines.append(json.dumps(event))
        if rng.random() < 0.05 and len(lines) < count:  # a provider redelivery
            lines.append(json.dumps(event))
    return lines[:count]


async def seed(url: str, db: Path, orders: int) -> None:
    """Import the orders and give 80% of their customers a verified Telegram chat that accepts updates."""
    rng = random.Random(3)
    async with Store(url) as store:
        lines = [OrderIn.model_validate(order_line(n, rng)) for n in range(orders)]
        for start in range(0, orders, 5000):
            async with store.transaction() as repos:
                await repos.orders.upsert_many(lines[start : start + 5000])
    conn = sqlite3.connect(db)
    customers = conn.execute("SELECT id, email FROM customers ORDER BY id").fetchall()
    at = NOW.replace(tzinfo=None).isoformat(" ", "microseconds")
    conn.executemany(
        "INSERT INTO channel_identities (channel, external_id, customer_id, verified, verified_at, "
        "accepted_updates, opted_out_categories, unreachable, created_at) VALUES (?, ?, ?, 1, ?, 1, '[]', 0, ?)",
        [
            ("telegram", str(10_000 + cid), cid, at, at)
            for cid, email in customers
            if int(email.removeprefix("shopper").split("@")[0]) % 5 != 4
        ],
    )
    conn.commit()
    conn.close()


async def doorstep(url: str, lines: list[str], batch: int) -> tuple[float, dict[str, int]]:
    """Parse and ingest every line; returns seconds and counts."""
    settings = Settings(database_url=url)
    clock = FakeClock(NOW)
    counts: dict[str, int] = {}
    async with Store(url) as store:
        start = time.perf_counter()
        for first in range(0, len(lines), batch):
            events = [parse_normalized(line.encode()) for line in lines[first : first + batch]]
            for result in await ingest_events(store, events, clock, settings, batch_size=batch):
                counts[result.status] = counts.get(result.status, 0) + 1
                for message in result.messages:
                    counts[f"message {message.decision}"] = counts.get(f"message {message.decision}", 0) + 1
        elapsed = time.perf_counter() - start
    return elapsed, counts


def raw_baseline(db: Path, lines: list[str], *, wal: bool) -> float:
    """Parse each line and commit one inserted row per event with sqlite3; returns seconds."""
    conn = sqlite3.connect(db)
    if wal:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, source TEXT, event_id TEXT, payload TEXT)")
    conn.commit()
    start = time.perf_counter()
    for line in lines:
        event = json.loads(line)
        conn.execute(
            "INSERT INTO events (source, event_id, payload) VALUES (?, ?, ?)",
            (event["source"], event["event_id"], line),
        )
        conn.commit()
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def sqlite_share(profiler: cProfile.Profile) -> tuple[float, float]:
    """(seconds inside sqlite3's C calls, seconds in all) of a profiled pass."""
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    inside = total = 0.0
    for (filename, _line, name), (_cc, _nc, own, _cum, _callers) in stats.items():
        total += own
        if filename == "~" and "sqlite3." in name:
            inside += own
    return inside, total


async def profiled(url: str, lines: list[str], batch: int) -> None:
    """Run the doorstep pass under cProfile; print the share of time inside sqlite3 (SQLite's own work)."""
    profiler = cProfile.Profile()
    profiler.enable()
    elapsed, _ = await doorstep(url, lines, batch)
    profiler.disable()
    inside, total = sqlite_share(profiler)
    print(
        f"profiled pass ({len(lines):,} events, {elapsed:.2f} s under cProfile): {inside:.2f} s of {total:.2f} s "
        f"inside sqlite3 calls ({inside / total:.0%}), i.e. {inside / len(lines) * 1e6:.0f} µs of SQLite per event"
    )


async def main(count: int, orders: int, batch: int, profile: int = 0) -> None:
    """Run the measurements and print the figures."""
    logging.disable(logging.WARNING)
    lines = event_lines(orders, count)
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        tmpdir = Path(tmp)
        url = f"sqlite+aiosqlite:///{tmpdir / 'ours.db'}"
        await upgrade(url)
        await seed(url, tmpdir / "ours.db", orders)
        base_wal = raw_baseline(tmpdir / "baseline-wal.db", lines, wal=True)
        fsync_sample = min(count, FSYNC_SAMPLE)
        base_default = raw_baseline(tmpdir / "baseline-default.db", lines[:fsync_sample], wal=False)
        ours, counts = await doorstep(url, lines, batch)
        if profile:
            fresh = f"sqlite+aiosqlite:///{tmpdir / 'profiled.db'}"
            await upgrade(fresh)
            await seed(fresh, tmpdir / "profiled.db", orders)
            await profiled(fresh, lines[:profile], batch)
    ours_rate = count / ours
    wal_rate = count / base_wal
    default_rate = fsync_sample / base_default
    print(f"events:                               {count:,} about {orders:,} orders (batches of {batch})")
    print(f"outcomes:                             {json.dumps(counts, sort_keys=True)}")
    print(f"doorstep parse+apply+policy+outbox:   {ours:7.2f} s  {ours_rate:9,.0f} events/s")
    print(f"raw sqlite3, commit per event (WAL):  {base_wal:7.2f} s  {wal_rate:9,.0f} events/s")
    print(f"ratio doorstep / raw (same pragmas):  {ours_rate / wal_rate:.3f}  (target >= 0.25)")
    print(
        f"raw sqlite3, default pragmas (fsync): {default_rate:9,.0f} events/s (first {fsync_sample:,} events)"
    )
    print(f"ratio doorstep / raw (default):       {ours_rate / default_rate:.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="also run the first N events under cProfile and print the time inside sqlite3",
    )
    args = parser.parse_args()
    asyncio.run(main(args.events, args.orders, args.batch, args.profile))
