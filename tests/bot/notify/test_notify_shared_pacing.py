"""Send limits shared through PostgreSQL: two pacers on two pools (as two processes) share one budget."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator

import pytest

from bot.channels.senders import SendLimits
from bot.notify.ratelimit import BOOKED_AHEAD, SHARED_HEADROOM, Pacers, ProviderPacer, SharedProviderPacer
from storage.pacing import SendPacingTable
from tests.conftest import new_pg_database

pytestmark = pytest.mark.postgres


@pytest.fixture
async def tables(
    pg_admin_url: str, pg_template: str
) -> AsyncIterator[tuple[SendPacingTable, SendPacingTable]]:
    """Two send-pacing tables on one database, each with its own pool (two processes)."""
    url = await new_pg_database(pg_admin_url, pg_template)
    first, second = await SendPacingTable.open(url), await SendPacingTable.open(url)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


async def _send_all(
    pacer: SharedProviderPacer, recipients: list[str], start: float
) -> list[tuple[str, float]]:
    sent: list[tuple[str, float]] = []

    async def one(recipient: str) -> None:
        await pacer.acquire(recipient)
        sent.append((recipient, time.monotonic() - start))

    await asyncio.gather(*(one(r) for r in recipients))
    return sent


async def test_two_processes_share_the_overall_rate(tables: tuple[SendPacingTable, SendPacingTable]) -> None:
    limits = SendLimits(per_second=50)
    a, b = (SharedProviderPacer(table, "telegram", limits) for table in tables)
    start = time.monotonic()
    sent = await asyncio.gather(
        _send_all(a, [f"a{n}" for n in range(25)], start), _send_all(b, [f"b{n}" for n in range(25)], start)
    )
    times = sorted(at for batch in sent for _, at in batch)
    # 50 messages at 50/s together (less the headroom): a second or more, never a burst
    assert times[-1] >= 0.95
    for window_start in times:
        assert sum(1 for t in times if window_start <= t < window_start + 0.5) <= 25


async def test_two_processes_keep_one_chat_apart(tables: tuple[SendPacingTable, SendPacingTable]) -> None:
    limits = SendLimits(per_second=100, per_recipient_per_second=5, guard_seconds=0.01)
    a, b = (SharedProviderPacer(table, "telegram", limits) for table in tables)
    start = time.monotonic()
    sent = await asyncio.gather(
        _send_all(a, ["busy"] * 3 + [f"a{n}" for n in range(5)], start),
        _send_all(b, ["busy"] * 3 + [f"b{n}" for n in range(5)], start),
    )
    busy = sorted(at for batch in sent for who, at in batch if who == "busy")
    others = [at for batch in sent for who, at in batch if who != "busy"]
    assert len(busy) == 6
    assert min(y - x for x, y in itertools.pairwise(busy)) >= 0.2  # 1/5 s + guard, across both
    assert max(others) < busy[2]  # the other chats did not wait for the busy one


async def test_a_429_in_one_process_pauses_the_other(tables: tuple[SendPacingTable, SendPacingTable]) -> None:
    limits = SendLimits(per_second=100)
    a, b = (SharedProviderPacer(table, "telegram", limits) for table in tables)
    await a.acquire("x")
    await a.pause(1.0)
    assert 0.8 <= await b.wait_for("y") <= 1.0
    start = time.monotonic()
    await b.acquire("y")
    assert time.monotonic() - start >= 0.8
    # other providers are not paused
    other = SharedProviderPacer(tables[1], "whatsapp", limits)
    assert await other.wait_for("y") < 0.05


async def test_idle_recipients_are_forgotten(tables: tuple[SendPacingTable, SendPacingTable]) -> None:
    pacer = SharedProviderPacer(
        tables[0], "telegram", SendLimits(per_second=1000, per_recipient_per_second=1000)
    )
    for n in range(3):
        await pacer.acquire(f"chat{n}")
    assert await tables[0].forget_idle(older_than=60) == 0
    await asyncio.sleep(0.05)
    assert await tables[0].forget_idle(older_than=0) == 3  # the provider's own row stays
    assert await pacer.wait_for("chat0") < 0.05


async def test_pacers_share_once_given_the_table(tables: tuple[SendPacingTable, SendPacingTable]) -> None:
    pacers = Pacers()
    assert isinstance(pacers.for_channel("telegram", SendLimits(per_second=30)), ProviderPacer)
    pacers.share(tables[0])
    assert pacers.shared
    assert isinstance(pacers.for_channel("telegram", SendLimits(per_second=30)), SharedProviderPacer)
    pacers.share(None)
    assert isinstance(pacers.for_channel("telegram", SendLimits(per_second=30)), ProviderPacer)


async def test_a_starved_process_still_sends(tables: tuple[SendPacingTable, SendPacingTable]) -> None:
    async def oversleep(seconds: float) -> None:  # every wake-up comes 80 ms late
        await asyncio.sleep(seconds + 0.08)

    pacer = SharedProviderPacer(
        tables[0], "telegram", SendLimits(per_second=50, per_recipient_per_second=5), sleep=oversleep
    )
    start = time.monotonic()
    await asyncio.wait_for(asyncio.gather(*(pacer.acquire(f"c{n}") for n in range(5))), timeout=10)
    assert time.monotonic() - start < 5


async def test_peeks_of_one_pass_are_one_query(tables: tuple[SendPacingTable, SendPacingTable]) -> None:
    limits = SendLimits(per_second=100, per_recipient_per_second=1)
    pacer = SharedProviderPacer(tables[0], "telegram", limits)
    await pacer.acquire("busy")  # its next turn is a second away
    queries: list[list[str]] = []
    peek_many = tables[0].peek_many

    async def counted(provider: str, recipients: list[str]) -> dict[str, float]:
        queries.append(list(recipients))
        return await peek_many(provider, recipients)

    tables[0].peek_many = counted  # type: ignore[method-assign]
    waits = await asyncio.gather(*(pacer.wait_for(r) for r in ["busy", "a", "b", "busy"]))

    assert queries == [["busy", "a", "b"]]
    assert 0.8 < waits[0] <= 1.1 and waits[3] == waits[0]  # a second and the guard
    assert waits[1] < 0.05 and waits[2] < 0.05


async def test_a_process_books_only_a_few_slots_ahead(tables: tuple[SendPacingTable, SendPacingTable]) -> None:
    # 40 messages at 100/s: without a bound every one books at once, the last 0.4 s ahead
    pacer = SharedProviderPacer(tables[0], "telegram", SendLimits(per_second=100))
    booked: list[float] = []
    book = tables[0].book

    async def recorded(*args: object, **kwargs: object) -> object:
        booking = await book(*args, **kwargs)  # type: ignore[arg-type]
        booked.append(booking.wait)
        return booking

    tables[0].book = recorded  # type: ignore[method-assign]
    await asyncio.gather(*(pacer.acquire(f"c{n}") for n in range(40)))

    assert len(booked) >= 40
    # never more than BOOKED_AHEAD slots ahead of now (each a hundredth of a second, plus headroom)
    assert max(booked) <= (BOOKED_AHEAD + 1) / (100 * (1 - SHARED_HEADROOM)) + 0.02
