"""notify_feature in a running app: events in, the background dispatcher and sweep send on their own."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from telegram import Bot

from bot.app import build_app
from bot.app_keys import SERVICES
from bot.channels.senders import sender_registry
from bot.channels.telegram.sender import TelegramSender, send_limits
from bot.clock import FakeClock
from bot.config import Settings
from bot.notify.feature import NOTIFY, notify_feature
from storage.schemas import OrderIn
from storage.store import Store
from tests.bot.notify.conftest import CHAT, T0, build_shop, notify_settings, order_created
from tests.builders import order_line
from tests.fakes.fixtures import FAKE_TELEGRAM_TOKEN
from tests.fakes.telegram import FakeTelegram


def _telegram_sender(fake: FakeTelegram) -> Callable[[web.Application, Settings], None]:
    """A stand-in for the Telegram channel feature: registers a TelegramSender for the fake."""

    def feature(app: web.Application, settings: Settings) -> None:
        registry = sender_registry(app)

        async def context(app: web.Application) -> AsyncIterator[None]:
            async with Bot(FAKE_TELEGRAM_TOKEN, base_url=fake.api_base_url) as bot:
                registry.register(TelegramSender(bot), limits=send_limits(settings))
                yield
                registry.unregister("telegram")

        app.cleanup_ctx.append(context)

    return feature


async def _wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_running_app_sends_queued_messages_and_sweeps_on_its_own(
    sqlite_url: str, fake_telegram: FakeTelegram
) -> None:
    clock = FakeClock(T0)
    async with Store(sqlite_url) as store:
        await build_shop(store, notify_settings(sqlite_url), clock, bot=None).customer()
        async with store.transaction() as repos:  # a parcel already past its ETA, no carrier news
            late = order_line("1002", eta="2026-11-18", promised_by="2026-11-19", tracking_number="1ZLATE")
            await repos.orders.upsert_many([OrderIn.model_validate(late)])
    settings = notify_settings(sqlite_url, dispatcher_poll_seconds=0.2, scheduler_interval_seconds=60)
    app = build_app(settings, features=[_telegram_sender(fake_telegram), notify_feature], clock=clock)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        assert app[SERVICES]["wake_dispatcher"] == app[NOTIFY].wake
        # the sweep runs at start: the late parcel's delay goes out without any event
        await _wait_for(lambda: len(fake_telegram.sent_messages(CHAT)) == 1)
        assert "1002" in fake_telegram.sent_messages(CHAT)[0]["text"]

        results = await app[NOTIFY].ingest([order_created("e1", T0)])
        assert [m.decision for m in results[0].messages] == ["queued"]
        await _wait_for(lambda: len(fake_telegram.sent_messages(CHAT)) == 2)

        # queued at night, the next message goes when the app's clock reaches the morning
        night = T0 + timedelta(hours=16)  # 02:00 in New York
        clock.set(night)
        results = await app[NOTIFY].ingest([order_created("e3", night, number="1003")])
        assert [m.decision for m in results[0].messages] == ["deferred"]
        await asyncio.sleep(0.6)
        assert len(fake_telegram.sent_messages(CHAT)) == 2
        clock.set(night + timedelta(hours=6))  # 08:00 in New York
        await _wait_for(lambda: len(fake_telegram.sent_messages(CHAT)) == 3)
        assert "1003" in fake_telegram.sent_messages(CHAT)[2]["text"]
        tasks = list(app[NOTIFY].tasks)
    finally:
        await client.close()
    assert tasks and all(task.done() and not task.cancelled() for task in tasks)
