"""pytest fixtures starting the fakes and real clients pointed at them.

Enable them in a conftest with `from tests.fakes.fixtures import fake_telegram, telegram_bot, ...`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from telegram import Bot

from tests.fakes.slack import FakeSlack
from tests.fakes.telegram import FakeTelegram

FAKE_TELEGRAM_TOKEN = "123456:TEST-TOKEN"
FAKE_SLACK_TOKEN = "xoxb-test-token"


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    """A started FakeTelegram expecting FAKE_TELEGRAM_TOKEN."""
    async with FakeTelegram(token=FAKE_TELEGRAM_TOKEN, hang_seconds=5.0) as fake:
        yield fake


@pytest.fixture
async def telegram_bot(fake_telegram: FakeTelegram) -> AsyncIterator[Bot]:
    """An initialized python-telegram-bot `Bot` talking to `fake_telegram`."""
    bot = Bot(
        FAKE_TELEGRAM_TOKEN, base_url=fake_telegram.api_base_url, base_file_url=fake_telegram.file_base_url
    )
    async with bot:
        yield bot


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """A started FakeSlack expecting FAKE_SLACK_TOKEN."""
    async with FakeSlack(token=FAKE_SLACK_TOKEN, hang_seconds=5.0) as fake:
        yield fake


@pytest.fixture
async def slack_client(fake_slack: FakeSlack) -> AsyncIterator[AsyncWebClient]:
    """A slack_sdk AsyncWebClient talking to `fake_slack` (default retry handlers: connection errors only)."""
    client = AsyncWebClient(token=FAKE_SLACK_TOKEN, base_url=fake_slack.api_base_url)
    yield client
    if client.session is not None:
        await client.session.close()
