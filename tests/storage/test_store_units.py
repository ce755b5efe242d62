"""Units of work on a SQLite file: lanes (driver statements direct, a session only when needed)."""

from __future__ import annotations

import asyncio
import sqlite3
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


# ---------------------------------------------------------------- group commit


def _trace_commits(store: Store) -> list[str]:
    """Statements SQLite runs on the store's lanes (opened now), for counting COMMITs."""
    seen: list[str] = []
    for lane in store._lanes._all:
        lane.raw.set_trace_callback(seen.append)
    return seen


async def test_units_finished_in_one_pass_share_one_commit_and_return_committed(sqlite_store: Store) -> None:
    conversation_id = await _chat(sqlite_store)
    statements = _trace_commits(sqlite_store)

    async def turn(index: int) -> None:
        async with sqlite_store.transaction() as repos:
            assert await repos.inbox.record(source="chat:telegram", external_id=f"m{index}")
            await repos.transcript.add_many([TranscriptLine(conversation_id, "in", f"{index}")])
        # the block returns only once its writes are committed: another connection sees them
        async with sqlite_store.engine.connect() as other:
            found = await other.execute(select(InboxEntry.id).where(InboxEntry.external_id == f"m{index}"))
            assert found.first() is not None

    await asyncio.gather(*(turn(index) for index in range(5)))
    assert statements.count("COMMIT") == 1
    assert statements.count("SAVEPOINT doorstep_unit") == 4  # every unit after the first
    assert await _count(sqlite_store, InboxEntry) == 5
    assert await _count(sqlite_store, TranscriptMessage) == 5


async def test_a_unit_failing_in_a_pending_group_undoes_only_its_own_work(sqlite_store: Store) -> None:
    conversation_id = await _chat(sqlite_store)

    async def good(index: int) -> None:
        async with sqlite_store.transaction() as repos:
            assert await repos.inbox.record(source="chat:telegram", external_id=f"good{index}")

    async def bad() -> None:
        async with sqlite_store.transaction() as repos:
            assert await repos.inbox.record(source="chat:telegram", external_id="bad")
            await repos.handoffs.create(conversation_id=conversation_id, reason="r", summary="s")  # ORM
            raise RuntimeError("boom")

    results = await asyncio.gather(good(1), bad(), good(2), return_exceptions=True)
    assert [type(result).__name__ for result in results] == ["NoneType", "RuntimeError", "NoneType"]
    async with sqlite_store.engine.connect() as other:
        kept = sorted((await other.execute(select(InboxEntry.external_id))).scalars())
    assert kept == ["good1", "good2"]
    assert await _count(sqlite_store, Handoff) == 0


async def test_an_orm_unit_in_a_pending_group_commits_with_it(sqlite_store: Store) -> None:
    conversation_id = await _chat(sqlite_store)

    async def driver_only() -> None:
        async with sqlite_store.transaction() as repos:
            assert await repos.inbox.record(source="chat:telegram", external_id="m1")

    async def with_orm() -> int:
        async with sqlite_store.transaction() as repos:
            handoff = await repos.handoffs.create(conversation_id=conversation_id, reason="r", summary="s")
            assert await repos.inbox.record(source="chat:telegram", external_id="m2")
        return int(handoff.id or 0)

    _, handoff_id = await asyncio.gather(driver_only(), with_orm())
    assert handoff_id > 0
    assert await _count(sqlite_store, InboxEntry) == 2
    assert await _count(sqlite_store, Handoff) == 1


async def test_a_failed_group_commit_fails_every_unit_of_the_group_and_keeps_nothing(
    sqlite_store: Store,
) -> None:
    conversation_id = await _chat(sqlite_store)

    async def orphan() -> None:
        async with sqlite_store.transaction() as repos:
            driver = await repos.inbox.sqlite_driver()
            # checked at COMMIT: a transcript line of a conversation that does not exist
            await driver.execute("PRAGMA defer_foreign_keys=ON")
            await repos.transcript.add_many([TranscriptLine(conversation_id + 999, "in", "lost")])

    async def innocent() -> None:
        async with sqlite_store.transaction() as repos:
            assert await repos.inbox.record(source="chat:telegram", external_id="m1")

    results = await asyncio.gather(orphan(), innocent(), return_exceptions=True)
    assert all("FOREIGN KEY" in str(result) for result in results), results
    assert await _count(sqlite_store, InboxEntry) == 0
    assert await _count(sqlite_store, TranscriptMessage) == 0
    # the lane is usable again
    async with sqlite_store.transaction() as repos:
        assert await repos.inbox.record(source="chat:telegram", external_id="m1")
    assert await _count(sqlite_store, InboxEntry) == 1


async def test_closing_the_store_commits_a_pending_group(sqlite_url: str) -> None:
    store = Store(sqlite_url)
    conversation_id = await _chat(store)

    async def turn() -> None:
        async with store.transaction() as repos:
            await repos.transcript.add_many([TranscriptLine(conversation_id, "in", "last words")])

    task = asyncio.create_task(turn())
    await asyncio.sleep(0)  # the unit finishes; its group commit is scheduled, not yet run
    assert store._lanes._all[0].group is not None
    await store.aclose()
    await task
    async with Store(sqlite_url) as again:
        assert await _count(again, TranscriptMessage) == 1


async def test_repositories_are_made_on_first_use_and_share_the_unit(sqlite_store: Store) -> None:
    from storage.repositories.batch import BatchOrderRepository, batch_repositories

    async with sqlite_store.transaction() as repos:
        assert "inbox" not in vars(repos)
        inbox = repos.inbox
        assert repos.inbox is inbox
        assert set(vars(repos)) == {"_unit", "inbox"}
        assert repos.orders._unit is inbox._unit
        with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
            repos.nonsense  # noqa: B018
        batch = batch_repositories(repos)
        assert isinstance(batch.orders, BatchOrderRepository)
        assert batch.inbox._unit is inbox._unit and batch.outbox._unit is inbox._unit
        assert not isinstance(repos.orders, BatchOrderRepository)


async def test_a_group_commit_that_meets_another_connections_lock_waits_for_it(sqlite_url: str) -> None:
    async with Store(sqlite_url) as store:
        conversation_id = await _chat(store)
        (lane,) = store._lanes._all
        lane.raw.execute("PRAGMA journal_mode=DELETE")  # without WAL, a reader blocks a COMMIT
        reader = sqlite3.connect(sqlite_url.split(":///", 1)[1], isolation_level=None)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM conversations").fetchone()  # holds a shared lock

        async def turn() -> None:
            async with store.transaction() as repos:
                await repos.transcript.add_many([TranscriptLine(conversation_id, "in", "waited")])

        task = asyncio.create_task(turn())
        for _ in range(50):
            await asyncio.sleep(0.01)
            if store._lanes._waits:
                break
        assert store._lanes._waits and not task.done()  # the commit waits off the loop thread
        reader.execute("COMMIT")
        reader.close()
        await asyncio.wait_for(task, 15)
        assert not store._lanes._waits
        assert await _count(store, TranscriptMessage) == 1
