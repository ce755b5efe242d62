"""Fixtures for the Slack channel tests: FakeSlack (and FakeTelegram) on 127.0.0.1, a seeded shop,
the app with Slack mounted, and requests signed exactly as Slack signs them."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient
from slack_sdk.web.async_client import AsyncWebClient
from telegram import Bot

from bot.app import Feature
from bot.app_keys import STORE
from bot.channels.senders import sender_registry
from bot.channels.slack.feature import SLACK, slack_feature
from bot.channels.slack.web_api import SlackWebApi
from bot.channels.telegram.sender import TelegramSender
from bot.clock import SystemClock
from bot.config import Settings
from bot.engine.feature import ENGINE, conversation_feature
from bot.imports.orders import import_orders
from bot.notify.feature import notify_feature
from bot.notify.policy import STAFF_KINDS
from handlers.messages import IncomingMessage
from storage.store import Store
from tests.bot.conftest import make_client, test_settings
from tests.builders import order_line
from tests.fakes.fixtures import FAKE_SLACK_TOKEN, FAKE_TELEGRAM_TOKEN, fake_slack, fake_telegram
from tests.fakes.slack import FORM_CONTENT_TYPE, JSON_CONTENT_TYPE, FakeSlack, sign_slack_request

__all__ = ["fake_slack", "fake_telegram", "make_client"]

SIGNING_SECRET = "test-signing-secret"
TEAM_ID = "T0001"
SUPPORT_CHANNEL_ID = "C0SUPPORT"
STAFF_USER = "U0STAFF"
#: the Telegram chat id of the shopper in the handoff tests
SHOPPER_CHAT = "555"

SlackPost = Callable[..., Awaitable[ClientResponse]]


@pytest.fixture
async def slack_api(fake_slack: FakeSlack) -> AsyncIterator[SlackWebApi]:
    """Our SlackWebApi over a real AsyncWebClient pointed at the fake (real clock)."""
    client = AsyncWebClient(token=FAKE_SLACK_TOKEN, base_url=fake_slack.api_base_url)
    yield SlackWebApi(client, SystemClock())
    if client.session is not None:
        await client.session.close()


@pytest.fixture
def workspace(fake_slack: FakeSlack) -> FakeSlack:
    """FakeSlack with the #support channel and a staff member, Bo Staff (display name "Bo")."""
    fake_slack.add_channel(SUPPORT_CHANNEL_ID, "support")
    fake_slack.add_user(STAFF_USER, "Bo Staff", display_name="Bo")
    return fake_slack


def slack_settings(database_url: str, fake: FakeSlack, **overrides: object) -> Settings:
    """Settings with Slack on, pointed at ``fake``, for workspace T0001 and channel #support."""
    values: dict[str, object] = {
        "slack_bot_token": FAKE_SLACK_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_base_url": fake.api_base_url,
        "slack_support_channel": "#support",
        "slack_team_id": TEAM_ID,
    }
    values.update(overrides)
    return test_settings(database_url, **values)


def telegram_sender_feature(fake: Any) -> Feature:
    """Registers the real TelegramSender (python-telegram-bot against ``fake``) in the sender registry."""

    def feature(app: web.Application, settings: Settings) -> None:
        registry = sender_registry(app)

        async def context(app: web.Application) -> AsyncIterator[None]:
            bot = Bot(FAKE_TELEGRAM_TOKEN, base_url=fake.api_base_url)
            async with bot:
                registry.register(TelegramSender(bot))
                yield
                registry.unregister("telegram")

        app.cleanup_ctx.append(context)

    return feature


def slack_features(fake_telegram: Any | None = None) -> list[Feature]:
    """The engine, (the Telegram sender,) Slack, then notify (whose outbox dispatcher posts handoffs):
    the order of a normal server."""
    features: list[Feature] = [conversation_feature]
    if fake_telegram is not None:
        features.append(telegram_sender_feature(fake_telegram))
    features.append(slack_feature)
    features.append(notify_feature)
    return features


async def post_slack(
    client: TestClient,
    body: bytes,
    content_type: str = JSON_CONTENT_TYPE,
    *,
    timestamp: int | None = None,
    secret: str = SIGNING_SECRET,
) -> ClientResponse:
    """POST ``body`` to /slack/events signed as Slack signs it (``timestamp`` defaults to now)."""
    headers = sign_slack_request(secret, body, timestamp, content_type=content_type)
    return await client.post("/slack/events", data=body, headers=headers)


async def post_form(client: TestClient, body: bytes) -> ClientResponse:
    """A signed form post (slash commands, button clicks)."""
    return await post_slack(client, body, FORM_CONTENT_TYPE)


async def staff_rows_waiting(store: Store) -> int:
    """Outbox rows for staff in Slack not yet sent, failed or cancelled."""
    async with store.transaction() as repos:
        rows = [
            *await repos.outbox.by_status(status="pending"),
            *await repos.outbox.by_status(status="sending"),
        ]
    return sum(1 for row in rows if row.kind in STAFF_KINDS)


async def slack_idle(client: TestClient, within: float = 20.0) -> None:
    """Wait until the Slack jobs queued so far (relays, clicks) have finished and the outbox dispatcher
    has posted every queued handoff and shopper message."""
    deadline = time.monotonic() + within
    while True:
        await client.app[SLACK].idle()
        if not await staff_rows_waiting(client.app[STORE]):
            await client.app[SLACK].idle()
            return
        if time.monotonic() > deadline:
            raise AssertionError("staff rows still waiting in the outbox")
        await asyncio.sleep(0.02)


async def seed_orders(store: Store) -> None:
    """Order 1001 (in transit) and 1002 (delivered) for Ann; 2001 (not shipped) for Bob."""
    lines = [
        order_line("1001"),
        order_line("1002", shipment_status="delivered", placed_at="2026-11-10T10:00:00Z"),
        order_line("2001", email="bob@example.com", shipment_status=None),
    ]
    await import_orders(store, [json.dumps(line) for line in lines])


def now() -> int:
    """Unix seconds now (Slack's request timestamp)."""
    return int(time.time())


async def shopper_says(client: TestClient, text: str, n: int) -> list[str]:
    """A Telegram shopper's message through the engine; returns the bot's reply texts."""
    result = await client.app[ENGINE].handle(
        IncomingMessage(channel="telegram", external_id=SHOPPER_CHAT, text=text, message_id=f"m{n}")
    )
    return [reply.text for reply in result.replies]


async def start_handoff(client: TestClient) -> None:
    """Verify the shopper for order 1001, then ask for a person."""
    await shopper_says(client, "where is my order 1001?", 1)
    await shopper_says(client, "ann@example.com", 2)
    await shopper_says(client, "I want to talk to a human", 3)
    await slack_idle(client)
