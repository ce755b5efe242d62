"""A doorstep server with the Telegram channel on, driven by FakeTelegram over loopback.

``telegram_server(mode)`` starts the real app (engine + Telegram feature, real SQLite seeded
with orders) against a FakeTelegram, in polling or webhook mode. ``TelegramHarness.send``
delivers an update the way Telegram would in that mode and returns once it was answered.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_app
from bot.app_keys import STORE
from bot.channels.telegram.feature import telegram_feature
from bot.channels.telegram.runtime import TELEGRAM, TelegramRuntime
from bot.config import Settings
from bot.engine.feature import conversation_feature
from bot.imports.orders import import_orders
from storage.models import ChannelIdentity
from storage.store import Store
from tests.builders import order_line
from tests.fakes.fixtures import FAKE_TELEGRAM_TOKEN, fake_telegram  # noqa: F401  (fixture)
from tests.fakes.telegram import FakeTelegram

WEBHOOK_SECRET = "hook-secret-123"
LINK_SECRET = "link-secret-for-tests"
API_TOKEN = "test-token-123"
#: orders every test database holds: (number, email)
SEEDED_ORDERS = (("1001", "ann@example.com"), ("1002", "bob@example.com"))


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def expected_delivery() -> date:
    """Order 1001's ETA: two days from today (the harness runs on the wall clock, so an ETA fixed
    in the calendar would one day lie in the past and the bot would rightly call the parcel late)."""
    return datetime.now(UTC).date() + timedelta(days=2)


async def seed_orders(store: Store) -> None:
    """Load the SEEDED_ORDERS (1001 is on its way, due :func:`expected_delivery`; 1002 is delivered)."""
    eta = expected_delivery()
    lines = [
        json.dumps(
            order_line(
                "1001",
                email="ann@example.com",
                eta=eta.isoformat(),
                promised_by=(eta + timedelta(days=1)).isoformat(),
            )
        ),
        json.dumps(
            order_line("1002", email="bob@example.com", phone="+1 555 0199", shipment_status="delivered")
        ),
    ]
    report = await import_orders(store, lines)
    assert report.created == 2, report.errors


def telegram_settings(
    database_url: str, fake: FakeTelegram, mode: str, port: int, **overrides: Any
) -> Settings:
    """Settings of a test server on ``port`` using ``fake`` as the Bot API."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "api_token": API_TOKEN,
        "secret_key": LINK_SECRET,
        "public_url": f"http://127.0.0.1:{port}",
        "telegram_token": FAKE_TELEGRAM_TOKEN,
        "telegram_api_base_url": fake.base_url,
        "telegram_mode": mode,
        "telegram_webhook_secret": WEBHOOK_SECRET,
        "telegram_bot_username": "doorstep_test_bot",
        # tests are about behaviour, not pacing (one test checks the default pace)
        "telegram_send_rate": 1000.0,
        "telegram_send_rate_per_chat": 1000.0,
    }
    values.update(overrides)
    return Settings(**values)


async def eventually(check: Callable[[], bool], within: float = 10.0, what: str = "condition") -> None:
    """Wait until ``check()`` is true; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


@dataclass
class TelegramHarness:
    """The running server, its fake Bot API and helpers to talk like Telegram."""

    fake: FakeTelegram
    server: TestServer
    client: TestClient
    mode: str

    @property
    def app(self) -> web.Application:
        """The doorstep app."""
        return self.server.app

    @property
    def store(self) -> Store:
        """The app's store."""
        return self.app[STORE]

    @property
    def runtime(self) -> TelegramRuntime:
        """The running Telegram channel."""
        return self.app[TELEGRAM]

    async def send(self, update: dict[str, Any]) -> dict[str, Any]:
        """Deliver ``update`` as Telegram does in this mode; returns it (ids filled in) once answered."""
        if self.mode == "webhook":
            before = len(self.fake.webhook_deliveries)
            status = await self.fake.deliver_webhook(update)
            assert status == 200
            return self.fake.webhook_deliveries[before].update
        prepared = self.fake.push_update(update)
        update_id = prepared["update_id"]
        await eventually(
            lambda: (
                all(item["update_id"] != update_id for item in self.fake.pending_updates)
                and self.runtime.channel.busy_chats == 0
            ),
            what=f"update {update_id} to be answered",
        )
        return prepared

    def texts(self, chat_id: int) -> list[str]:
        """Texts of the messages the bot sent to ``chat_id``, in order."""
        return [str(message["text"]) for message in self.fake.sent_messages(chat_id)]

    def last_message(self, chat_id: int) -> dict[str, Any]:
        """The last message sent to ``chat_id`` (params of the sendMessage call)."""
        sent = self.fake.sent_messages(chat_id)
        assert sent, f"nothing was sent to {chat_id}"
        return sent[-1]

    def bot_message_id(self, chat_id: int) -> int:
        """The message id of the bot's last message in ``chat_id`` (to press its buttons)."""
        own = [m for m in self.fake.chat_messages(chat_id) if m.get("from", {}).get("is_bot")]
        return int(own[-1]["message_id"])

    async def identity(self, chat_id: int) -> ChannelIdentity | None:
        """The stored chat identity of ``chat_id``."""
        async with self.store.transaction() as repos:
            return await repos.identities.get(channel="telegram", external_id=str(chat_id))


ServerFactory = Callable[..., Awaitable[TelegramHarness]]


@pytest.fixture
async def telegram_server(
    sqlite_url: str,
    fake_telegram: FakeTelegram,  # noqa: F811
) -> AsyncIterator[ServerFactory]:
    """``await telegram_server(mode, fake=None, **setting_overrides)`` -> a started TelegramHarness."""
    started: list[TestClient] = []
    seeded = False

    async def factory(mode: str, fake: FakeTelegram | None = None, **overrides: Any) -> TelegramHarness:
        nonlocal seeded
        if not seeded:
            async with Store(sqlite_url) as store:
                await seed_orders(store)
            seeded = True
        api = fake or fake_telegram
        port = free_port()
        settings = telegram_settings(sqlite_url, api, mode, port, **overrides)
        app = build_app(settings, features=[conversation_feature, telegram_feature])
        server = TestServer(app, host="127.0.0.1", port=port)
        client = TestClient(server)
        await client.start_server()
        started.append(client)
        return TelegramHarness(fake=api, server=server, client=client, mode=mode)

    yield factory
    for client in reversed(started):
        await client.close()


@pytest.fixture(params=["polling", "webhook"])
def mode(request: pytest.FixtureRequest) -> str:
    """Each test runs in both modes (unless marked ONE_MODE)."""
    return str(request.param)


#: for behaviour below the transport (the same code answers both modes): webhook mode only
ONE_MODE = pytest.mark.parametrize("mode", ["webhook"])
