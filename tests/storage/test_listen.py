"""The PostgreSQL listener: hears what is committed, reconnects when its connection is killed, and
says so each time it is listening again (so its owner can catch up on what it missed)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import text

from storage.listen import Listener
from storage.repositories.webchat import WAKE_CHANNEL
from storage.store import Store

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


async def store_for(store: Store, visitor_id: str) -> None:
    async with store.transaction() as repos:
        await repos.webchat.store(visitor_id=visitor_id, frame={"n": visitor_id}, now=T0)


async def until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def test_the_listener_hears_commits_and_reconnects_after_its_connection_is_killed(
    pg_store: Store,
) -> None:
    heard: list[str] = []
    connected: list[int] = []
    listener = Listener(
        pg_store.url,
        WAKE_CHANNEL,
        on_notify=heard.append,
        on_connected=lambda: connected.append(len(heard)),
        check_seconds=0.5,
    )
    task = asyncio.create_task(listener.run())
    try:
        assert await listener.wait_listening(10)
        await store_for(pg_store, "visitor-one-00000000")
        await until(lambda: heard == ["visitor-one-00000000"])
        assert connected == [0]

        assert listener.connection is not None
        pid = listener.connection.get_server_pid()
        async with pg_store.engine.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await until(lambda: not listener.listening)
        await store_for(pg_store, "visitor-missed-0000000")  # nobody listens: this one is not heard
        await until(lambda: listener.listening)
        assert len(connected) == 2  # the owner is told to catch up
        assert listener.connection is not None and listener.connection.get_server_pid() != pid
        await store_for(pg_store, "visitor-two-00000000")
        await until(lambda: heard[-1] == "visitor-two-00000000")
        assert "visitor-missed-0000000" not in heard
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert listener.connection is None and not listener.listening
