"""Fixtures for the web chat tests: the real app (conversation + web chat) on loopback with a
SQLite database of orders, and headless Chromium driven by Playwright.

Chromium is the system one (``/usr/bin/chromium``); ``playwright install`` is never needed.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from playwright.async_api import Browser, async_playwright

from bot.app import build_app
from bot.app_keys import STORE
from bot.channels.webchat.feature import WEBCHAT_HUB, WEBCHAT_SENDER, webchat_feature
from bot.channels.webchat.hub import WebChatHub, WebChatSender
from bot.clock import FakeClock
from bot.config import Settings
from bot.engine.feature import conversation_feature
from bot.imports.orders import import_orders
from bot.links import sign_link
from storage.store import Store
from tests.builders import order_line

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
#: the shop's "now" in these tests: the demo orders are in transit, due on the 24th
NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
SECRET = "webchat-test-secret"

#: Ann has two orders: 1001 (kettle, in transit) and 1002 (espresso machine, not yet shipped)
ANN_ORDERS: list[dict[str, Any]] = [
    order_line("1001", email="ann@example.com"),
    order_line(
        "1002",
        email="ann@example.com",
        shipment_status=None,
        items=[
            {
                "sku": "ES-900",
                "name": "Espresso Machine 900",
                "category": "kitchen-appliance",
                "quantity": 1,
                "requires_setup": True,
            }
        ],
    ),
]
#: Bob has one delivered order
BOB_ORDERS: list[dict[str, Any]] = [
    order_line("2001", email="bob@example.com", phone="+1 555 0199", shipment_status="delivered"),
]


@dataclass
class WebChatServer:
    """The running app: its URL, the app object (for its keys) and the store."""

    app: web.Application
    client: TestClient

    def url(self, path: str = "/") -> str:
        """Absolute URL of ``path`` on the test server."""
        return str(self.client.make_url(path))

    @property
    def store(self) -> Store:
        """The app's store."""
        return self.app[STORE]

    @property
    def hub(self) -> WebChatHub:
        """The web chat's open pages and queues."""
        return self.app[WEBCHAT_HUB]

    @property
    def sender(self) -> WebChatSender:
        """The web chat sender."""
        return self.app[WEBCHAT_SENDER]

    async def link_token_for(self, email: str) -> str:
        """A signed web chat link token for the customer with ``email``."""
        async with self.store.transaction() as repos:
            customer = await repos.customers.by_email(email=email)
        assert customer is not None and customer.id is not None
        return sign_link(customer.id, SECRET, datetime(2026, 12, 31, tzinfo=UTC))


StartServer = Callable[..., Awaitable[WebChatServer]]


class RunAppServer(TestServer):
    """A test server whose handlers run on when their client goes away, as under ``web.run_app``
    (``doorstep serve``); aiohttp's test server cancels them."""

    async def _make_runner(self, **kwargs: Any) -> web.AppRunner:
        kwargs["handler_cancellation"] = False
        return await super()._make_runner(**kwargs)


async def _seed(database_url: str) -> None:
    async with Store(database_url) as store:
        report = await import_orders(store, [json.dumps(line) for line in ANN_ORDERS + BOB_ORDERS])
        assert report.rejected == 0, report.to_dict()


@pytest.fixture
async def start_webchat(sqlite_url: str) -> AsyncIterator[StartServer]:
    """Starts build_app (conversation + web chat features) on 127.0.0.1 with the orders seeded."""
    await _seed(sqlite_url)
    clients: list[TestClient] = []

    async def start(*, like_run_app: bool = False, **overrides: object) -> WebChatServer:
        values: dict[str, object] = {
            "database_url": sqlite_url,
            "secret_key": SECRET,
            "chat_rate_limit_per_minute": 1000,
        }
        values.update(overrides)
        settings = Settings(**values)  # type: ignore[arg-type]
        app = build_app(settings, features=[conversation_feature, webchat_feature], clock=FakeClock(NOW))
        server = RunAppServer(app, host="127.0.0.1") if like_run_app else TestServer(app, host="127.0.0.1")
        client = TestClient(server)
        await client.start_server()
        clients.append(client)
        return WebChatServer(app=app, client=client)

    yield start
    for client in clients:
        await client.close()


@pytest.fixture
async def webchat_server(start_webchat: StartServer) -> WebChatServer:
    """The app with its default test settings."""
    return await start_webchat()


@pytest.fixture
def chromium() -> str:
    """Path of the system Chromium (.ci/run installs it; a missing browser fails the test)."""
    assert Path(CHROMIUM).exists(), "chromium is not installed at /usr/bin/chromium: run .ci/run"
    return CHROMIUM


@pytest.fixture
async def browser(chromium: str) -> AsyncIterator[Browser]:
    """Headless system Chromium driven by Playwright (``playwright install`` is never needed)."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()
