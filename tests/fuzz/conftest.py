"""A whole doorstep server for hostile-input tests, on SQLite and on PostgreSQL.

``hostile_server`` starts ``build_app(settings)`` with every default feature on 127.0.0.1, as
``doorstep serve`` does (the path-only access log, the safe log handler capturing every record),
with Telegram (webhook mode), Slack and WhatsApp pointed at their fakes, the provider webhook
secrets and the API token set, and two orders seeded. It is started once per module and database
(starting the NLU, the search index and three chat channels takes seconds).
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import ClientResponseError, web
from aiohttp.test_utils import TestClient, TestServer
from yarl import URL

from bot.app import build_app
from bot.app_keys import STORE
from bot.config import Settings
from bot.imports.orders import import_orders
from bot.logs import log_handler
from bot.web.access_log import PathOnlyAccessLogger
from bot.web.metrics import REQUEST_METRICS
from storage.migrate import upgrade
from tests.builders import order_line
from tests.conftest import new_pg_database
from tests.fakes.fixtures import FAKE_SLACK_TOKEN, FAKE_TELEGRAM_TOKEN
from tests.fakes.slack import FakeSlack
from tests.fakes.telegram import FakeTelegram
from tests.fakes.whatsapp import FakeWhatsApp
from tests.loopback import free_port

API_TOKEN = "fuzz-api-token"
TELEGRAM_SECRET = "fuzz-telegram-secret"
SLACK_SIGNING_SECRET = "fuzz-slack-signing-secret"
SLACK_TEAM_ID = "T0001"
SHOPIFY_SECRET = "fuzz-shopify-secret"
EASYPOST_SECRET = "fuzz-easypost-secret"
AFTERSHIP_SECRET = "fuzz-aftership-secret"
WHATSAPP_VERIFY_TOKEN = "fuzz-verify-token"
LINK_SECRET = "fuzz-link-secret"
#: the seeded orders: (number, email, phone)
ORDERS = (("1001", "ann@example.com", "+1 555 0100"), ("1002", "bob@example.com", "+1 555 0199"))


@dataclass(frozen=True)
class Answer:
    """A response's status and body."""

    status: int
    body: bytes


@dataclass(repr=False)
class HostileServer:
    """The running server, its fakes, and the whole log it has written so far."""

    client: TestClient
    telegram: FakeTelegram
    slack: FakeSlack
    whatsapp: FakeWhatsApp
    settings: Settings
    log: io.StringIO
    database: str
    statuses: list[tuple[str, str, int]] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"HostileServer({self.database}, {len(self.statuses)} requests sent)"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # Hypothesis prints arguments this way
        printer.text(repr(self))

    @property
    def app(self) -> web.Application:
        """The doorstep app."""
        return self.client.app

    async def send(
        self, method: str, path: str, *, data: bytes | None = None, headers: Mapping[str, str] | None = None
    ) -> Answer:
        """One request with ``path`` sent exactly as given (already encoded).

        A request the server refuses at the HTTP level (a request line over aiohttp's limit) and
        answers with a status the client cannot read as a response is returned with that status.
        """
        url = URL(f"http://127.0.0.1:{self.client.port}{path}", encoded=True)
        try:
            async with self.client.session.request(
                method, url, data=data, headers=dict(headers or {}), allow_redirects=False
            ) as response:
                answer = Answer(response.status, await response.read())
        except ClientResponseError as exc:
            answer = Answer(exc.status, exc.message.encode("utf-8", "replace"))
        self.statuses.append((method, path, answer.status))
        return answer

    def server_errors(self) -> dict[tuple[str, str, int], int]:
        """Requests the server counted with a 5xx status (by method, route and status)."""
        counts = self.app[REQUEST_METRICS].counts
        return {key: count for key, count in counts.items() if key[2] >= 500}


def hostile_settings(
    database_url: str, port: int, telegram: FakeTelegram, slack: FakeSlack, whatsapp: FakeWhatsApp
) -> Settings:
    """Every channel and webhook on, each pointed at its fake (tests are about input, not pacing)."""
    return Settings(
        database_url=database_url,
        api_token=API_TOKEN,
        secret_key=LINK_SECRET,
        public_url=f"http://127.0.0.1:{port}",
        telegram_token=FAKE_TELEGRAM_TOKEN,
        telegram_api_base_url=telegram.base_url,
        telegram_mode="webhook",
        telegram_webhook_secret=TELEGRAM_SECRET,
        telegram_send_rate=1000.0,
        telegram_send_rate_per_chat=1000.0,
        slack_bot_token=FAKE_SLACK_TOKEN,
        slack_signing_secret=SLACK_SIGNING_SECRET,
        slack_api_base_url=slack.api_base_url,
        slack_support_channel="#support",
        slack_team_id=SLACK_TEAM_ID,
        shopify_webhook_secret=SHOPIFY_SECRET,
        easypost_webhook_secret=EASYPOST_SECRET,
        aftership_webhook_secret=AFTERSHIP_SECRET,
        whatsapp_token=whatsapp.token,
        whatsapp_phone_number_id=whatsapp.phone_number_id,
        whatsapp_app_secret=whatsapp.app_secret,
        whatsapp_verify_token=WHATSAPP_VERIFY_TOKEN,
        whatsapp_api_base_url=whatsapp.api_base_url,
        whatsapp_number=whatsapp.display_number,
        whatsapp_send_rate=1000.0,
        whatsapp_send_rate_per_recipient=1000.0,
    )


async def _database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('hostile') / 'shop.db'}"
        await upgrade(url)
        return url
    return await new_pg_database(
        request.getfixturevalue("pg_admin_url"), request.getfixturevalue("pg_template")
    )


@pytest_asyncio.fixture(
    scope="module",
    loop_scope="module",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
async def hostile_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[HostileServer]:
    """The whole server on one database (see the module docstring), with its log captured."""
    database_url = await _database(request, tmp_path_factory)
    captured = io.StringIO()
    handler = log_handler(captured)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)  # the production default
    port = free_port()
    async with AsyncExitStack() as stack:
        telegram = await stack.enter_async_context(FakeTelegram(token=FAKE_TELEGRAM_TOKEN, hang_seconds=5.0))
        slack = await stack.enter_async_context(FakeSlack(token=FAKE_SLACK_TOKEN, hang_seconds=5.0))
        slack.add_channel("C0SUPPORT", "support")
        slack.add_user("U0STAFF", "Bo Staff", display_name="Bo")
        whatsapp = await stack.enter_async_context(
            FakeWhatsApp(webhook_url=f"http://127.0.0.1:{port}/whatsapp/webhook")
        )
        settings = hostile_settings(database_url, port, telegram, slack, whatsapp)
        server = TestServer(build_app(settings), host="127.0.0.1", port=port)
        await server.start_server(access_log_class=PathOnlyAccessLogger)
        client = TestClient(server)
        await client.start_server()
        stack.push_async_callback(client.close)
        lines = [json.dumps(order_line(number, email=email, phone=phone)) for number, email, phone in ORDERS]
        report = await import_orders(client.app[STORE], lines)
        assert report.created == len(ORDERS), report.errors
        try:
            yield HostileServer(
                client=client,
                telegram=telegram,
                slack=slack,
                whatsapp=whatsapp,
                settings=settings,
                log=captured,
                database=request.param,
            )
        finally:
            root.removeHandler(handler)
            root.setLevel(level)
