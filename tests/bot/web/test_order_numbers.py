"""Order numbers in operator URLs are read the way the import format reads them (one function)."""

from __future__ import annotations

import json

import pytest

from bot.channels.telegram.feature import telegram_feature
from bot.notify.feature import notify_feature
from storage.domain import normalize_order_number
from tests.bot.conftest import API_TOKEN, ClientFactory, test_settings
from tests.builders import order_line

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("9001", "9001"),
        ("9001 ", "9001"),
        (" #9001", "9001"),
        ("#9001\t", "9001"),
        ("\u200b9001\u200b", "9001"),  # invisible format characters pasted with the number
        ("9001\x00", "9001"),  # control characters and lone surrogates: PostgreSQL cannot store NUL
        ("\ud8009001\x1b", "9001"),
        ("##9001", "9001"),
        ("A-9001", "A-9001"),
        ("  ", ""),
    ],
)
def test_normalize_order_number(typed: str, stored: str) -> None:
    assert normalize_order_number(typed) == stored


@pytest.mark.parametrize("path_number", ["9001", "9001%20", "%239001", "%20%239001%20", "9001%E2%80%8B"])
async def test_links_and_timeline_find_the_same_order(
    make_client: ClientFactory, db_url: str, path_number: str
) -> None:
    settings = test_settings(db_url, dispatcher_enabled=False)
    client = await make_client(settings, features=[telegram_feature, notify_feature])
    imported = await client.post("/api/orders", data=json.dumps(order_line("#9001 ")), headers=AUTH)
    assert (await imported.json())["created"] == 1

    links = await client.get(f"/api/orders/{path_number}/links", headers=AUTH)
    timeline = await client.get(f"/api/orders/{path_number}/timeline", headers=AUTH)

    assert (links.status, timeline.status) == (200, 200)
    assert (await links.json())["order_number"] == "9001"
    assert (await timeline.json())["order_number"] == "9001"


@pytest.mark.parametrize("path_number", ["9002", "9002%20", "%239002", "%20"])
async def test_an_unknown_order_is_404_on_both(
    make_client: ClientFactory, sqlite_url: str, path_number: str
) -> None:
    settings = test_settings(sqlite_url, dispatcher_enabled=False)
    client = await make_client(settings, features=[telegram_feature, notify_feature])
    await client.post("/api/orders", data=json.dumps(order_line("9001")), headers=AUTH)

    links = await client.get(f"/api/orders/{path_number}/links", headers=AUTH)
    timeline = await client.get(f"/api/orders/{path_number}/timeline", headers=AUTH)

    assert (links.status, timeline.status) == (404, 404)
    assert "error" in await links.json() and "error" in await timeline.json()
