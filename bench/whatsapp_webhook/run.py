"""Benchmark: doorstep's WhatsApp webhook under 50 concurrent shoppers, against a bare aiohttp handler.

Three processes on loopback: the fake Graph API (FakeWhatsApp, no rate limits: a local Cloud API),
the server under test, and this client. The server under test is first doorstep itself
(``build_app`` with every default feature, SQLite, seeded orders, WhatsApp on, replies sent through
pywa to the fake), then a bare aiohttp handler that checks the same ``X-Hub-Signature-256`` and
parses the same JSON.

Load model. Each of ``--shoppers`` simulated shoppers owns a WhatsApp number and POSTs one signed
notification at a time to ``/whatsapp/webhook``, waiting for the 200 before the next one, as Meta
does. doorstep acknowledges a notification only after its replies were accepted by the Graph API,
so a POST's latency is the whole "message in -> reply delivered" time. Shoppers alternate "where is
my order?" (answered with the order's tracking: they were verified by the text of a wa.me link
during warm-up) and "hi" (the menu, an interactive list); every ``--redeliver-every``-th POST
repeats the previous notification (same message id), as Meta does after a timeout, and must get
no second reply.

- capacity phase (``--seconds``): no think time: messages/s at saturation, compared with the bare
  handler under the same client and load (ratio);
- latency phase (``--seconds``): the shoppers think ``--think-seconds`` on average (exponential)
  between a reply and their next message: latency under load.

Afterwards the fake's recorded messages are checked number by number against what each shopper
should have received, in order: lost, duplicated and out-of-order replies are counted.

Targets: ratio >= 0.15, p99 <= 50 ms (latency phase), zero lost or duplicated replies.

    .venv/bin/python -m bench.whatsapp_webhook.run [--shoppers 50] [--seconds 20] [--think-seconds 1]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

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
    run_shopper,
    seed,
    warm_up,
)
from bench.whatsapp_webhook.server import APP_SECRET, LINK_SECRET, PHONE_NUMBER_ID
from bot.channels.whatsapp.webhook import WEBHOOK_PATH
from bot.channels.whatsapp.wording import OFFER_TEXT
from tests.fakes.whatsapp_payloads import contact, encode, inbound, notification, sign_body
from tests.loopback import free_port

FIRST_NUMBER = 4_915_550_300_000
#: the kinds of message the fake records that are replies (not read marks)
REPLY_KINDS = ("text", "interactive.button", "interactive.list")


def kind_of(text: str) -> str:
    """Which answer a reply is."""
    if "(order #" in text and "on its way" in text:
        return "status"
    if text.startswith("Hi Ann"):
        return "menu"
    if "Thanks, Ann, you're all set" in text:  # the first reply, after the disclosure
        return "link_ok"
    if text == OFFER_TEXT:
        return "offer"
    return f"other: {text[:60]}"


def reply_text(body: dict[str, Any]) -> str:
    """The text of a recorded ``messages`` call."""
    if body.get("type") == "text":
        return str(body["text"]["body"])
    return str(body["interactive"]["body"]["text"])


class Client:
    """Posts notifications like Meta does (one aiohttp session, one connection per shopper)."""

    def __init__(self, base_url: str, concurrency: int) -> None:
        self.url = f"{base_url}{WEBHOOK_PATH}"
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency),
            timeout=aiohttp.ClientTimeout(total=60),
        )
        self.ids = itertools.count(1)
        self.posts = 0

    def message(self, chat: int, text: str) -> bytes:
        """A fresh signed-to-be notification: the number ``chat`` typed ``text``."""
        wa_id = str(chat)
        item = inbound(
            wa_id, f"wamid.bench{next(self.ids):010d}", int(time.time()), "text", text={"body": text}
        )
        return encode(
            notification(PHONE_NUMBER_ID, "15550100", messages=[item], contacts=[contact(wa_id, "Ann Lee")])
        )

    async def post(self, body: bytes) -> tuple[float, float, int]:
        """POST one notification, signed; (sent, acked, status) on the monotonic clock."""
        self.posts += 1
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign_body(body, APP_SECRET)}
        sent = time.monotonic()
        async with self.session.post(self.url, data=body, headers=headers) as response:
            await response.read()
            status = response.status
        return sent, time.monotonic(), status

    async def close(self) -> None:
        """Close the session."""
        await self.session.close()


@dataclass
class Check:
    """How the replies the fake received compare with what each shopper should have got."""

    expected: int = 0
    received: int = 0
    lost: int = 0
    duplicated: int = 0
    out_of_order: int = 0
    other: int = 0
    examples: list[str] = field(default_factory=list)


def check_replies(shoppers: list[Shopper], calls: list[dict[str, Any]]) -> Check:
    """Compare per number, in order."""
    by_number: dict[str, list[str]] = {}
    for call in calls:
        if call["status"] == 200 and call["method"] in REPLY_KINDS:
            by_number.setdefault(str(call["params"]["to"]), []).append(kind_of(reply_text(call["params"])))
    check = Check()
    for shopper in shoppers:
        kinds = by_number.get(str(shopper.chat), [])
        check.expected += len(shopper.expected)
        check.received += len(kinds)
        others = [kind for kind in kinds if kind.startswith("other")]
        check.other += len(others)
        if others and not check.examples:
            check.examples = others[:3]
        want, have = Counter(shopper.expected), Counter(kinds)
        check.lost += sum((want - have).values())
        check.duplicated += sum((have - want).values())
        if kinds != shopper.expected and want == have:
            check.out_of_order += 1
    return check


async def run_full(
    args: argparse.Namespace, workdir: Path
) -> tuple[dict[str, float], list[Shopper], Check, ServerCost]:
    """doorstep under load; returns (elapsed per phase, shoppers, reply check, CPU cost)."""
    database_url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    customer_ids = await seed(database_url, args.shoppers)
    fake = Process("-m", "bench.whatsapp_webhook.server", "fake", "--port", str(free_port()))
    fake_url = fake.ready_line().split()[1]
    port = free_port()
    server = Process(
        "-m", "bench.whatsapp_webhook.server", "full", "--port", str(port),
        "--database-url", database_url, "--fake-url", fake_url,
        *(("--profile", args.profile) if args.profile else ()),
    )  # fmt: skip
    elapsed: dict[str, float] = {}
    try:
        server.ready_line()
        client = Client(f"http://127.0.0.1:{port}", args.shoppers)
        try:
            shoppers = [Shopper(FIRST_NUMBER + i, customer_id) for i, customer_id in enumerate(customer_ids)]
            await warm_up(client, shoppers, LINK_SECRET)
            elapsed[CAPACITY] = await measure(client, shoppers, CAPACITY, args)
            elapsed[LATENCY] = await measure(client, shoppers, LATENCY, args, args.think_seconds)
            await asyncio.sleep(0.5)  # anything acknowledged late (it should not happen) lands now
            async with client.session.get(f"{fake_url}/_fake/calls") as response:
                calls = await response.json()
        finally:
            await client.close()
    finally:
        output = server.stop()
        fake.stop()
    return elapsed, shoppers, check_replies(shoppers, calls), ServerCost(client.posts, cpu_seconds(output))


async def run_bare(args: argparse.Namespace) -> tuple[float, list[Shopper], ServerCost]:
    """The bare handler under the same client and load, capacity phase only."""
    port = free_port()
    server = Process("-m", "bench.whatsapp_webhook.server", "bare", "--port", str(port))
    try:
        server.ready_line()
        client = Client(f"http://127.0.0.1:{port}", args.shoppers)
        try:
            shoppers = [Shopper(FIRST_NUMBER + i, 0) for i in range(args.shoppers)]
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
    costs: tuple[ServerCost, ServerCost],
) -> int:
    """Print every figure; 1 when a target is missed."""
    capacity, latency = full[CAPACITY], full[LATENCY]
    ratio = capacity.rate / bare.rate if bare.rate else float("nan")
    print(
        f"{args.shoppers} shoppers over loopback, {args.seconds:.0f} s per phase; SQLite; Graph API fake in its own process"
    )
    print(
        f"doorstep, capacity (no think time):  {capacity.rate:7.1f} messages/s   POST p50 {capacity.p50:7.1f} ms"
        f"  p99 {capacity.p99:7.1f} ms   errors {capacity.errors}"
    )
    print(
        f"doorstep, {args.think_seconds:g} s mean think time:     {latency.rate:7.1f} messages/s   POST p50 "
        f"{latency.p50:7.1f} ms  p99 {latency.p99:7.1f} ms   errors {latency.errors}"
    )
    print(
        f"replies: expected {check.expected}, received {check.received}, lost {check.lost}, duplicated "
        f"{check.duplicated}, numbers out of order {check.out_of_order}, unexpected texts {check.other}; "
        f"redelivered notifications {capacity.redelivered + latency.redelivered} (no reply each)"
    )
    if check.examples:
        print(f"unexpected texts, e.g.: {check.examples}")
    print(
        f"bare aiohttp handler, same signature check and JSON (no think time): {bare.rate:7.1f} req/s"
        f"   p50 {bare.p50:7.1f} ms  p99 {bare.p99:7.1f} ms   errors {bare.errors}"
    )
    ours, baseline = costs
    print(
        f"server CPU per POST (all threads, warm-up included): doorstep {ours.ms_per_post:.3f} ms, "
        f"bare {baseline.ms_per_post:.3f} ms"
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
    with tempfile.TemporaryDirectory(prefix="doorstep-bench-wa-") as tmp:
        elapsed, shoppers, check, cost = await run_full(args, Path(tmp))
    full = {phase: figures(seconds, shoppers, phase) for phase, seconds in elapsed.items()}
    bare_elapsed, bare_shoppers, bare_cost = await run_bare(args)
    bare = figures(bare_elapsed, bare_shoppers, CAPACITY)
    return report(args, full, bare, check, (cost, bare_cost))


def main() -> None:
    """Entry point of ``python -m bench.whatsapp_webhook.run``."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.whatsapp_webhook.run", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--shoppers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase")
    parser.add_argument(
        "--think-seconds", type=float, default=1.0, help="mean think time of the latency phase"
    )
    parser.add_argument(
        "--redeliver-every", type=int, default=25, help="every N-th POST repeats the last one"
    )
    parser.add_argument("--profile", default="", help="cProfile doorstep's server into this file (slows it)")
    raise SystemExit(asyncio.run(main_async(parser.parse_args())))


if __name__ == "__main__":
    main()
