"""Benchmark: 100,000 normalized events through parse -> state update -> rules -> policy -> outbox.

The events are JSON lines (the ``POST /api/events`` format) about 20,000 imported orders whose
customers mostly have a verified Telegram chat: carrier scans (in transit with a new location,
out for delivery, delivered, some delays) and 5% redeliveries. Each batch of events is one
transaction holding the inbox rows, the shipment updates, the tracking events, the outbox rows
and the decision log.

In the same run, the floor: raw ``sqlite3`` writing the same rows per event as doorstep did
(inbox, parcel, tracking event, outbox and decision rows, and each batch's cancellations of stale
pending messages; :func:`raw_floor`) in the same batches, on a copy of the same seeded database,
with the same connection settings (``storage.sqlite_inline.PRAGMAS``: WAL, synchronous=NORMAL, foreign
keys on, the same page cache). The run stops if the two databases then hold different row counts (:data:`ROW_COUNTS`).
Target: doorstep events/s / floor events/s >= 0.5.

For reference only: a raw ``sqlite3`` loop that parses each line and commits one inserted row
per event, with the same pragmas as doorstep's store (WAL, synchronous=NORMAL), and the same
loop under SQLite's default pragmas (rollback journal, synchronous=FULL: an fsync per commit).

    .venv/bin/python -m bench.ingest.run [--events 100000] [--batch 1000] [--profile 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import logging
import pstats
import random
import shutil
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

from bot.clock import FakeClock
from bot.config import Settings
from bot.integrations.normalized import parse_normalized
from bot.notify.pipeline import ingest_events
from storage.migrate import upgrade
from storage.schemas import OrderIn
from storage.sqlite_inline import PRAGMAS
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


class Seconds(NamedTuple):
    """How long a pass took: wall-clock and CPU time of this process (SQLite runs in it)."""

    wall: float
    cpu: float


# What doorstep did is kept for the floor as plain tuples of plain values, which Python's garbage
# collector stops tracking: the harness's own 100,000 records are then not scanned by every full
# collection during doorstep's pass (named tuples and dataclasses would stay tracked).
#: the policy's decision on one proposed message: (kind, dedupe key, decision, reason, scheduled at)
Message = tuple[str, str, str, str, datetime | None]
#: what doorstep did with one event, the floor writing the same rows for it: (status, reason, messages)
Outcome = tuple[str, str | None, tuple[Message, ...]]
#: a pending message a batch cancelled (stale after a scan, or consolidated into a newer one): its
#: outbox row becomes ``cancelled`` and a decision row says why: (order id, kind, dedupe key, reason)
Cancelled = tuple[int, str, str, str]


async def doorstep(
    url: str, db: Path, lines: list[str], batch: int
) -> tuple[Seconds, dict[str, int], list[Outcome], list[list[Cancelled]]]:
    """Parse and ingest every line; returns seconds, counts, each event's outcome and each batch's
    cancellations (read from ``db`` between batches, outside the timing: the results do not list them)."""
    settings = Settings(database_url=url)
    clock = FakeClock(NOW)
    counts: dict[str, int] = {}
    outcomes: list[Outcome] = []
    cancelled: list[list[Cancelled]] = []
    reader = sqlite3.connect(db)
    seen = reader.execute("SELECT coalesce(max(id), 0) FROM decision_log").fetchone()[0]
    elapsed = cpu = 0.0
    async with Store(url) as store:
        # as the server does once started (bot.app): start-up objects out of the collector's sight
        gc.collect()
        gc.freeze()
        for first in range(0, len(lines), batch):
            start, start_cpu = time.perf_counter(), time.process_time()
            events = [parse_normalized(line.encode()) for line in lines[first : first + batch]]
            results = await ingest_events(store, events, clock, settings, batch_size=batch)
            elapsed += time.perf_counter() - start
            cpu += time.process_time() - start_cpu
            for result in results:
                counts[result.status] = counts.get(result.status, 0) + 1
                for message in result.messages:
                    counts[f"message {message.decision}"] = counts.get(f"message {message.decision}", 0) + 1
                outcomes.append(
                    (
                        result.status,
                        result.reason,
                        tuple(
                            (m.kind, m.dedupe_key, str(m.decision), m.reason, m.scheduled_at)
                            for m in result.messages
                        ),
                    )
                )
            rows = reader.execute(
                "SELECT id, order_id, kind, dedupe_key, reason, decision FROM decision_log WHERE id > ? ORDER BY id",
                (seen,),
            ).fetchall()
            seen = rows[-1][0] if rows else seen
            cancelled.append([row[1:5] for row in rows if row[5] == "cancelled"])
    gc.unfreeze()
    reader.close()
    return Seconds(elapsed, cpu), counts, outcomes, cancelled


#: decisions that leave a message in the outbox (the others are only logged)
QUEUED_DECISIONS = frozenset({"queued", "deferred"})
#: decisions the policy answers without a decision row (a key already decided)
UNLOGGED_DECISIONS = frozenset({"duplicate"})
#: the reasons of applied events that changed their parcel (any other reason is kept on the inbox row)
CHANGED_REASONS = frozenset({"shipment updated", "shipment created"})
ROW_COUNTS = {
    "inbox": "SELECT count(*) FROM inbox",
    "inbox with an outcome": "SELECT count(*) FROM inbox WHERE outcome IS NOT NULL",
    "tracking_events": "SELECT count(*) FROM tracking_events",
    "outbox": "SELECT count(*) FROM outbox",
    "outbox cancelled": "SELECT count(*) FROM outbox WHERE status = 'cancelled'",
    "decision_log": "SELECT count(*) FROM decision_log",
    "decision_log cancelled": "SELECT count(*) FROM decision_log WHERE decision = 'cancelled'",
}


def row_counts(db: Path) -> dict[str, int]:
    """Rows per table (and of a few kinds) written by an ingest pass (the seed writes none of these)."""
    conn = sqlite3.connect(db)
    try:
        return {name: conn.execute(sql).fetchone()[0] for name, sql in ROW_COUNTS.items()}
    finally:
        conn.close()


def raw_floor(
    db: Path, lines: list[str], batch: int, outcomes: list[Outcome], cancelled: list[list[Cancelled]]
) -> Seconds:
    """The floor: raw sqlite3 writing, for each event, the rows doorstep wrote for it, in the same
    batches (one transaction per batch) on a copy of the same seeded database (same schema and
    indexes, the store's connection settings): the inbox row (or its redelivery count; the reason of an event
    that changed nothing), the parcel's new state after looking it up by tracking number, the tracking
    event, and each proposed message's outbox row and decision row (none for a key already decided);
    then the batch's cancellations: the pending messages it made stale or consolidated (their outbox
    rows cancelled, or inserted cancelled when queued in the same batch, and a decision row each).
    No rules, no policy, no ORM: what the writes alone cost."""
    conn = sqlite3.connect(db, isolation_level=None)
    # the same connection settings as doorstep's store: the same rows under the same schema checks
    # (foreign keys on), journal, sync level and page cache
    for pragma in PRAGMAS:
        conn.execute(pragma)
    at = NOW.replace(tzinfo=None).isoformat(" ", "microseconds")
    start, start_cpu = time.perf_counter(), time.process_time()
    for number, first in enumerate(range(0, len(lines), batch)):
        conn.execute("BEGIN")
        stale = {dedupe_key: why for _, _, dedupe_key, why in cancelled[number]}
        queued: set[str] = set()
        for line, (status, reason, messages) in zip(
            lines[first : first + batch], outcomes[first : first + batch], strict=True
        ):
            event = json.loads(line)
            if reason == "duplicate":
                conn.execute(
                    "UPDATE inbox SET duplicates = duplicates + 1, last_duplicate_at = ? "
                    "WHERE source = ? AND external_id = ?",
                    (at, event["source"], event["event_id"]),
                )
                continue
            conn.execute(
                "INSERT INTO inbox (source, external_id, received_at, status, order_number, tracking_number, "
                "payload, outcome, duplicates) VALUES (?, ?, ?, 'processed', ?, ?, ?, ?, 0)",
                (
                    event["source"],
                    event["event_id"],
                    at,
                    event.get("order_number"),
                    event["tracking_number"],
                    line,
                    None if status == "applied" and reason in CHANGED_REASONS else reason,
                ),
            )
            if status != "applied":
                continue
            shipment_id, order_id = conn.execute(
                "SELECT id, order_id FROM shipments WHERE tracking_number = ?", (event["tracking_number"],)
            ).fetchone()
            conn.execute(
                "UPDATE shipments SET status = ?, last_location = ?, last_event_at = ?, updated_at = ? WHERE id = ?",
                (event["status"], event["location"], event["occurred_at"], at, shipment_id),
            )
            conn.execute(
                "INSERT INTO tracking_events (shipment_id, occurred_at, status, location, source, event_id) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    shipment_id,
                    event["occurred_at"],
                    event["status"],
                    event["location"],
                    event["source"],
                    event["event_id"],
                ),
            )
            for kind, dedupe_key, decision, why, scheduled_at in messages:
                if decision in UNLOGGED_DECISIONS:
                    continue
                if decision in QUEUED_DECISIONS:
                    payload = {
                        "text": f"Update on your order: your parcel {event['tracking_number']} is {event['status']}.",
                        "buttons": [{"title": "Track parcel", "payload": "order_status"}],
                        "links": [],
                        "category": "shipping_updates",
                        "shipment_id": shipment_id,
                    }
                    due = (scheduled_at or NOW).replace(tzinfo=None).isoformat(" ", "microseconds")
                    gone = stale.get(dedupe_key)
                    conn.execute(
                        "INSERT INTO outbox (dedupe_key, order_id, kind, channel, recipient, payload, scheduled_at, "
                        "status, last_error, attempts, created_at) VALUES (?, ?, ?, 'telegram', ?, ?, ?, ?, ?, 0, ?)",
                        (
                            dedupe_key,
                            order_id,
                            kind,
                            str(10_000 + order_id),
                            json.dumps(payload),
                            due,
                            "pending" if gone is None else "cancelled",
                            gone,
                            at,
                        ),
                    )
                    queued.add(dedupe_key)
                conn.execute(
                    "INSERT INTO decision_log (order_id, kind, decision, reason, dedupe_key, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (order_id, kind, decision, why, dedupe_key, at),
                )
        for order_id, kind, dedupe_key, why in cancelled[number]:
            if dedupe_key not in queued:
                conn.execute(
                    "UPDATE outbox SET status = 'cancelled', last_error = ?, claimed_by = NULL "
                    "WHERE dedupe_key = ? AND status = 'pending'",
                    (why, dedupe_key),
                )
            conn.execute(
                "INSERT INTO decision_log (order_id, kind, decision, reason, dedupe_key, created_at) "
                "VALUES (?, ?, 'cancelled', ?, ?, ?)",
                (order_id, kind, why, dedupe_key, at),
            )
        conn.execute("COMMIT")
    elapsed = Seconds(time.perf_counter() - start, time.process_time() - start_cpu)
    conn.close()
    return elapsed


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


async def profiled(url: str, db: Path, lines: list[str], batch: int) -> None:
    """Run the doorstep pass under cProfile; print the share of time inside sqlite3 (SQLite's own work)."""
    profiler = cProfile.Profile()
    profiler.enable()
    (elapsed, _), _, _, _ = await doorstep(url, db, lines, batch)
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
        shutil.copyfile(tmpdir / "ours.db", tmpdir / "floor.db")  # the same seeded database
        base_wal = raw_baseline(tmpdir / "baseline-wal.db", lines, wal=True)
        fsync_sample = min(count, FSYNC_SAMPLE)
        base_default = raw_baseline(tmpdir / "baseline-default.db", lines[:fsync_sample], wal=False)
        ours, counts, outcomes, cancelled = await doorstep(url, tmpdir / "ours.db", lines, batch)
        floor = raw_floor(tmpdir / "floor.db", lines, batch, outcomes, cancelled)
        ours_rows, floor_rows = row_counts(tmpdir / "ours.db"), row_counts(tmpdir / "floor.db")
        if ours_rows != floor_rows:
            raise SystemExit(f"the floor wrote other rows than doorstep: {ours_rows} != {floor_rows}")
        if profile:
            fresh = f"sqlite+aiosqlite:///{tmpdir / 'profiled.db'}"
            await upgrade(fresh)
            await seed(fresh, tmpdir / "profiled.db", orders)
            await profiled(fresh, tmpdir / "profiled.db", lines[:profile], batch)
    ours_rate = count / ours.wall
    wal_rate = count / base_wal
    floor_rate = count / floor.wall
    default_rate = fsync_sample / base_default
    print(f"events:                               {count:,} about {orders:,} orders (batches of {batch})")
    print(f"outcomes:                             {json.dumps(counts, sort_keys=True)}")
    print(
        f"doorstep parse+apply+policy+outbox:   {ours.wall:7.2f} s  {ours_rate:9,.0f} events/s  ({ours.cpu:.2f} s CPU)"
    )
    print(
        f"floor: raw sqlite3, the same rows:    {floor.wall:7.2f} s  {floor_rate:9,.0f} events/s  ({floor.cpu:.2f} s CPU)"
    )
    print(f"  rows written, doorstep:             {json.dumps(ours_rows)}")
    print(f"  rows written, floor:                {json.dumps(floor_rows)}")
    print(f"ratio doorstep / floor:               {ours_rate / floor_rate:.3f}  (target >= 0.5)")
    print(
        f"  the same in CPU time of this process: {floor.cpu / ours.cpu:.3f}  (steadier when others share the cores)"
    )
    print("reference only (one row per event, not the same work):")
    print(f"raw sqlite3, commit per event (WAL):  {base_wal:7.2f} s  {wal_rate:9,.0f} events/s")
    print(f"ratio doorstep / raw (same pragmas):  {ours_rate / wal_rate:.3f}")
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
