"""The connection settings every SQLite connection gets, on both drivers (inline and stock aiosqlite)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from storage.engine import create_engine
from storage.sqlite_inline import LOCK_WAIT_MS, PAGE_CACHE_KIB


@pytest.mark.parametrize("inline", [True, False], ids=["inline", "aiosqlite"])
async def test_every_sqlite_connection_gets_wal_foreign_keys_the_larger_page_cache_and_its_lock_wait(
    sqlite_url: str, inline: bool
) -> None:
    engine = create_engine(sqlite_url, inline_sqlite=inline)
    try:
        async with engine.connect() as conn:
            settings = {
                name: (await conn.execute(text(f"PRAGMA {name}"))).scalar_one()
                for name in ("journal_mode", "synchronous", "foreign_keys", "cache_size", "busy_timeout")
            }
    finally:
        await engine.dispose()
    # synchronous=NORMAL reads back as 1; a negative cache size is in KiB. The inline driver answers a
    # locked database at once and waits off the loop thread; stock aiosqlite waits in its own thread.
    assert settings == {
        "journal_mode": "wal",
        "synchronous": 1,
        "foreign_keys": 1,
        "cache_size": -PAGE_CACHE_KIB,
        "busy_timeout": 0 if inline else LOCK_WAIT_MS,
    }
