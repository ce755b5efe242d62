"""POST /api/orders and /healthz over HTTP."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from storage.models import Order
from storage.store import Store
from tests.bot.conftest import API_TOKEN, ClientFactory, test_settings
from tests.builders import order_line

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


async def test_healthz_checks_the_database(make_client: ClientFactory, db_url: str) -> None:
    client = await make_client(test_settings(db_url))
    resp = await client.get("/healthz")
    assert resp.status == 200
    assert await resp.json() == {"status": "ok", "database": "ok"}


async def test_missing_or_wrong_token_is_refused_with_401(make_client: ClientFactory, db_url: str) -> None:
    client = await make_client(test_settings(db_url))
    body = json.dumps(order_line("1001"))
    missing = await client.post("/api/orders", data=body)
    wrong = await client.post("/api/orders", data=body, headers={"Authorization": "Bearer nope"})
    assert missing.status == 401
    assert (await missing.json())["error"] == "missing bearer token"
    assert wrong.status == 401
    assert (await wrong.json())["error"] == "wrong bearer token"
    async with Store(db_url) as store, store.engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(Order))).scalar_one() == 0


async def test_bad_body_is_refused_with_400_and_a_reason(make_client: ClientFactory, db_url: str) -> None:
    client = await make_client(test_settings(db_url))
    resp = await client.post("/api/orders", data="{this is not json", headers=AUTH)
    assert resp.status == 400
    assert (await resp.json())["error"] == "no valid order: line 1: not valid JSON"
    empty = await client.post("/api/orders", data="", headers=AUTH)
    assert empty.status == 400
    assert "empty body" in (await empty.json())["error"]


async def test_import_answers_counts(make_client: ClientFactory, db_url: str) -> None:
    client = await make_client(test_settings(db_url))
    body = "\n".join([json.dumps(order_line("1001")), "{}", json.dumps(order_line("1002", email="b@example.com"))])
    resp = await client.post("/api/orders", data=body, headers=AUTH)
    assert resp.status == 200
    answer = await resp.json()
    assert (answer["created"], answer["updated"], answer["rejected"]) == (2, 0, 1)
    assert answer["errors"][0]["line"] == 2
    again = await (await client.post("/api/orders", data=body, headers=AUTH)).json()
    assert (again["created"], again["updated"]) == (0, 2)


async def test_huge_body_is_refused_with_413(make_client: ClientFactory, sqlite_url: str) -> None:
    client = await make_client(test_settings(sqlite_url, max_body_bytes=2048))
    resp = await client.post("/api/orders", data="x" * 5000, headers=AUTH)
    assert resp.status == 413
    assert (await resp.json())["error"] == "request body too large"
