"""Units of work on a SQLite file: lanes (driver statements direct, a session only when needed)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.errors import StaleWriteError
from storage.models import Conversation, Handoff, InboxEntry, TranscriptMessage
from storage.repositories.conversations import TranscriptLine
from storage.store import Store
from storage.units import DEFAULT_LANES, LaneUnit, SessionUnit


async def _count(store: Store, model: type) -> int:
    async with store.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(model))).scalar_one())


async def _chat(store: Store, external_id: str = "42") -> int:
    async with store.transaction() as repos:
        _, conversation = await repos.conversations.open_chat(channel="telegram", external_id=external_id)
    return conversation.id


async def test_a_sqlite_file_unit_runs_on_a_lane_and_makes_no_session_for_driver_work(
    sqlite_store: Store,
) -> None:
    conversation_id = await _chat(sqlite_store)
    async with sqlite_store.transaction() as repos:
        unit = repos.inbox._unit
        assert isinstance(unit, LaneUnit)
        assert await repos.inbox.record(source="chat:telegram", external_id="m1")
        await repos.transcript.add_many([TranscriptLine(conversation_id, "in", "hi")])
        assert unit._session is None  # the hot path needed no SQLAlchemy session
    assert await _count(sqlite_store, InboxEntry) == 1
    assert await _count(sqlite_store, TranscriptMessage) == 1


async def test_driver_and_orm_work_in_one_unit_commit_together(sqlite_store: Store) -> None:
    conversation_id = await _chat(sqlite_store)
    async with sqlite_store.transaction() as repos:
        assert await repos.inbox.record(source="chat:telegram", external_id="m1")  # driver
        handoff = await repos.handoffs.create(conversation_id=conversation_id, reason="r", summary="s")  # ORM
        assert repos.handoffs._unit._session is not None
    assert handoff.id is not None
    assert await _count(sqlite_store, InboxEntry) == 1
    assert await _count(sqlite_store, Handoff) == 1


@pytest.mark.parametrize("orm_first", [False, True])
async def test_an_error_rolls_back_driver_and_orm_work_and_leaves_the_lane_clean(
    sqlite_store: Store, orm_first: bool
) -> None:
    conversation_id = await _chat(sqlite_store)
    with pytest.raises(RuntimeError, match="boom"):
        async with sqlite_store.transaction() as repos:
            if orm_first:
                await repos.handoffs.create(conversation_id=conversation_id, reason="r", summary="s")
            assert await repos.inbox.record(source="chat:telegram", external_id="m1")
            await repos.conversations.save(
                conversation_id=conversation_id, expected_version=1, state="idle", slots={"x": 1}
            )
            if not orm_first:
                await repos.handoffs.create(conversation_id=conversation_id, reason="r", summary="s")
            raise RuntimeError("boom")
    assert await _count(sqlite_store, InboxEntry) == 0
    assert await _count(sqlite_store, Handoff) == 0
    # the lane holds no transaction: the next unit commits on its own, and another connection can write
    async with sqlite_store.transaction() as repos:
        lane_driver = await repos.inbox.sqlite_driver()
        assert not lane_driver._connection.in_transaction
        assert await repos.inbox.record(source="chat:telegram", external_id="m1")
    async with sqlite_store.engine.begin() as conn:
        conversation = (await conn.execute(select(Conversation.version, Conversation.slots))).one()
    assert tuple(conversation) == (1, {})
    assert await _count(sqlite_store, InboxEntry) == 1


async def test_a_stale_conversation_write_on_a_lane_rolls_back_the_unit(sqlite_store: Store) -> None:
    conversation_id = await _chat(sqlite_store)
    with pytest.raises(StaleWriteError):
        async with sqlite_store.transaction() as repos:
            assert await repos.inbox.record(source="chat:telegram", external_id="m1")
            await repos.conversations.save(
                conversation_id=conversation_id, expected_version=7, state="idle", slots={}
            )
    assert await _count(sqlite_store, InboxEntry) == 0


async def test_units_beyond_the_lanes_get_sessions_and_all_commit(sqlite_store: Store) -> None:
    conversation_id = await _chat(sqlite_store)
    entered = asyncio.Event()
    release = asyncio.Event()
    kinds: list[type] = []

    async def hold(index: int) -> None:
        async with sqlite_store.transaction() as repos:
            kinds.append(type(repos.inbox._unit))
            if len(kinds) == DEFAULT_LANES + 2:
                entered.set()
            await release.wait()  # every unit is open at once
        async with sqlite_store.transaction() as repos:
            assert await repos.inbox.record(source="chat:telegram", external_id=f"m{index}")
            await repos.transcript.add_many([TranscriptLine(conversation_id, "in", f"{index}")])

    tasks = [asyncio.create_task(hold(index)) for index in range(DEFAULT_LANES + 2)]
    await asyncio.wait_for(entered.wait(), 5)
    release.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 30)
    assert kinds.count(LaneUnit) == DEFAULT_LANES
    assert kinds.count(SessionUnit) == 2
    assert await _count(sqlite_store, InboxEntry) == DEFAULT_LANES + 2
    assert await _count(sqlite_store, TranscriptMessage) == DEFAULT_LANES + 2


async def test_a_sqlite_file_runs_on_lanes_and_postgresql_on_sessions(store: Store) -> None:
    async with store.transaction() as repos:
        expected = SessionUnit if store.dialect == "postgresql" else LaneUnit
        assert type(repos.inbox._unit) is expected


async def test_stock_aiosqlite_uses_sessions(sqlite_url: str) -> None:
    from storage.engine import create_engine

    async with Store(sqlite_url, engine=create_engine(sqlite_url, inline_sqlite=False)) as store:
        conversation_id = await _chat(store)
        async with store.transaction() as repos:
            assert type(repos.inbox._unit) is SessionUnit
            assert await repos.inbox.record(source="chat:telegram", external_id="m1")
            await repos.transcript.add_many([TranscriptLine(conversation_id, "in", "hi")])
        assert not store._lanes.usable
        assert await _count(store, InboxEntry) == 1


async def test_closing_the_store_returns_the_lanes(sqlite_url: str, tmp_path: Path) -> None:
    store = Store(sqlite_url)
    await _chat(store)
    assert len(store._lanes._all) == 1
    await store.aclose()
    assert store._lanes._all == []
    # the file is free: a new store writes at once
    async with Store(sqlite_url) as again:
        await _chat(again, "43")
        assert await _count(again, Conversation) == 2
