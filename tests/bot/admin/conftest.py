"""Fixtures for the operator console: the real app (engine, the real Telegram sender against
FakeTelegram, the console) on loopback, a shop with a month of report data and open handoffs, a
logged-in HTTP client, and headless Chromium."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer

from bot.admin.feature import admin_feature
from bot.app import build_app
from bot.app_keys import STORE
from bot.clock import FakeClock
from bot.config import Settings
from bot.engine.feature import ENGINE, conversation_feature
from handlers.messages import IncomingMessage
from storage.store import Store
from tests.bot.channels.conftest import browser, chromium
from tests.bot.channels.slack.conftest import telegram_sender_feature
from tests.bot.report.conftest import decided, facts, load_orders, record, sent, shipped_order, threads
from tests.builders import order_line
from tests.fakes.fixtures import fake_telegram
from tests.fakes.telegram import FakeTelegram

__all__ = ["browser", "chromium", "fake_telegram"]

#: Monday 30 November 2026, noon UTC: the support desk is open, the report covers November
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
PASSWORD = "correct-horse-battery"
API_TOKEN = "console-api-token-123"
SECRET = "console-test-secret"
#: the Telegram chat ids of the two shoppers who ask for a person
ANN_CHAT, BOB_CHAT = "555", "777"
CSRF_INPUT = re.compile(r'name="csrf" value="([^"]+)"')
ONCE_INPUT = re.compile(r'name="once" value="([^"]+)"')


@dataclass
class ConsoleServer:
    """The running app and its HTTP client."""

    client: TestClient
    telegram: FakeTelegram

    @property
    def app(self) -> web.Application:
        """The aiohttp application."""
        return self.client.app  # type: ignore[return-value]

    @property
    def store(self) -> Store:
        """The app's store."""
        return self.app[STORE]

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return str(self.client.make_url("")).rstrip("/")

    def url(self, path: str) -> str:
        """Absolute URL of ``path``."""
        return self.origin + path

    async def shopper_says(self, chat: str, text: str, message_id: str) -> list[str]:
        """A Telegram shopper's message through the engine; the bot's reply texts."""
        result = await self.app[ENGINE].handle(
            IncomingMessage(channel="telegram", external_id=chat, text=text, message_id=message_id)
        )
        return [reply.text for reply in result.replies]

    async def open_handoffs(self) -> list[Any]:
        """The open and claimed handoffs, oldest first."""
        async with self.store.transaction() as repos:
            return await repos.handoffs.list_open()

    async def login(self, password: str = PASSWORD, agent: str = "Maya") -> ClientResponse:
        """Log in through the login form (as a browser would: its CSRF token, this origin)."""
        form = await self.client.get("/admin/login")
        token = CSRF_INPUT.search(await form.text())
        assert token is not None
        return await self.client.post(
            "/admin/login",
            data={"csrf": token.group(1), "password": password, "agent": agent, "next": "/admin"},
            headers={"Origin": self.origin},
            allow_redirects=False,
        )

    async def form_tokens(self, path: str) -> tuple[str, str]:
        """The CSRF token and the once-only key of the forms on page ``path``."""
        page = await (await self.client.get(path)).text()
        csrf, once = CSRF_INPUT.search(page), ONCE_INPUT.search(page)
        assert csrf is not None and once is not None, page[:500]
        return csrf.group(1), once.group(1)

    def bearer(self, token: str = API_TOKEN) -> dict[str, str]:
        """The API's Authorization header."""
        return {"Authorization": f"Bearer {token}"}


StartConsole = Callable[..., Awaitable[ConsoleServer]]


async def seed_report(store: Store) -> None:
    """November 2026: 40 shipments, conversations of every outcome on several days, proactive messages
    sent, deferred and suppressed, so every chart has data."""
    lines = [shipped_order(f"70{n:02d}", f"2026-11-{1 + n % 28:02d}T09:00:00Z") for n in range(40)]
    await load_orders(store, lines)
    ids = await threads(store, 24)
    turns = []
    for n, conversation in enumerate(ids):
        when = datetime(2026, 11, 2 + n, 10, 0, tzinfo=UTC) if n < 28 else NOW - timedelta(days=1)
        kind = ("answer", "answer", "fallback", "smalltalk")[n % 4]
        intent = "order_status" if kind == "answer" else None
        turns.append(facts(conversation, when, kind, intent=intent, order=f"70{n:02d}" if intent else None))
        if n % 6 == 5:
            turns.append(
                facts(conversation, when + timedelta(minutes=2), "answer", intent="setup_help", handoff=True)
            )
    await record(store, *turns)
    for n in range(12):
        when = datetime(2026, 11, 3 + n, 9, 30, tzinfo=UTC)
        await sent(store, f"70{n:02d}", "shipped", when)
        await sent(store, f"70{n:02d}", "out_for_delivery", when + timedelta(days=1))
    for n in range(5):
        when = datetime(2026, 11, 10 + n, 22, 0, tzinfo=UTC)
        await decided(store, f"70{n:02d}", "delivered", "deferred", "quiet hours until 08:00", when)
        await decided(store, f"70{n + 20:02d}", "shipped", "suppressed", "touch cap reached (6 of 6)", when)


async def seed_handoffs(server: ConsoleServer) -> None:
    """Ann (verified for order 1001) and Bob (not verified) each ask for a person on Telegram."""
    await load_orders(server.store, [order_line("1001"), order_line("2001", email="bob@example.com")])
    await server.shopper_says(ANN_CHAT, "where is my order 1001?", "a1")
    await server.shopper_says(ANN_CHAT, "ann@example.com", "a2")
    await server.shopper_says(ANN_CHAT, "I want to talk to a human", "a3")
    await server.shopper_says(BOB_CHAT, "agent", "b1")


@pytest.fixture
async def start_console(sqlite_url: str, fake_telegram: FakeTelegram) -> AsyncIterator[StartConsole]:
    """Starts the app (engine, Telegram sender, console) on 127.0.0.1 at :data:`NOW`; ``seed`` loads the
    report month and the two handoffs."""
    clients: list[TestClient] = []

    async def start(*, seed: bool = True, db: str | None = None, **overrides: object) -> ConsoleServer:
        values: dict[str, object] = {
            "database_url": db or sqlite_url,
            "admin_password": PASSWORD,
            "api_token": API_TOKEN,
            "secret_key": SECRET,
        }
        values.update(overrides)
        settings = Settings(**values)  # type: ignore[arg-type]
        features = [conversation_feature, telegram_sender_feature(fake_telegram), admin_feature]
        app = build_app(settings, features=features, clock=FakeClock(NOW))
        client = TestClient(TestServer(app, host="127.0.0.1"))
        await client.start_server()
        clients.append(client)
        server = ConsoleServer(client=client, telegram=fake_telegram)
        if seed:
            await seed_report(server.store)
            await seed_handoffs(server)
        return server

    yield start
    for client in clients:
        await client.close()


@pytest.fixture
async def console(start_console: StartConsole) -> ConsoleServer:
    """The seeded console with the default settings."""
    return await start_console()
