"""Replies and proactive pushes to one chat share Telegram's per-chat limit."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_app
from bot.app_keys import STORE
from bot.channels.telegram.feature import telegram_feature
from bot.engine.feature import conversation_feature
from bot.notify.feature import NOTIFY, notify_feature
from storage.store import Store
from tests.bot.channels.telegram.conftest import eventually, free_port, seed_orders, telegram_settings
from tests.fakes.telegram import FakeTelegram, make_text_update

CHAT = 4242
PER_CHAT = 4.0  # messages per second to one chat: at least 0.25 s apart


async def test_a_push_right_after_a_reply_waits_for_the_chats_turn(
    sqlite_url: str, fake_telegram: FakeTelegram
) -> None:
    async with Store(sqlite_url) as store:
        await seed_orders(store)
    port = free_port()
    settings = telegram_settings(
        sqlite_url, fake_telegram, "webhook", port, telegram_send_rate_per_chat=PER_CHAT
    )
    app = build_app(settings, features=[conversation_feature, telegram_feature, notify_feature])
    client = TestClient(TestServer(app, host="127.0.0.1", port=port))
    await client.start_server()
    try:
        assert await fake_telegram.deliver_webhook(make_text_update(CHAT, "hi")) == 200
        async with app[STORE].transaction() as repos:
            await repos.outbox.enqueue(
                dedupe_key="pacing-test:delayed",
                kind="delayed",
                channel="telegram",
                recipient=str(CHAT),
                payload={"text": "Your parcel is running late."},
                scheduled_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        app[NOTIFY].wake()
        await eventually(lambda: len(fake_telegram.sent_messages(CHAT)) >= 2, what="the push to arrive")
    finally:
        await client.close()
    sends = [
        c
        for c in fake_telegram.calls_to("sendMessage")
        if c.params.get("chat_id") == CHAT and c.status == 200
    ]
    assert [c.params["text"] for c in sends][-1] == "Your parcel is running late."
    gap = sends[-1].at - sends[-2].at
    assert gap >= 1 / PER_CHAT - 0.02, f"push sent {gap:.3f} s after the reply"
