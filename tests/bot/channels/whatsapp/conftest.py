"""A doorstep server with the WhatsApp channel on, driven by FakeWhatsApp over loopback.

``whatsapp_server(**setting_overrides)`` starts the real app (engine + WhatsApp feature, real
SQLite seeded with orders) against a FakeWhatsApp whose webhook points at it. The fake delivers a
shopper's message the way Meta does (signed POST) and returns once doorstep acknowledged it,
which it does after answering.
"""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_app
from bot.app_keys import STORE
from bot.channels.whatsapp.feature import whatsapp_feature
from bot.channels.whatsapp.runtime import WHATSAPP, WhatsAppRuntime
from bot.clock import Clock
from bot.config import Settings
from bot.engine.feature import conversation_feature
from bot.imports.orders import import_orders
from storage.models import ChannelIdentity
from storage.store import Store
from tests.builders import order_line
from tests.fakes.whatsapp import FakeWhatsApp

VERIFY_TOKEN = "verify-me-123"
LINK_SECRET = "link-secret-for-tests"
API_TOKEN = "test-token-123"
#: Ann's WhatsApp number (her phone on order 1001 is +1 555 0123)
ANN = "15550123"
ANN_PHONE = "+1 555 0123"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def expected_delivery() -> date:
    """Order 1001's ETA: two days from today (the server runs on the wall clock)."""
    return datetime.now(UTC).date() + timedelta(days=2)


async def seed_orders(store: Store) -> None:
    """Order 1001 (Ann, on its way) and 1002 (Bob, delivered)."""
    eta = expected_delivery()
    lines = [
        json.dumps(
            order_line(
                "1001",
                email="ann@example.com",
                phone=ANN_PHONE,
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


def whatsapp_settings(database_url: str, fake: FakeWhatsApp, port: int, **overrides: Any) -> Settings:
    """Settings of a test server on ``port`` using ``fake`` as the Graph API."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "api_token": API_TOKEN,
        "secret_key": LINK_SECRET,
        "public_url": f"http://127.0.0.1:{port}",
        "whatsapp_token": fake.token,
        "whatsapp_phone_number_id": fake.phone_number_id,
        "whatsapp_app_secret": fake.app_secret,
        "whatsapp_verify_token": VERIFY_TOKEN,
        "whatsapp_api_base_url": fake.api_base_url,
        "whatsapp_number": fake.display_number,
        # tests are about behaviour, not pacing
        "whatsapp_send_rate": 1000.0,
        "whatsapp_send_rate_per_recipient": 1000.0,
    }
    values.update(overrides)
    return Settings(**values)


@dataclass
class WhatsAppHarness:
    """The running server, its fake Graph API and helpers to talk like a shopper."""

    fake: FakeWhatsApp
    server: TestServer
    client: TestClient

    @property
    def app(self) -> web.Application:
        """The doorstep app."""
        return self.server.app

    @property
    def store(self) -> Store:
        """The app's store."""
        return self.app[STORE]

    @property
    def runtime(self) -> WhatsAppRuntime:
        """The running WhatsApp channel."""
        return self.app[WHATSAPP]

    async def say(self, wa_id: str, text: str) -> None:
        """``wa_id`` types ``text``; returns once doorstep answered (and acknowledged with 200)."""
        status, body = await self.fake.send_text(wa_id, text)
        assert status == 200, body

    async def press(self, wa_id: str, payload: str, title: str = "") -> None:
        """``wa_id`` presses a reply button."""
        status, body = await self.fake.press(wa_id, payload, title)
        assert status == 200, body

    def texts(self, wa_id: str) -> list[str]:
        """What ``wa_id`` read, in order."""
        return self.fake.texts(wa_id)

    async def identity(self, wa_id: str) -> ChannelIdentity | None:
        """The stored identity of ``wa_id``."""
        async with self.store.transaction() as repos:
            return await repos.identities.get(channel="whatsapp", external_id=wa_id)

    async def customer_id(self, email: str) -> int:
        """The id of the customer with ``email``."""
        async with self.store.transaction() as repos:
            customer = await repos.customers.by_email(email=email)
        assert customer is not None and customer.id is not None
        return int(customer.id)


ServerFactory = Callable[..., Awaitable[WhatsAppHarness]]


@pytest.fixture
async def fake_whatsapp() -> AsyncIterator[FakeWhatsApp]:
    """A started FakeWhatsApp (its webhook URL is set by ``whatsapp_server``)."""
    async with FakeWhatsApp() as fake:
        yield fake


@pytest.fixture
async def whatsapp_server(sqlite_url: str, fake_whatsapp: FakeWhatsApp) -> AsyncIterator[ServerFactory]:
    """``await whatsapp_server(features=None, clock=None, **setting_overrides)`` -> a started harness."""
    started: list[TestClient] = []
    async with Store(sqlite_url) as store:
        await seed_orders(store)

    async def factory(
        *, features: list[Any] | None = None, clock: Clock | None = None, **overrides: Any
    ) -> WhatsAppHarness:
        port = free_port()
        settings = whatsapp_settings(sqlite_url, fake_whatsapp, port, **overrides)
        app = build_app(settings, features=features or [conversation_feature, whatsapp_feature], clock=clock)
        server = TestServer(app, host="127.0.0.1", port=port)
        client = TestClient(server)
        await client.start_server()
        started.append(client)
        fake_whatsapp.webhook_url = f"http://127.0.0.1:{port}/whatsapp/webhook"
        return WhatsAppHarness(fake=fake_whatsapp, server=server, client=client)

    yield factory
    for client in reversed(started):
        await client.close()
