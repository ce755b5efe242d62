"""The web chat mailboxes: numbering per visitor, reading after a number, acknowledging, pruning,
and (PostgreSQL) the notification sent when a frame is committed, not before."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from storage.pg import asyncpg_dsn
from storage.repositories.webchat import WAKE_CHANNEL, MailboxPosition
from storage.store import Store

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
ANN = "ann-visitor-0000000001"
BOB = "bob-visitor-0000000002"


def frame(n: int) -> dict[str, object]:
    return {
        "type": "reply",
        "id": None,
        "pushed": True,
        "reply": {"text": f"m{n}", "buttons": [], "links": []},
    }


async def put(store: Store, visitor_id: str, n: int, at: datetime = T0) -> int:
    async with store.transaction() as repos:
        stored = await repos.webchat.store(visitor_id=visitor_id, frame=frame(n), now=at)
    assert stored.frame == frame(n)
    return stored.seq


async def test_frames_are_numbered_per_visitor_and_read_back_in_order(store: Store) -> None:
    assert [await put(store, ANN, n) for n in range(3)] == [1, 2, 3]
    assert await put(store, BOB, 9) == 1
    async with store.transaction() as repos:
        everything = await repos.webchat.after(visitor_id=ANN, seq=0, limit=10)
        rest = await repos.webchat.after(visitor_id=ANN, seq=1, limit=1)
        position = await repos.webchat.position(visitor_id=ANN)
        nobody = await repos.webchat.position(visitor_id="nobody-000000000000")
    assert [(s.seq, s.frame["reply"]["text"]) for s in everything] == [(1, "m0"), (2, "m1"), (3, "m2")]  # type: ignore[index]
    assert len({s.id for s in everything}) == 3
    assert [s.seq for s in rest] == [2]
    assert position == MailboxPosition(last_seq=3, acked_seq=0)
    assert nobody == MailboxPosition()


async def test_an_acknowledgement_only_moves_forward_and_only_to_a_number_given_out(store: Store) -> None:
    for n in range(3):
        await put(store, ANN, n)
    async with store.transaction() as repos:
        assert await repos.webchat.acknowledge(visitor_id=ANN, seq=2, now=T0) is True
        assert await repos.webchat.acknowledge(visitor_id=ANN, seq=1, now=T0) is False  # backwards
        assert await repos.webchat.acknowledge(visitor_id=ANN, seq=4, now=T0) is False  # never given out
        assert await repos.webchat.acknowledge(visitor_id=BOB, seq=1, now=T0) is False  # no mailbox
        assert await repos.webchat.position(visitor_id=ANN) == MailboxPosition(last_seq=3, acked_seq=2)


async def test_pruning_keeps_unacknowledged_and_recent_frames_and_never_reuses_a_number(store: Store) -> None:
    for n in range(3):
        await put(store, ANN, n, T0)
    await put(store, BOB, 0, T0 - timedelta(days=40))
    async with store.transaction() as repos:
        await repos.webchat.acknowledge(visitor_id=ANN, seq=2, now=T0)
        # acknowledged but recent: kept (another page of Ann's may still read them)
        assert await repos.webchat.prune(acked_before=T0, stored_before=T0 - timedelta(days=30)) == 1
    async with store.transaction() as repos:
        assert [s.seq for s in await repos.webchat.after(visitor_id=ANN, seq=0, limit=10)] == [1, 2, 3]
        assert await repos.webchat.position(visitor_id=BOB) == MailboxPosition()  # expired, mailbox gone
        later = T0 + timedelta(minutes=11)
        assert await repos.webchat.prune(acked_before=later, stored_before=T0 - timedelta(days=30)) == 2
    async with store.transaction() as repos:
        assert [s.seq for s in await repos.webchat.after(visitor_id=ANN, seq=0, limit=10)] == [3]
    assert await put(store, ANN, 3) == 4  # Ann's mailbox row stays: numbers go on


async def test_two_connections_storing_for_one_visitor_get_consecutive_numbers(store: Store) -> None:
    async def one(n: int) -> int:
        return await put(store, ANN, n)

    numbers = await asyncio.gather(*(one(n) for n in range(20)))
    assert sorted(numbers) == list(range(1, 21))


async def test_postgresql_announces_a_stored_frame_at_commit_with_the_visitor_id(pg_store: Store) -> None:
    heard: asyncio.Queue[str] = asyncio.Queue()
    listener = await asyncpg.connect(asyncpg_dsn(pg_store.url))
    try:
        await listener.add_listener(WAKE_CHANNEL, lambda _c, _p, _ch, payload: heard.put_nowait(payload))
        async with pg_store.transaction() as repos:
            await repos.webchat.store(visitor_id=ANN, frame=frame(1), now=T0)
            await asyncio.sleep(0.2)
            assert heard.empty()  # not before the commit
        assert await asyncio.wait_for(heard.get(), timeout=5) == ANN
        with pytest.raises(RuntimeError):
            async with pg_store.transaction() as repos:
                await repos.webchat.store(visitor_id=BOB, frame=frame(2), now=T0)
                raise RuntimeError("rolled back")
        await asyncio.sleep(0.3)
        assert heard.empty()  # a rolled-back frame is never announced
    finally:
        await listener.close()
