"""Benchmark: scripted shopper messages through the conversation engine, in process.

Loads 100,000 generated orders (``bench.import_orders.run.generate_lines``) into a SQLite file
with ``bot.imports.orders.import_orders``, trains the NLU and indexes the demo-shop knowledge
base plus 5,000 synthetic articles, then sends 10,000 scripted messages from 1,000 shoppers
(``bench.reply.script``: greetings, "where is my order", order number + email/phone, follow-ups,
return policy, setup help, out-of-scope, button presses, goodbyes) through ``Engine.handle`` one
at a time, timing each call (wall clock and process CPU time). The garbage collector is frozen
after loading, as a service would after start-up.

In the same run:

- baselines (``bench.reply.baseline``): the same messages through a bare handler doing one
  SELECT by primary key + one INSERT + commit per message, with SQLAlchemy Core on the very
  engine doorstep uses (the ratio is against this one), and with bare aiosqlite;
- unit costs (``bench.reply.costs``): a transaction, one select through the ORM / Core / bare
  aiosqlite / sync sqlite3, the order look-up, the per-message writes, the NLU;
- an instrumented pass on fresh shoppers (``bench.reply.probes``): SQL statements per message by
  table, driver thread round trips, and the time in SQL, NLU and search.

Options: ``--profile`` adds a cProfile pass (event-loop thread CPU time) on fresh shoppers and
prints time by library and the top 30 functions by cumulative and by total time;
``--inline-sqlite`` adds a pass comparing the shipped driver (SQLite called on the loop thread,
``storage.sqlite_inline``) with the stock aiosqlite driver. Targets: p99 <= 10 ms and
>= 1,000 messages/s on one core.

    .venv/bin/python -m bench.reply.run [--orders 100000] [--messages 10000] [--shoppers 1000]
                                        [--profile [--profile-out FILE]] [--inline-sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import os
import random
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from bench.import_orders.run import generate_lines
from bench.reply.baseline import BaselineMessage, run_core, run_raw
from bench.reply.costs import UnitCost, print_costs, select_costs, unit_costs
from bench.reply.passes import run_pass
from bench.reply.probes import SqlProbe, TimedIndex, TimedParser
from bench.reply.report import latency_line, print_main, print_profile
from bench.reply.script import FIRST_ORDER, Step, build_script
from bot.clock import FakeClock
from bot.engine.engine import Engine
from bot.engine.factory import build_nlu
from bot.imports.orders import import_orders
from bot.nlu import Nlu
from handlers.context import Knowledge
from knowledge import KnowledgeBase, SearchIndex, default_kb_dir, load_knowledge_base
from knowledge.synthetic import generate_articles
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.store import Store

START = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


@dataclass(slots=True)
class Bench:
    """Everything loaded once and shared by the passes."""

    args: argparse.Namespace
    db: Path
    store: Store
    nlu: Nlu
    knowledge: Knowledge
    clock: FakeClock

    @property
    def customers(self) -> int:
        """Customers in the order data (two orders each)."""
        return self.args.orders // 2

    def engine(
        self,
        store: Store | None = None,
        nlu: Nlu | TimedParser | None = None,
        knowledge: Knowledge | None = None,
    ) -> Engine:
        """An engine as ``bot.engine.factory.build_engine`` makes it (no link verifier needed)."""
        return Engine(
            store=store or self.store,
            nlu=nlu or self.nlu,
            knowledge=knowledge or self.knowledge,
            clock=self.clock,
        )

    def script(self, messages: int, seed_offset: int, prefix: str, shoppers: int | None = None) -> list[Step]:
        """A script of ``messages`` from fresh shoppers (ten messages each unless told)."""
        return build_script(
            messages,
            shoppers or max(1, messages // 10),
            seed=self.args.seed + seed_offset,
            prefix=prefix,
            customers=self.customers,
        )


async def load_orders(store: Store, count: int) -> float:
    """Import ``count`` generated orders; returns seconds."""
    start = time.perf_counter()
    report = await import_orders(store, generate_lines(count))
    assert report.rejected == 0 and report.created == count, (report.rejected, report.created)
    return time.perf_counter() - start


def load_knowledge(synthetic: int) -> Knowledge:
    """The demo-shop KB plus ``synthetic`` generated articles, and their search index."""
    articles = list(load_knowledge_base(default_kb_dir()).articles) + generate_articles(synthetic, seed=42)
    return Knowledge(base=KnowledgeBase(articles), index=SearchIndex.build(articles))


async def baseline_messages(
    store: Store, steps: Sequence[Step], conversations: dict[str, int], seed: int
) -> list[BaselineMessage]:
    """Each step as (an order id picked per shopper, the shopper's conversation id, text, payload)."""
    async with store.engine.connect() as conn:
        low, high = (await conn.execute(text("SELECT min(id), max(id) FROM orders"))).one()
    rng = random.Random(seed)
    order_of = {shopper: rng.randint(low, high) for shopper in sorted(conversations)}
    return [(order_of[s.shopper], conversations[s.shopper], s.text, s.payload) for s in steps]


async def main_pass(bench: Bench) -> list[BaselineMessage]:
    """Warm up, run the script, the baselines and the unit costs; print them. Returns the baseline messages."""
    args = bench.args
    engine = bench.engine()
    await run_pass(engine, bench.clock, bench.script(args.warmup, 1, "warm"), "warm")
    script = build_script(args.messages, args.shoppers, seed=args.seed, customers=bench.customers)
    result = await run_pass(engine, bench.clock, script, "main")
    base_msgs = await baseline_messages(bench.store, script, result.conversations, args.seed)
    core = await run_core(bench.store.engine, base_msgs, bench.clock.now())
    raw = await run_raw(bench.db, base_msgs, bench.clock.now())
    print_main(result, core, raw)
    shoppers = sorted(result.conversations)
    costs = await unit_costs(
        bench.store,
        bench.db,
        shoppers=shoppers,
        order_numbers=[str(FIRST_ORDER + (k * 7919) % args.orders) for k in range(500)],
        conversation_id=result.conversations[shoppers[0]],
        now=bench.clock.now(),
        parse=bench.nlu.parse,
        texts=[step.text for step in script if step.text][:3000],
    )
    print_costs(costs)
    return base_msgs


async def breakdown(bench: Bench) -> None:
    """An instrumented pass on fresh shoppers: SQL statements, round trips, NLU and search time per message."""
    parser, index = TimedParser(bench.nlu), TimedIndex.adopt(bench.knowledge.index)
    engine = bench.engine(nlu=parser, knowledge=Knowledge(base=bench.knowledge.base, index=index))
    steps = bench.script(bench.args.breakdown, 2, "probe")
    with SqlProbe(bench.store.engine) as sql:
        result = await run_pass(engine, bench.clock, steps, "probe")
    n, total = len(steps), sum(result.latencies)
    print(
        f"\nwhere the time goes (instrumented pass, {n:,} messages from fresh shoppers; probes add overhead):"
    )
    print(f"  mean latency {1000 * total / n:.3f} ms/msg (wall)")
    rows = (
        (f"SQL statements ({sql.statements / n:.1f}/msg, {sql.commits / n:.2f} commits/msg)", sql.seconds),
        (f"NLU parse ({parser.calls / n:.2f} calls/msg)", parser.seconds),
        (f"KB search ({index.calls / n:.2f} calls/msg)", index.seconds),
    )
    rest = total - sum(seconds for _, seconds in rows)
    for label, seconds in (*rows, ("the rest: engine, handlers, ORM, transaction, loop", rest)):
        print(f"  {label:<52} {1000 * seconds / n:6.3f} ms/msg  {100 * seconds / total:5.1f} %")
    print(f"  aiosqlite worker-thread round trips: {sql.round_trips / n:.1f}/msg")
    print("  statements per message (verb + first table):")
    for kind, count in sql.kinds.most_common(14):
        print(f"    {kind:<36} {count / n:5.2f}")


async def inline_what_if(bench: Bench, base_msgs: Sequence[BaselineMessage]) -> None:
    """The same script through the shipped inline SQLite driver and the stock aiosqlite one, with unit costs."""
    n = bench.args.inline_messages
    print(
        f"\ndriver comparison: SQLite inline on the loop thread vs aiosqlite, {n:,} messages each, fresh shoppers:"
    )
    stock = create_engine(bench.store.url, inline_sqlite=False)
    async with Store(bench.store.url, engine=stock) as aiosqlite_store:
        inline_store = bench.store
        conversations: dict[str, int] = {}
        for label, store, prefix in (
            ("aiosqlite (stock driver)", aiosqlite_store, "cmpa"),
            ("inline sqlite3 (as shipped)", inline_store, "cmpb"),
        ):
            engine = bench.engine(store=store)
            await run_pass(engine, bench.clock, bench.script(100, 5, f"warm{prefix}"), f"warm{prefix}")
            result = await run_pass(engine, bench.clock, bench.script(n, 4, prefix), prefix)
            conversations = result.conversations
            print(latency_line(f"{label}, wall", result.latencies, result.wall))
            print(latency_line(f"{label}, CPU", result.cpu))
        shoppers = sorted(conversations)
        some = conversations[shoppers[0]]
        costs = await select_costs(aiosqlite_store, shoppers, some, 500, " [aiosqlite]")
        costs += await select_costs(inline_store, shoppers, some, 500, " [inline]")
        core = await run_core(inline_store.engine, base_msgs[:2000], bench.clock.now())
        costs.append(
            UnitCost(
                "SA Core baseline message [inline]",
                1000 * sum(core.wall) / len(core.wall),
                1000 * sum(core.cpu) / len(core.cpu),
            )
        )
        print_costs(costs)


async def profile_pass(bench: Bench) -> None:
    """A cProfile pass (event-loop thread CPU time) on fresh shoppers; prints the summary."""
    steps = bench.script(bench.args.profile_messages, 3, "prof")
    engine = bench.engine()
    profile = cProfile.Profile(time.thread_time)
    profile.enable()
    result = await run_pass(engine, bench.clock, steps, "prof")
    profile.disable()
    print(
        f"\nprofiled pass: {len(steps):,} messages from fresh shoppers, "
        f"{len(steps) / result.wall:,.0f} msgs/s under cProfile"
    )
    print_profile(profile)
    if bench.args.profile_out:
        profile.dump_stats(bench.args.profile_out)
        print(f"\nprofile saved to {bench.args.profile_out} (pstats format)")


async def main(args: argparse.Namespace) -> None:
    """Load everything, then run the passes the options ask for."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "reply.db"
        url = f"sqlite+aiosqlite:///{db}"
        await upgrade(url)
        async with Store(url) as store:
            load_s = await load_orders(store, args.orders)
            started = time.perf_counter()
            nlu = build_nlu()
            nlu_s = time.perf_counter() - started
            started = time.perf_counter()
            knowledge = load_knowledge(args.articles)
            kb_s = time.perf_counter() - started
            gc.collect()
            gc.freeze()
            print(
                f"orders loaded:   {args.orders:,} in {load_s:.1f} s ({args.orders / load_s:,.0f} orders/s)"
            )
            print(f"NLU trained:     {nlu_s:.1f} s")
            print(f"knowledge base:  {len(knowledge.base):,} articles indexed in {kb_s:.1f} s")
            print(
                f"script:          {args.messages:,} messages from {args.shoppers:,} shoppers after "
                f"{args.warmup} warm-up messages; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs",
                flush=True,
            )
            bench = Bench(args=args, db=db, store=store, nlu=nlu, knowledge=knowledge, clock=FakeClock(START))
            base_msgs = await main_pass(bench)
            await breakdown(bench)
            if args.inline_sqlite:
                await inline_what_if(bench, base_msgs)
            if args.profile:
                await profile_pass(bench)
            print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--shoppers", type=int, default=1_000)
    parser.add_argument("--articles", type=int, default=5_000, help="synthetic articles added to the demo KB")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--breakdown", type=int, default=500, help="messages in the instrumented pass")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="add a cProfile pass and print its top 30")
    parser.add_argument("--profile-messages", type=int, default=3_000, help="messages in the profiled pass")
    parser.add_argument("--profile-out", help="also save the profile here (pstats format)")
    parser.add_argument(
        "--inline-sqlite",
        action="store_true",
        help="add a pass comparing the shipped inline SQLite driver with stock aiosqlite",
    )
    parser.add_argument("--inline-messages", type=int, default=2_000, help="messages in each what-if pass")
    asyncio.run(main(parser.parse_args()))
