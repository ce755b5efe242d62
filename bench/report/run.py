"""Benchmark: the outcome report over 100,000 orders and 200,000 conversations on SQLite.

Builds a SQLite file (migrated by Alembic, rows written straight with sqlite3 for speed): the
orders' customers, one shipment per order shipped over the last 45 days, about 2.5 proactive
messages sent per order (none of the shipping updates for a 20% holdout), a decision-log entry per
message plus suppressions (holdout, touch cap, no chat), 150,000 chat threads and 200,000
conversation days over the last 30 days in every outcome (answers, fallbacks, small talk, mid-flow,
handoffs; returns within 72 hours and within 7 days), written in time order with their returns marked
as the engine writes them. Then, in the same run:

- ``bot.report.summary.build_report`` for the last 30 days, through the app's own Store: every
  grouped query of the report (outcomes with the 72-hour return check, WISMO contacts split by
  proactive messages and holdout group, shipments, proactive counts, touches per order);
- a hand-written single SQL statement for the WISMO rate alone (contacts per 100 shipments) with
  sqlite3 on a plain connection: the floor of any report that reads the same tables.

Printed: the best of ``--repeat`` runs of each, wall clock and process CPU time (SQLite runs on the
event loop's thread, so CPU time is the work itself, free of other processes on a shared machine),
their ratio, and both WISMO rates (they must agree). Target: the whole report <= 2 s.

    .venv/bin/python -m bench.report.run [--orders 100000] [--conversations 200000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.report.period import parse_period
from bot.report.summary import ReportOptions, build_report
from storage.migrate import upgrade
from storage.repositories.reports import in_holdout
from storage.store import Store

TARGET_SECONDS = 2.0
HOLDOUT = 20
DAYS = 30
SHIPPING = ("shipped", "out_for_delivery", "delivered")
INTENTS = (
    ("order_status", 45),
    ("delivery_problem", 10),
    ("return_request", 10),
    ("return_policy", 8),
    ("setup_help", 12),
    ("refund_status", 6),
    ("cancel_order", 4),
    ("change_order", 3),
    ("notification_preferences", 2),
)

#: the hand-written baseline: one statement, WISMO contacts per 100 shipments in the period
WISMO_SQL = """
SELECT 100.0 * (
  SELECT COUNT(*) FROM conversation_days
  WHERE day >= ? AND day <= ? AND first_intent = 'order_status'
) / (
  SELECT COUNT(*) FROM shipments WHERE shipped_at >= ? AND shipped_at < ?
)
"""


def _ts(at: datetime) -> str:
    return at.replace(tzinfo=None).isoformat(" ", "microseconds")


def seed(db: Path, orders: int, conversations: int, today: date, rng: random.Random) -> dict[str, int]:
    """Write the shop's rows with sqlite3; answers the row counts."""
    conn = sqlite3.connect(db)
    now = datetime.combine(today, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    customers = orders * 2 // 3
    conn.executemany(
        "INSERT INTO customers (id, email, name, timezone, locale, created_at) VALUES (?, ?, ?, 'UTC', 'en', ?)",
        ((i, f"shopper{i}@example.com", f"Shopper {i}", _ts(now)) for i in range(1, customers + 1)),
    )
    order_rows, shipment_rows, outbox_rows, decision_rows = [], [], [], []
    for n in range(1, orders + 1):
        customer = 1 + (n * 7919) % customers
        shipped = now - timedelta(days=rng.uniform(0, 45))
        order_rows.append((n, f"B{n}", customer, _ts(shipped - timedelta(days=1)), "open", _ts(now)))
        shipment_rows.append((n, n, "UPS", f"1ZBENCH{n:010d}", "in_transit", _ts(shipped), "[]", _ts(now)))
        held = in_holdout(customer, HOLDOUT)
        for step in range(rng.choice((0, 1, 2, 3, 3, 4, 5, 6))):
            kind = SHIPPING[step % 3] if step < 5 else "delayed"
            at = min(now, shipped + timedelta(hours=6 + 20 * step))
            key = f"B{n}:{kind}:{step}"
            if held and kind != "delayed":
                decision_rows.append((n, kind, "suppressed", "holdout", key, _ts(at)))
                continue
            outbox_rows.append(
                (
                    key,
                    n,
                    customer,
                    kind,
                    "telegram",
                    str(customer),
                    "{}",
                    _ts(at),
                    "sent",
                    1,
                    _ts(at),
                    _ts(at),
                )
            )
            decision_rows.append((n, kind, "queued", "to telegram", key, _ts(at)))
        if n % 9 == 0:
            decision_rows.append(
                (n, "review_request", "suppressed", "touch cap reached (6 of 6)", None, _ts(now))
            )
        if n % 13 == 0:
            decision_rows.append((n, "shipped", "suppressed", "no verified chat identity", None, _ts(now)))
    conn.executemany(
        "INSERT INTO orders (id, order_number, customer_id, placed_at, status, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        order_rows,
    )
    conn.executemany(
        "INSERT INTO shipments (id, order_id, carrier, tracking_number, status, shipped_at, skus, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        shipment_rows,
    )
    conn.executemany(
        "INSERT INTO outbox (dedupe_key, order_id, customer_id, kind, channel, recipient, payload, scheduled_at,"
        " status, attempts, sent_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        outbox_rows,
    )
    conn.executemany(
        "INSERT INTO decision_log (order_id, kind, decision, reason, dedupe_key, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        decision_rows,
    )
    threads = conversations * 3 // 4
    conn.executemany(
        "INSERT INTO conversations (id, channel, external_id, state, slots, version, updated_at)"
        " VALUES (?, 'web', ?, 'idle', '{}', 1, ?)",
        ((i, f"visitor-{i}", _ts(now)) for i in range(1, threads + 1)),
    )
    intents = [name for name, weight in INTENTS for _ in range(weight)]
    days: dict[tuple[int, date], tuple[Any, ...]] = {}
    while len(days) < conversations:
        thread = rng.randint(1, threads)
        started = now - timedelta(days=rng.uniform(0, DAYS - 1))
        if (thread, started.date()) in days:
            continue
        last = started + timedelta(minutes=rng.uniform(0, 20))
        roll = rng.random()
        verified = rng.random() < 0.6
        order = rng.randint(1, orders) if verified or rng.random() < 0.3 else None
        customer = 1 + (order * 7919) % customers if order and verified else None
        intent = rng.choice(intents) if roll > 0.15 else None
        answers, waits, fallbacks, smalltalk, handoffs, in_flow = (
            (0, 0, 0, 1, 0, 0)
            if roll < 0.1
            else (0, 0, 2, 0, 0, 0)
            if roll < 0.15
            else (0, 1, 0, 1, 0, 1)
            if roll < 0.25
            else (1, 0, 1, 0, 1, 0)
            if roll < 0.32
            else (1, rng.randint(0, 2), 0, rng.randint(0, 1), 0, 0)
        )
        subject = f"o:B{order}" if order and answers else (f"i:{intent}" if intent else None)
        days[(thread, started.date())] = (
            thread,
            started.date().isoformat(),
            "web",
            customer,
            f"B{order}" if order and answers else None,
            f"c:{customer}" if customer else f"t:{thread}",
            subject,
            intent,
            started,
            last,
            answers + waits + fallbacks + smalltalk,
            answers,
            waits,
            fallbacks,
            smalltalk,
            handoffs,
            in_flow,
        )
    # as the engine writes them: in time order, a return marking the party's earlier days on the subject
    rows = sorted(days.values(), key=lambda row: row[8])
    returns: dict[int, int] = {}
    latest: dict[tuple[str, str], list[int]] = {}
    for i, row in enumerate(rows):
        if row[6] is None:
            continue
        for j in latest.get((row[5], row[6]), []):
            if rows[j][1] < row[1] and j not in returns:
                returns[j] = round((row[8] - rows[j][9]).total_seconds())
        latest.setdefault((row[5], row[6]), []).append(i)
    conn.executemany(
        "INSERT INTO conversation_days (conversation_id, day, channel, customer_id, order_number, party, subject,"
        " first_intent, started_at, last_at, turns, answers, waits, fallbacks, smalltalk, handoffs, in_flow,"
        " return_seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ((*row[:8], _ts(row[8]), _ts(row[9]), *row[10:], returns.get(i)) for i, row in enumerate(rows)),
    )
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()
    return {
        "orders": orders,
        "customers": customers,
        "outbox": len(outbox_rows),
        "decisions": len(decision_rows),
        "conversation days": len(days),
    }


async def time_report(url: str, today: date, repeat: int) -> tuple[float, float, dict[str, Any]]:
    """Best wall and process CPU time of ``repeat`` reports for the last 30 days, and the report
    (SQLite runs on the event loop's thread: the CPU time is the report's own work)."""
    period = parse_period(None, None, today=today)
    wall, cpu, found = float("inf"), float("inf"), {}
    async with Store(url) as store:
        for _ in range(repeat):
            started, used = time.perf_counter(), time.process_time()
            found = await build_report(store, period, ReportOptions(holdout_percent=HOLDOUT))
            wall = min(wall, time.perf_counter() - started)
            cpu = min(cpu, time.process_time() - used)
    return wall, cpu, found


def time_wismo_sql(db: Path, today: date, repeat: int) -> tuple[float, float, float]:
    """Best wall and CPU time of the hand-written WISMO statement, and its rate."""
    period = parse_period(None, None, today=today)
    params = (period.since.isoformat(), period.until.isoformat(), _ts(period.start), _ts(period.end))
    conn = sqlite3.connect(db)
    wall, cpu, rate = float("inf"), float("inf"), 0.0
    for _ in range(repeat):
        started, used = time.perf_counter(), time.process_time()
        rate = float(conn.execute(WISMO_SQL, params).fetchone()[0])
        wall = min(wall, time.perf_counter() - started)
        cpu = min(cpu, time.process_time() - used)
    conn.close()
    return wall, cpu, rate


def main() -> int:
    """Seed, time both, print; exit 1 when the report is over the target or the rates disagree."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--conversations", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    today = datetime.now(UTC).date()
    with tempfile.TemporaryDirectory(prefix="doorstep-bench-report-") as tmp:
        db = Path(tmp) / "report.db"
        url = f"sqlite+aiosqlite:///{db}"
        started = time.perf_counter()
        asyncio.run(upgrade(url))
        counts = seed(db, args.orders, args.conversations, today, random.Random(13))
        print(
            f"seeded in {time.perf_counter() - started:.1f} s: "
            + ", ".join(f"{v:,} {k}" for k, v in counts.items())
        )
        report_s, report_cpu, report = asyncio.run(time_report(url, today, args.repeat))
        sql_s, sql_cpu, sql_rate = time_wismo_sql(db, today, args.repeat)
    conv, wismo = report["conversations"], report["wismo"]
    print(f"report: {conv['total']:,} conversations {json.dumps(conv['by_outcome'])}")
    print(
        f"  WISMO {wismo['contacts']:,} contacts / {wismo['shipments']:,} shipments = "
        f"{wismo['per_100_shipments']} per 100; holdout: {report['holdout']['conclusion']}"
    )
    print(f"best of {args.repeat}, wall clock and process CPU time (load average {os.getloadavg()[0]:.1f}):")
    print(
        f"  whole report (build_report, {len(report['daily'])} days)  wall {report_s * 1000:8.1f} ms   CPU {report_cpu * 1000:8.1f} ms"
    )
    print(
        f"  hand-written WISMO statement     wall {sql_s * 1000:8.1f} ms   CPU {sql_cpu * 1000:8.1f} ms   rate {sql_rate:.2f}"
    )
    print(
        f"ratio report / single statement: {report_s / sql_s:.1f} wall, {report_cpu / max(sql_cpu, 1e-9):.1f} CPU"
        f"   (target: report <= {TARGET_SECONDS:.0f} s)"
    )
    agree = abs(round(sql_rate, 2) - (wismo["per_100_shipments"] or 0.0)) < 0.01
    if not agree:
        print("the two WISMO rates disagree")
    return 0 if min(report_s, report_cpu) <= TARGET_SECONDS and agree else 1


if __name__ == "__main__":
    raise SystemExit(main())
