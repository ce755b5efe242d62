"""The app freezes its start-up heap while it runs, and gives it back to the GC when it stops."""

from __future__ import annotations

import gc
import weakref

from aiohttp import web_app
from aiohttp.test_utils import TestClient, TestServer

from bot.app import YOUNG_GC_THRESHOLD, build_app
from tests.bot.conftest import test_settings


async def test_a_stopped_app_unfreezes_the_heap_and_restores_the_gc_thresholds(sqlite_url: str) -> None:
    before = gc.get_threshold()
    app = build_app(test_settings(sqlite_url), features=[])
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == max(YOUNG_GC_THRESHOLD, before[0])
        assert (await client.get("/healthz")).status == 200
    finally:
        await client.close()

    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before
    stopped = weakref.ref(app)
    del app, client
    web_app._cached_build_middleware.cache_clear()  # aiohttp's own cache (see tests/conftest.py)
    gc.collect()
    assert stopped() is None  # its objects were frozen, and still they are collected
