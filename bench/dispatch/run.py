"""Benchmark: 5,000 queued messages to 1,000 Telegram chats through the dispatcher.

FakeTelegram runs in its own process and enforces Telegram's limits scaled x10 with 429s:
300 messages/s overall and 10/s per chat. The dispatcher claims the outbox rows (SQLite),
re-checks each message against its order and customer, paces the sends with the same limits
and records the results. Printed: achieved rate / allowed rate (target >= 0.9), 429s provoked
after the first (target 0), duplicates and lost messages (target 0 and 0).

Baseline, in the same run: the same fake limits hit by an unpaced sender (python-telegram-bot
calls as fast as 64 concurrent tasks go) for a sample of messages, to show what the pacing saves.

    .venv/bin/python -m bench.dispatch.run [--messages 5000] [--chats 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sqlite3
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telegram import Bot
from telegram.error import RetryAfter

from bot.channels.senders import SenderRegistry, SendLimits
from bot.channels.telegram.sender import TelegramSender
from bot.channels.telegram.transport import AiohttpRequest
from bot.clock import SystemClock
from bot.config import Settings
from bot.notify.dispatcher import Dispatcher
from storage.migrate import upgrade
from storage.schemas import OrderIn
from storage.store import Store
from tests.fakes.serve import sent_messages, start_telegram

TOKEN = "123456:BENCH-TOKEN"
GLOBAL_RATE = 300.0
CHAT_RATE = 10.0


def _order(n: int, chats: int) -> dict[str, Any]:
    customer = n % chats
    return {
        "order_number": str(500000 + n),
        "placed_at": "2026-11-20T14:03:00Z",
        "status": "open",
        "customer": {
            "email": f"chat{customer}@example.com",
            "name": f"Shopper {customer}",
            "timezone": "UTC",
        },
        "items": [{"sku": "KT-200", "name": "Kettle Pro 200", "category": "kitchen-appliance"}],
        "shipments": [
            {
                "carrier": "UPS",
                "tracking_number": f"1ZDISP{n:08d}",
                "tracking_url": f"https://track.example.test/1ZDISP{n:08d}",
                "status": "in_transit",
                "skus": ["KT-200"],
            }
        ],
    }


async def seed(url: str, db: Path, messages: int, chats: int) -> None:
    """One order per message, ``chats`` customers with a verified Telegram chat, one queued
    ``shipped`` message per order (chats interleaved, as messages arrive in real life)."""
    async with Store(url) as store, store.transaction() as repos:
        await repos.orders.upsert_many([OrderIn.model_validate(_order(n, chats)) for n in range(messages)])
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    conn = sqlite3.connect(db)
    customers = dict(conn.execute("SELECT email, id FROM customers"))
    conn.executemany(
        "INSERT INTO channel_identities (channel, external_id, customer_id, verified, verified_at, "
        "accepted_updates, opted_out_categories, unreachable, created_at) VALUES ('telegram', ?, ?, 1, ?, 1, '[]', 0, ?)",
        [(str(700_000 + c), customers[f"chat{c}@example.com"], now, now) for c in range(chats)],
    )
    orders = conn.execute(
        "SELECT orders.id, orders.order_number, orders.customer_id, shipments.id FROM orders "
        "JOIN shipments ON shipments.order_id = orders.id ORDER BY orders.id"
    ).fetchall()
    by_customer = {cid: int(email.removeprefix("chat").split("@")[0]) for email, cid in customers.items()}
    conn.executemany(
        "INSERT INTO outbox (dedupe_key, order_id, customer_id, kind, channel, recipient, payload, scheduled_at, "
        "status, attempts, created_at) VALUES (?, ?, ?, 'shipped', 'telegram', ?, ?, ?, 'pending', 0, ?)",
        [
            (
                f"{number}:shipped:-:-",
                order_id,
                customer_id,
                str(700_000 + by_customer[customer_id]),
                json.dumps(
                    {
                        "text": f"Good news: your order {number} has shipped with UPS.",
                        "buttons": [{"title": "Track parcel", "payload": "order_status"}],
                        "links": [],
                        "category": "shipping_updates",
                        "shipment_id": shipment_id,
                    }
                ),
                now,
                now,
            )
            for order_id, number, customer_id, shipment_id in orders
        ],
    )
    conn.commit()
    conn.close()


async def dispatch(url: str, base_url: str, batch: int) -> float:
    """Drain the outbox through the dispatcher; returns seconds."""
    settings = Settings(
        database_url=url, dispatcher_batch_size=batch, quiet_hours_start="00:00", quiet_hours_end="00:00"
    )
    bot = Bot(TOKEN, base_url=f"{base_url}/bot", request=AiohttpRequest(pool_size=batch))
    async with Store(url) as store, bot:
        senders = SenderRegistry()
        senders.register(
            TelegramSender(bot), limits=SendLimits(per_second=GLOBAL_RATE, per_recipient_per_second=CHAT_RATE)
        )
        dispatcher = Dispatcher(store, SystemClock(), settings, senders, worker="bench")
        start = time.perf_counter()
        while True:
            report = await dispatcher.drain()
            async with store.transaction() as repos:
                left = len(await repos.outbox.by_status(status="pending"))
            if not left:
                break
            if report.sent == 0:
                await asyncio.sleep(0.2)  # retries wait for their time
        return time.perf_counter() - start


async def unpaced(base_url: str, count: int, chats: int) -> tuple[float, int]:
    """Baseline: ``count`` sends as fast as 64 tasks go, no pacing; returns seconds and 429s."""
    bot = Bot(TOKEN, base_url=f"{base_url}/bot", request=AiohttpRequest(pool_size=64))
    throttled = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(n)

    async def worker() -> None:
        nonlocal throttled
        while not queue.empty():
            n = queue.get_nowait()
            try:
                await bot.send_message(chat_id=900_000 + n % chats, text=f"unpaced {n}")
            except RetryAfter:
                throttled += 1

    async with bot:
        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(64)))
        return time.perf_counter() - start, throttled


async def main(messages: int, chats: int, batch: int) -> None:
    """Run the measurements and print the figures."""
    logging.disable(logging.WARNING)
    process, base_url = start_telegram(TOKEN, rate_limit_global=GLOBAL_RATE, rate_limit_per_chat=CHAT_RATE)
    try:
        with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'dispatch.db'}"
            await upgrade(url)
            await seed(url, Path(tmp) / "dispatch.db", messages, chats)
            seconds = await dispatch(url, base_url, batch)
            conn = sqlite3.connect(Path(tmp) / "dispatch.db")
            statuses = dict(conn.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall())
            conn.close()
        ours = [
            c for c in sent_messages(base_url) if str(c["params"].get("text", "")).startswith("Good news")
        ]
        await asyncio.sleep(1.5)  # let the fake's buckets refill before the baseline
        sample = min(messages, 1500)
        base_seconds, base_throttled = await unpaced(base_url, sample, chats)
    finally:
        process.terminate()
        process.wait(timeout=10)

    delivered = Counter(c["params"]["text"] for c in ours if c["status"] == 200)
    throttled = [c for c in ours if c["status"] == 429]
    after_first = max(0, len(throttled) - 1)
    duplicates = sum(n - 1 for n in delivered.values() if n > 1)
    lost = messages - len(delivered)
    achieved = messages / seconds
    print(
        f"messages:                 {messages:,} to {chats:,} chats (fake limits {GLOBAL_RATE:.0f}/s, {CHAT_RATE:.0f}/s per chat)"
    )
    print(f"dispatcher:               {seconds:6.2f} s  {achieved:7.1f} messages/s")
    print(f"achieved / allowed rate:  {achieved / GLOBAL_RATE:.3f}  (target >= 0.9)")
    print(f"429s provoked:            {len(throttled)} ({after_first} after the first; target 0)")
    print(f"duplicates:               {duplicates}  (target 0)")
    print(f"lost:                     {lost}  (target 0); outbox: {json.dumps(statuses, sort_keys=True)}")
    base_rate = sample / base_seconds
    print(
        f"baseline unpaced sender:  {sample:,} sends in {base_seconds:.2f} s ({base_rate:,.0f} calls/s), "
        f"{base_throttled} answered 429"
    )
    print(
        f"429s per message:         paced {len(throttled) / messages:.3f} vs unpaced baseline "
        f"{base_throttled / sample:.3f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument(
        "--batch", type=int, default=128, help="messages in flight (the x10 rate needs a longer look-ahead)"
    )
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.chats, args.batch))
