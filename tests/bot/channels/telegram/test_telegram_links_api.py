"""``GET /api/orders/{number}/links`` and ``doorstep link ORDER_NUMBER``."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.channels.telegram.feature import telegram_feature
from bot.cli import main
from bot.links import verify_link
from storage.store import Store
from tests.bot.channels.telegram.conftest import API_TOKEN, LINK_SECRET, seed_orders
from tests.bot.conftest import ClientFactory, test_settings

TOKEN_IN_LINK = re.compile(r"^https://t\.me/shop_bot\?start=([A-Za-z0-9_-]{1,64})$")


async def _customer_of(url: str, number: str) -> int:
    async with Store(url) as store, store.transaction() as repos:
        order = await repos.orders.by_number(order_number=number)
        assert order is not None
        return int(order.customer_id)


async def _seeded(url: str) -> None:
    async with Store(url) as store:
        await seed_orders(store)


def _settings(url: str) -> object:
    return test_settings(
        url,
        secret_key=LINK_SECRET,
        telegram_bot_username="shop_bot",
        public_url="https://shop.example.test/chat/",
        link_ttl_days=7,
    )


async def test_links_of_an_order_verify_for_its_customer(sqlite_url: str, make_client: ClientFactory) -> None:
    await _seeded(sqlite_url)
    client = await make_client(_settings(sqlite_url), features=[telegram_feature])

    before = datetime.now(UTC)
    response = await client.get("/api/orders/1002/links", headers={"Authorization": f"Bearer {API_TOKEN}"})

    assert response.status == 200
    body = await response.json()
    assert set(body) == {"order_number", "telegram", "web", "expires_at"}
    assert body["order_number"] == "1002"
    match = TOKEN_IN_LINK.match(body["telegram"])
    assert match is not None, body["telegram"]
    token = match.group(1)
    assert body["web"] == f"https://shop.example.test/chat/?t={token}"
    expires = datetime.fromisoformat(body["expires_at"])
    assert (
        before + timedelta(days=7) - timedelta(seconds=2) <= expires <= datetime.now(UTC) + timedelta(days=7)
    )
    customer_id = await _customer_of(sqlite_url, "1002")
    assert verify_link(token, LINK_SECRET, datetime.now(UTC)) == customer_id
    assert verify_link(token, LINK_SECRET, expires + timedelta(seconds=1)) is None
    assert verify_link(token, "another-secret", datetime.now(UTC)) is None


async def test_links_need_the_bearer_token(sqlite_url: str, make_client: ClientFactory) -> None:
    await _seeded(sqlite_url)
    client = await make_client(_settings(sqlite_url), features=[telegram_feature])
    missing = await client.get("/api/orders/1001/links")
    wrong = await client.get("/api/orders/1001/links", headers={"Authorization": "Bearer nope"})
    assert (missing.status, wrong.status) == (401, 401)
    assert "telegram" not in await missing.json()


async def test_links_of_an_unknown_order_are_404(sqlite_url: str, make_client: ClientFactory) -> None:
    await _seeded(sqlite_url)
    client = await make_client(_settings(sqlite_url), features=[telegram_feature])
    response = await client.get("/api/orders/9999/links", headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert response.status == 404
    assert await response.json() == {"error": "no order with number 9999"}


def test_cli_prints_both_links(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(_seeded(sqlite_url))
    for name, value in {
        "DOORSTEP_DATABASE_URL": sqlite_url,
        "DOORSTEP_SECRET_KEY": LINK_SECRET,
        "DOORSTEP_TELEGRAM_BOT_USERNAME": "shop_bot",
        "DOORSTEP_PUBLIC_URL": "https://shop.example.test",
    }.items():
        monkeypatch.setenv(name, value)

    assert main(["link", "1001"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("telegram: https://t.me/shop_bot?start=")
    token = lines[0].rsplit("=", 1)[1]
    assert lines[1] == f"web:      https://shop.example.test/?t={token}"
    assert lines[2].startswith("expires:  ")
    assert verify_link(token, LINK_SECRET, datetime.now(UTC)) == asyncio.run(_customer_of(sqlite_url, "1001"))


def test_cli_unknown_order_fails(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DOORSTEP_DATABASE_URL", sqlite_url)
    assert main(["link", "4242"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == "doorstep: no order with number 4242"
