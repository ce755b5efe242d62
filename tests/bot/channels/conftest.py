"""Fixtures for the web chat tests: the real app (conversation + web chat) on loopback with a
SQLite database of orders, and headless Chromium driven by Playwright.

Chromium is the system one (``/usr/bin/chromium``); ``playwright install`` is never needed.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
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
from tests.conftest import new_pg_database
from tests.loopback import free_port

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


# ---------------------------------------------------------------- real server processes
REPO = Path(__file__).resolve().parents[3]
API_TOKEN = "webchat-processes-token"


class ServerProcess:
    """One ``doorstep serve`` process on 127.0.0.1 (a real process, as deployed)."""

    def __init__(self, name: str, database_url: str, workdir: Path, **settings: str) -> None:
        self.name = name
        self.port = free_port()
        self.env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "DOORSTEP_DATABASE_URL": database_url,
            "DOORSTEP_HOST": "127.0.0.1",
            "DOORSTEP_PORT": str(self.port),
            "DOORSTEP_SECRET_KEY": SECRET,
            "DOORSTEP_API_TOKEN": API_TOKEN,
            "DOORSTEP_LOG_LEVEL": "INFO",
            **{f"DOORSTEP_{key.upper()}": value for key, value in settings.items()},
        }
        self.workdir = workdir
        self.log = workdir / f"{name}.log"
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        """The process id."""
        assert self.proc is not None
        return self.proc.pid

    async def start(self) -> None:
        """Start the process (see :meth:`wait_ready`)."""
        with self.log.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot.cli",
                "serve",
                cwd=self.workdir,
                env=self.env,
                stdout=log,
                stderr=log,
            )

    async def wait_ready(self, within: float = 90.0) -> None:
        """Wait until ``GET /healthz`` answers 200 (the app has started)."""
        deadline = asyncio.get_running_loop().time() + within
        async with aiohttp.ClientSession() as session:
            while asyncio.get_running_loop().time() < deadline:
                assert self.proc is not None
                if self.proc.returncode is not None:
                    raise AssertionError(f"{self.name} exited: {self.log.read_text()[-3000:]}")
                try:
                    async with session.get(f"{self.url}/healthz") as answer:
                        if answer.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.2)
        raise AssertionError(f"{self.name} did not start: {self.log.read_text()[-3000:]}")

    async def kill(self, sig: int = signal.SIGKILL) -> None:
        """Stop the process with ``sig`` (kill -9 by default) and wait for it."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(sig)
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


StartProcess = Callable[..., Awaitable[ServerProcess]]


@pytest.fixture
async def pg_shop(pg_admin_url: str, pg_template: str) -> str:
    """A fresh migrated PostgreSQL database with Ann's order 1001 in transit, due in a few days of
    the real clock (server processes run on it); its URL."""
    url = await new_pg_database(pg_admin_url, pg_template)
    today = datetime.now(UTC).date()
    line = order_line(
        "1001",
        email="ann@example.com",
        placed_at=(datetime.now(UTC) - timedelta(days=2)).isoformat(),
        eta=(today + timedelta(days=3)).isoformat(),
        promised_by=(today + timedelta(days=4)).isoformat(),
    )
    line["shipments"][0]["shipped_at"] = (datetime.now(UTC) - timedelta(hours=6)).isoformat()
    async with Store(url) as store:
        report = await import_orders(store, [json.dumps(line)])
    assert report.rejected == 0, report.to_dict()
    return url


@pytest.fixture
async def start_process(tmp_path: Path) -> AsyncIterator[StartProcess]:
    """Starts ``doorstep serve`` processes (all started concurrently are waited for together);
    every one still running is stopped at the end."""
    started: list[ServerProcess] = []

    async def start(name: str, database_url: str, **settings: str) -> ServerProcess:
        server = ServerProcess(name, database_url, tmp_path, **settings)
        started.append(server)
        await server.start()
        await server.wait_ready()
        return server

    yield start
    for server in started:
        await server.kill(signal.SIGTERM)
