"""POST /api/events: normalized events with the bearer token."""

from __future__ import annotations

import json
from typing import Any

from aiohttp.test_utils import TestClient

from bot.integrations.routes import events_feature
from tests.bot.conftest import API_TOKEN, ClientFactory, test_settings
from tests.builders import order_line

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


def _event(event_id: str, type: str = "shipment.updated", **fields: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "source": "api",
        "occurred_at": "2026-11-22T10:00:00Z",
        "type": type,
        **fields,
    }


def _created(event_id: str = "o-1") -> dict[str, Any]:
    order = order_line("1001", shipment_status=None)
    return _event(event_id, "order.created", order_number="1001", data={"order": order})


async def _post(client: TestClient, body: object, headers: dict[str, str] = AUTH) -> tuple[int, dict]:
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    resp = await client.post("/api/events", data=data, headers=headers)
    return resp.status, await resp.json()


async def test_the_api_needs_the_bearer_token(make_client: ClientFactory, sqlite_url: str) -> None:
    client = await make_client(test_settings(sqlite_url), features=[events_feature])
    assert await _post(client, _created(), {}) == (401, {"error": "missing bearer token"})
    assert await _post(client, _created(), {"Authorization": "Bearer nope"}) == (
        401,
        {"error": "wrong bearer token"},
    )
    closed = await make_client(test_settings(sqlite_url, api_token=None), features=[events_feature])
    assert (await _post(closed, _created()))[0] == 401


async def test_events_are_applied_held_and_deduplicated(make_client: ClientFactory, db_url: str) -> None:
    client = await make_client(test_settings(db_url), features=[events_feature])
    scan = _event(
        "u-1", tracking_number="1ZNEW", order_number="1001", status="in_transit", data={"carrier": "UPS"}
    )
    status, answer = await _post(client, scan)
    assert (status, answer) == (
        202,
        {
            "status": "held",
            "events": 1,
            "results": [{"event_id": "u-1", "status": "held", "reason": "held: order 1001 not known yet"}],
        },
    )
    status, answer = await _post(client, _created())
    assert (status, answer["status"], answer["events"]) == (200, "applied", 1)
    status, answer = await _post(client, _created())
    assert (status, answer["status"]) == (200, "duplicate")
    assert answer["results"] == [{"event_id": "o-1", "status": "duplicate", "reason": "duplicate"}]
    later = [
        _event("u-2", tracking_number="1ZNEW", status="out_for_delivery", occurred_at="2026-11-23T08:00:00Z"),
        _event("r-1", "refund.created", order_number="1001"),
    ]
    status, answer = await _post(client, later)
    assert (status, answer["status"], answer["events"]) == (200, "applied", 2)
    assert [r["reason"] for r in answer["results"]] == ["shipment updated", "refund recorded"]


async def test_malformed_or_invalid_events_get_400_with_a_reason(
    make_client: ClientFactory, sqlite_url: str
) -> None:
    client = await make_client(test_settings(sqlite_url), features=[events_feature])
    assert await _post(client, b"") == (400, {"error": "empty body: send a normalized event as JSON"})
    assert await _post(client, b"{oops") == (
        400,
        {"error": "malformed JSON at line 1 column 2: Expecting property name enclosed in double quotes"},
    )
    assert await _post(client, _event("x", status="teleported", tracking_number="1Z")) == (
        400,
        {
            "error": "status: 'teleported' is not one of pre_transit, in_transit, out_for_delivery, "
            "available_for_pickup, delivered, attempt_failed, delayed, exception, returned_to_sender, lost"
        },
    )
    assert await _post(client, _event("x", "order.created", order_number="1001")) == (
        400,
        {"error": "order.created: data.order is required (an order in the import format)"},
    )
    assert await _post(client, [_created(), {"event_id": "y"}]) == (
        400,
        {"error": "[1].source: missing; [1].occurred_at: missing; [1].type: missing"},
    )
    assert await _post(client, [1]) == (400, {"error": "[0]: expected an object"})
    assert await _post(client, []) == (
        400,
        {"error": "body: expected a normalized event object or a non-empty array of them"},
    )
    # nothing of a refused batch was applied
    status, answer = await _post(client, _created())
    assert (status, answer["status"]) == (200, "applied")


async def test_a_huge_body_is_refused_with_413(make_client: ClientFactory, sqlite_url: str) -> None:
    client = await make_client(test_settings(sqlite_url, max_body_bytes=2048), features=[events_feature])
    status, answer = await _post(client, _event("x", tracking_number="1Z", data={"pad": "x" * 5000}))
    assert (status, answer) == (413, {"error": "request body too large"})
