"""Three real ``doorstep serve`` processes on one PostgreSQL database against FakeTelegram.

FakeTelegram enforces Telegram's limits scaled x10 (as ``bench/dispatch`` does, so a run takes
seconds): 300 messages/s overall and 10/s per chat, answering 429 beyond them. The servers are
configured with the same limits, shared through PostgreSQL. 1,000 proactive messages (shipped
notices of real orders to verified chats) are queued for 300 chats while the three run:

- every message is delivered exactly once, with no 429, and at most 300 in any one second;
- a 429 (retry_after 2 s) pauses all three; one process is killed (``kill -9``) during the pause:
  the other two finish, the messages it had claimed are sent once by them, none is lost;
- the overdue sweep and Telegram polling run in one process; when it is killed, another one takes
  both over within seconds (a parcel gone overdue after the kill is announced, an update pushed
  after the kill is answered).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from storage.schemas import OrderIn
from storage.store import Store
from tests.builders import order_line
from tests.burst import busiest_second, make_due, queue_shipped, verify_chats
from tests.conftest import new_pg_database
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_updates import make_text_update
from tests.loopback import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

REPO = Path(__file__).resolve().parents[2]
TOKEN = "123456:SEVERAL-PROCESSES"
GLOBAL_RATE = 300
#: how far over the rate a one-second window may look at the receiver of a loaded machine
RECEIVER_JITTER = 1.05
CHAT_RATE = 10
MESSAGES = 1000
CHATS = 300
FIRST_CHAT = 700_000


@dataclass
class Server:
    """One ``doorstep serve`` process and its log."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as answer:
                return answer.status == 200
        except OSError:
            return False


