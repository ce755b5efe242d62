"""Benchmark: import 100,000 generated orders into SQLite.

Prints orders/s of ``bot.imports.orders.import_orders`` and, in the same run, of a raw
``sqlite3`` executemany insert of the same rows into the same schema (the baseline), their
ratio, and the process's peak memory. Targets: >= 20,000 orders/s, ratio >= 0.2, < 300 MB.

    .venv/bin/python -m bench.import_orders.run [--orders 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bot.demo.catalogue import CATALOGUE
from bot.imports.orders import import_orders
from storage.migrate import upgrade
from storage.store import Store

STATUSES = ("pre_transit", "in_transit", "out_for_delivery", "delivered", "delayed")


def generate_lines(count: int, seed: int = 1) -> Iterator[str]:
    """Realistic orders in the import format: 1-3 items, 0-2 shipments, ~1 order per customer."""
    rng = random.Random(seed)
    for n in range(count):
        items = rng.sample(CATALOGUE, rng.choice((1, 1, 2, 3)))
        shipments = []
        for s in range(rng.choice((0, 1, 1, 1, 2))):
            shipments.append(
                {
                    "carrier": "UPS",
                    "tracking_number": f"1Z{n:010d}{s:02d}",
                    "tracking_url": f"https://track.example.test/1Z{n:010d}{s:02d}",
                    "status": rng.choice(STATUSES),
                    "eta": "2026-11-24",
                    "promised_by": "2026-11-25",
                    "shipped_at": "2026-11-21T09:00:00Z",
                    "delivered_at": None,
                    "skus": [items[0].sku],
                }
            )
        yield json.dumps(
            {
                "order_number": str(100000 + n),
                "placed_at": "2026-11-20T14:03:00Z",
                "status": "open",
                "customer": {
                    "email": f"customer{n // 2}@example.com",
                    "name": f"Customer {n // 2}",
                    "phone": f"+1555{n:07d}",
                    "timezone": "America/New_York",
                    "locale": "en",
                },
                "shipping_address": {"city": "Boston", "postcode": "02118", "country": "US"},
                "items": [p.line_item() for p in items],
                "shipments": shipments,
            }
        )


def raw_sqlite_baseline(path: Path, db: Path, batch: int = 2000) -> float:
    """Parse the same lines and executemany the same rows with sqlite3; returns seconds."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    start = time.perf_counter()
    customers: list[tuple] = []
    orders: list[tuple] = []
    pending: list[dict] = []

    def flush() -> None:
        conn.executemany(
            "INSERT INTO customers (email, name, phone, timezone, locale) VALUES (?,?,?,?,?) "
            "ON CONFLICT(email) DO NOTHING",
            customers,
        )
        conn.executemany(
            "INSERT INTO orders (order_number, customer_id, placed_at, status, ship_city, ship_postcode, "
            "ship_country) VALUES (?, (SELECT id FROM customers WHERE email=?), ?, ?, ?, ?, ?)",
            orders,
        )
        items, ships = [], []
        for o in pending:
            for it in o["items"]:
                items.append(
                    (
                        o["order_number"],
                        it["sku"],
                        it["name"],
                        it["category"],
                        it["quantity"],
                        it["requires_setup"],
                    )
                )
            for s in o["shipments"]:
                ships.append(
                    (
                        o["order_number"],
                        s["carrier"],
                        s["tracking_number"],
                        s["tracking_url"],
                        s["status"],
                        s["eta"],
                        s["promised_by"],
                        s["shipped_at"],
                        json.dumps(s["skus"]),
                    )
                )
        conn.executemany(
            "INSERT INTO order_items (order_id, sku, name, category, quantity, requires_setup) "
            "VALUES ((SELECT id FROM orders WHERE order_number=?),?,?,?,?,?)",
            items,
        )
        conn.executemany(
            "INSERT INTO shipments (order_id, carrier, tracking_number, tracking_url, status, eta, promised_by, "
            "shipped_at, skus) VALUES ((SELECT id FROM orders WHERE order_number=?),?,?,?,?,?,?,?,?)",
            ships,
        )
        conn.commit()
        customers.clear()
        orders.clear()
        pending.clear()

    with path.open() as handle:
        for raw in handle:
            o = json.loads(raw)
            c = o["customer"]
            a = o["shipping_address"]
            customers.append((c["email"], c["name"], c["phone"], c["timezone"], c["locale"]))
            orders.append(
                (
                    o["order_number"],
                    c["email"],
                    o["placed_at"],
                    o["status"],
                    a["city"],
                    a["postcode"],
                    a["country"],
                )
            )
            pending.append(o)
            if len(pending) >= batch:
                flush()
    if pending:
        flush()
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


async def doorstep_import(path: Path, url: str) -> tuple[float, int]:
    """Import the file with doorstep; returns seconds and orders created."""
    async with Store(url) as store:
        start = time.perf_counter()
        with path.open("rb") as handle:
            report = await import_orders(store, handle)
        elapsed = time.perf_counter() - start
    assert report.rejected == 0, report.errors[:3]
    return elapsed, report.created


async def main(count: int) -> None:
    """Run both measurements and print the figures."""
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        data = tmpdir / "orders.jsonl"
        with data.open("w") as handle:
            for line in generate_lines(count):
                handle.write(line + "\n")
        ours_url = f"sqlite+aiosqlite:///{tmpdir / 'ours.db'}"
        base_db = tmpdir / "baseline.db"
        await upgrade(ours_url)
        await upgrade(f"sqlite+aiosqlite:///{base_db}")

        base_s = raw_sqlite_baseline(data, base_db)
        ours_s, created = await doorstep_import(data, ours_url)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ours_rate, base_rate = created / ours_s, count / base_s
    print(f"orders:                 {count:,}")
    print(f"doorstep import:        {ours_s:6.2f} s  {ours_rate:10,.0f} orders/s  (target >= 20,000)")
    print(f"raw sqlite3 baseline:   {base_s:6.2f} s  {base_rate:10,.0f} orders/s")
    print(f"ratio doorstep/raw:     {ours_rate / base_rate:.3f}  (target >= 0.2)")
    print(f"peak memory (RSS):      {peak_mb:.0f} MB  (target < 300 MB)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    asyncio.run(main(parser.parse_args().orders))
