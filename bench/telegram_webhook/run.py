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
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench.telegram_webhook.server import LINK_SECRET, WEBHOOK_SECRET
from bench.webhook_load import (
    CAPACITY,
    LATENCY,
    Figures,
    Process,
    ServerCost,
    Shopper,
    cpu_seconds,
    figures,
    measure,
    percentile,
    run_shopper,
    seed,
    warm_up,
)
from bot.channels.telegram.webhook import SECRET_HEADER, WEBHOOK_PATH
from bot.channels.telegram.wording import OFFER_TEXT
from tests.fakes.telegram_updates import make_text_update
from tests.loopback import free_port

TOKEN = "424242:BENCH-TOKEN"
FIRST_CHAT = 910_000


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

    def message(self, chat: int, text: str) -> bytes:
        """A fresh update from ``chat`` saying ``text``."""
        update_id = next(self.update_ids)
        return json.dumps(make_text_update(chat, text, update_id, "Ann", message_id=update_id)).encode()

    async def close(self) -> None:
        """Close the session."""
        await self.session.close()


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
            await warm_up(client, shoppers, LINK_SECRET, "/start {token}")
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