async def _until(condition: Callable[[], bool], within: float, what: str, every: float = 0.25) -> float:
    """Wait for ``condition``, looking every ``every`` seconds: the fake shares this process's loop,
    and looking through its calls too often would delay the requests it stamps."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < within, f"timed out after {within:.0f}s waiting for {what}"
        await asyncio.sleep(every)
    return time.monotonic() - start


@pytest.fixture
async def pg_url(pg_admin_url: str, pg_template: str) -> str:
    return await new_pg_database(pg_admin_url, pg_template)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(
        token=TOKEN, rate_limit_global=GLOBAL_RATE, rate_limit_per_chat=CHAT_RATE
    ) as fake:
        yield fake


def _spawn(env: dict[str, str], cwd: Path, log: Path) -> Server:
    port = free_port()
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve"],
            env={**env, "DOORSTEP_PORT": str(port)},
            cwd=cwd,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    return Server(process, port, log)


async def _start_servers(url: str, fake: FakeTelegram, tmp_path: Path, count: int = 3) -> list[Server]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOORSTEP_")}
    env.update(
        {
            "PYTHONPATH": str(REPO),
            "DOORSTEP_DATABASE_URL": url,
            "DOORSTEP_TELEGRAM_TOKEN": TOKEN,
            "DOORSTEP_TELEGRAM_API_BASE_URL": fake.base_url,
            "DOORSTEP_TELEGRAM_SEND_RATE": str(GLOBAL_RATE),
            "DOORSTEP_TELEGRAM_SEND_RATE_PER_CHAT": str(CHAT_RATE),
            "DOORSTEP_QUIET_HOURS_START": "00:00",  # no quiet hours: the test runs at any time of day
            "DOORSTEP_QUIET_HOURS_END": "00:00",
            "DOORSTEP_DISPATCHER_POLL_SECONDS": "0.2",
            "DOORSTEP_DISPATCHER_LEASE_SECONDS": "5",
            "DOORSTEP_SCHEDULER_INTERVAL_SECONDS": "1",
            "DOORSTEP_RUN_MIGRATIONS": "false",
            "DOORSTEP_LOG_LEVEL": "INFO",
        }
    )
    servers = [_spawn(env, tmp_path, tmp_path / f"server-{n}.log") for n in range(count)]
    await _until(lambda: all(s.healthy() for s in servers), 120, "the servers to answer /healthz")
    await _until(
        lambda: sum("leading telegram-polling" in s.text() for s in servers) == 1, 30, "a polling leader"
    )
    return servers


def _stop(servers: list[Server]) -> None:
    for server in servers:
        if server.process.poll() is None:
            server.process.send_signal(signal.SIGTERM)
    for server in servers:
        try:
            server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)


def _order(number: str, email: str, *, shipped: datetime, eta: datetime | None = None) -> OrderIn:
    """An open order with one parcel in transit, shipped at ``shipped`` (ETA and promise ``eta``)."""
    line = order_line(
        number,
        email=email,
        phone=None,
        tracking_number=f"1ZMULTI{number}",
        eta=eta.date().isoformat() if eta else None,
        promised_by=eta.date().isoformat() if eta else None,
        placed_at=(shipped - timedelta(hours=2)).isoformat(),
        timezone="UTC",
    )
    line["shipments"][0]["shipped_at"] = shipped.isoformat()
    return OrderIn.model_validate(line)


async def _seed_shop(url: str, orders: int = MESSAGES) -> dict[str, int]:
    """``orders`` orders of ``CHATS`` customers, each customer with a verified Telegram chat that
    accepted updates; returns customer ids by email."""
    now = datetime.now(UTC)
    async with Store(url) as store:
        async with store.transaction() as repos:
            shipped = now - timedelta(hours=1)  # not stalled: the sweep leaves them alone
            await repos.orders.upsert_many(
                [
                    _order(str(500_000 + n), f"chat{n % CHATS}@example.com", shipped=shipped)
                    for n in range(orders)
                ]
            )
        async with store.engine.connect() as conn:
            customers = {
                email: cid
                for email, cid in (await conn.exec_driver_sql("SELECT email, id FROM customers")).all()
            }
        await verify_chats(store, customers, prefix="chat", first_chat=FIRST_CHAT, chats=CHATS, now=now)
    return customers


async def _queue_shipped(url: str) -> None:
    """One ``shipped`` message per order, due next year: the servers start meanwhile, then
    :func:`~tests.burst.make_due` lets them go at once."""
    later = datetime.now(UTC) + timedelta(days=365)
    async with Store(url) as store:
        await queue_shipped(store, prefix="chat", first_chat=FIRST_CHAT, scheduled_at=later, created_at=later)


def _ours(fake: FakeTelegram) -> list[Any]:
    return [c for c in fake.calls_to("sendMessage") if str(c.params.get("text", "")).startswith("Good news")]


def _delivered(fake: FakeTelegram) -> Counter[str]:
    return Counter(str(c.params["text"]) for c in _ours(fake) if c.status == 200)


async def _outbox(url: str) -> tuple[Counter[str], Counter[str | None], int]:
    """Rows by status, sent rows by the worker that claimed them, and rows recorded unconfirmed."""
    async with Store(url) as store, store.engine.connect() as conn:
        statuses = Counter(
            {
                s: n
                for s, n in (
                    await conn.exec_driver_sql("SELECT status, count(*) FROM outbox GROUP BY 1")
                ).all()
            }
        )
        workers = Counter(
            {
                w: n
                for w, n in (
                    await conn.exec_driver_sql(
                        "SELECT claimed_by, count(*) FROM outbox WHERE status = 'sent' GROUP BY 1"
                    )
                ).all()
            }
        )
        unconfirmed = (
            await conn.exec_driver_sql(
                "SELECT count(*) FROM outbox WHERE last_error LIKE 'delivery unconfirmed%'"
            )
        ).scalar_one()
    return statuses, workers, int(unconfirmed)


async def test_three_processes_share_the_send_limits_and_send_each_message_once(
    pg_url: str, fake: FakeTelegram, tmp_path: Path
) -> None:
    await _seed_shop(pg_url)
    await _queue_shipped(pg_url)
    servers = await _start_servers(pg_url, fake, tmp_path)
    try:
        await make_due(pg_url)
        await _until(lambda: len(_delivered(fake)) == MESSAGES, 90, "every message to be delivered")
        await asyncio.sleep(1.0)  # anything sent twice would show by now
        statuses, workers, unconfirmed = await _outbox(pg_url)
        conflicts = fake.poll_conflicts
    finally:
        _stop(servers)

    ours = _ours(fake)
    delivered = _delivered(fake)
    assert set(delivered.values()) == {1} and len(delivered) == MESSAGES  # each once, none lost
    assert [c.status for c in ours].count(429) == 0
    ok = [c.at for c in ours if c.status == 200]
    # measured where the fake receives the requests: a stall of the loaded fake process bunches
    # arrivals the senders spaced out (its own limiter, Telegram's rule, answered no 429 above)
    assert busiest_second(ok) <= GLOBAL_RATE * RECEIVER_JITTER
    assert statuses == Counter({"sent": MESSAGES}) and unconfirmed == 0
    assert len(workers) == 3, workers  # all three processes sent a share
    assert conflicts == 0  # one process polled getUpdates
    rate = MESSAGES / (max(ok) - min(ok))
    print(
        f"three processes: {rate:.0f} messages/s of {GLOBAL_RATE} allowed, busiest second {busiest_second(ok)}"
    )


async def test_a_process_killed_during_a_pause_loses_nothing_and_sends_nothing_twice(
    pg_url: str, fake: FakeTelegram, tmp_path: Path
) -> None:
    await _seed_shop(pg_url)
    await _queue_shipped(pg_url)
    servers = await _start_servers(pg_url, fake, tmp_path)
    try:
        await make_due(pg_url)
        await _until(lambda: len(_delivered(fake)) >= 300, 60, "300 messages to be delivered")
        fake.fail_next("sendMessage", 429, retry_after=2)
        await _until(lambda: any(c.status == 429 for c in _ours(fake)), 10, "the planned 429", every=0.05)
        throttled_at = next(c.at for c in _ours(fake) if c.status == 429)  # the fake's monotonic clock
        await asyncio.sleep(max(0.0, throttled_at + 1.0 - time.monotonic()))
        victim = next(s for s in servers if "leading telegram-polling" not in s.text())
        victim.process.send_signal(signal.SIGKILL)  # every process is waiting the pause out
        victim.process.wait(timeout=10)
        await asyncio.sleep(max(0.0, throttled_at + 1.8 - time.monotonic()))
        # the pause held for all: after the sends already on their way, nothing went out
        assert not [c for c in _ours(fake) if c.status == 200 and throttled_at + 0.3 < c.at]
        await _until(lambda: len(_delivered(fake)) == MESSAGES, 90, "the other two to finish")
        await asyncio.sleep(1.0)
        statuses, workers, unconfirmed = await _outbox(pg_url)
    finally:
        _stop(servers)

    delivered = _delivered(fake)
    assert set(delivered.values()) == {1} and len(delivered) == MESSAGES  # nothing lost, nothing twice
    assert [c.status for c in _ours(fake)].count(429) == 1  # the planned one only
    assert statuses == Counter({"sent": MESSAGES})
    assert unconfirmed == 0  # it was killed while waiting: none of its sends had begun
    assert len(workers) == 3


async def test_the_sweep_and_polling_move_to_another_process_when_the_leader_is_killed(
    pg_url: str, fake: FakeTelegram, tmp_path: Path
) -> None:
    await _seed_shop(pg_url, orders=CHATS)
    servers = await _start_servers(pg_url, fake, tmp_path)
    try:
        await asyncio.sleep(3.0)  # a few election rounds: the followers keep trying
        sweepers = [s for s in servers if "leading overdue-sweep" in s.text()]
        pollers = [s for s in servers if "leading telegram-polling" in s.text()]
        assert len(sweepers) == 1 and len(pollers) == 1
        assert fake.poll_conflicts == 0
        leader = pollers[0]
        others = [s for s in servers if s is not leader]

        leader.process.send_signal(signal.SIGKILL)
        leader.process.wait(timeout=10)
        # a parcel of a verified customer goes overdue after the kill: only a new leader can sweep it
        now = datetime.now(UTC)
        async with Store(pg_url) as store, store.transaction() as repos:
            overdue = _order(
                "990001", "chat7@example.com", shipped=now - timedelta(days=6), eta=now - timedelta(days=3)
            )
            await repos.orders.upsert_many([overdue])
        pushed = fake.push_update(make_text_update(FIRST_CHAT + 11, "hello"))
        killed_at = time.monotonic()

        def announced() -> bool:
            return any("990001" in str(p.get("text", "")) for p in fake.sent_messages(FIRST_CHAT + 7))

        took = await _until(announced, 30, "the overdue parcel to be announced")
        await _until(
            lambda: bool(fake.sent_messages(FIRST_CHAT + 11)), 30, "the pushed update to be answered"
        )
        answered_after = time.monotonic() - killed_at
        new_sweepers = [s for s in others if "leading overdue-sweep" in s.text()]
        new_pollers = [s for s in others if "leading telegram-polling" in s.text()]
    finally:
        _stop(servers)

    assert len(new_sweepers) == 1 and len(new_pollers) == 1
    assert took < 10 and answered_after < 10  # retry every 2 s, sweep every 1 s
    assert fake.pending_updates == [] or fake.pending_updates[0]["update_id"] > pushed["update_id"]
    print(f"failover: overdue parcel announced {took:.1f} s after the kill")
