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
    body = "\n".join(
        [json.dumps(order_line("1001")), "{}", json.dumps(order_line("1002", email="b@example.com"))]
    )
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


async def test_event_held_for_an_unknown_order_is_applied_when_the_order_is_imported(
    make_client: ClientFactory, sqlite_url: str
) -> None:
    client = await make_client(test_settings(sqlite_url), features=None)
    event = {
        "event_id": "evt_early_1",
        "source": "api",
        "occurred_at": "2026-11-22T10:00:00Z",
        "type": "shipment.updated",
        "order_number": "3001",
        "tracking_number": "1Z999AA10000003001",
        "status": "out_for_delivery",
        "eta": "2026-11-22",
        "location": "Boston, MA",
    }
    held = await client.post("/api/events", json=event, headers=AUTH)
    assert held.status == 202
    assert (await held.json())["status"] == "held"

    line = order_line("3001", tracking_number="1Z999AA10000003001", shipment_status="in_transit")
    imported = await client.post("/api/orders", data=json.dumps(line), headers=AUTH)
    assert (await imported.json())["created"] == 1

    async with Store(sqlite_url) as store, store.transaction() as repos:
        details = await repos.orders.details_by_number(order_number="3001")
        pending = await repos.inbox.pending_for(order_number="3001", tracking_numbers=["1Z999AA10000003001"])
    assert details is not None
    assert details.shipments[0].status == "out_for_delivery"
    assert details.shipments[0].last_location == "Boston, MA"
    assert pending == []
