"""Every inbound event kind, redelivered (one after another and at the same moment), applies once.

Providers redeliver whenever an answer is slow or lost. For each webhook topic doorstep acts on,
and for ``POST /api/events``, the same signed body is sent three times: the first answer applies
(or holds) it, the others are duplicates, and nothing of it is written twice.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bot.integrations import sign_aftership, sign_easypost, sign_shopify
from bot.integrations.routes import events_feature
from storage.models import (
    Case,
    DecisionLogEntry,
    InboxEntry,
    Order,
    OutboxMessage,
    ReturnRequest,
    TrackingEvent,
)
from storage.schemas import OrderIn
from storage.store import Store
from tests.bot.conftest import API_TOKEN, ClientFactory, test_settings
from tests.builders import order_line

SECRETS = {
    "shopify_webhook_secret": "shpss_test_secret",
    "easypost_webhook_secret": "ep-secret",
    "aftership_webhook_secret": "as-test-secret",
}
AFTERSHIP_TRACKING = "1Z999AA10123456784"
Post = Callable[[], Awaitable[tuple[int, dict[str, Any]]]]
COUNTED = (Order, TrackingEvent, DecisionLogEntry, OutboxMessage, ReturnRequest, Case)


async def _counts(url: str) -> dict[str, int]:
    async with Store(url) as store, store.engine.connect() as conn:
        found = {}
        for model in COUNTED:
            query = select(func.count()).select_from(model)
            found[model.__tablename__] = int((await conn.execute(query)).scalar_one())  # type: ignore[attr-defined]
        return found


async def _inbox(url: str, event_id: str) -> list[tuple[str, int]]:
    async with Store(url) as store, store.engine.connect() as conn:
        rows = await conn.execute(
            select(InboxEntry.status, InboxEntry.duplicates).where(InboxEntry.external_id == event_id)
        )
        return [(r[0], r[1]) for r in rows.all()]


async def _three_times(url: str, post: Post, event_id: str, first_status: str) -> None:
    """Post once, then twice at the same moment: one apply (or hold), two duplicates, no new rows."""
    status, body = await post()
    assert status in (200, 202), body
    assert [r["status"] for r in body["results"]] == [first_status], body
    after_first = await _counts(url)
    again = await asyncio.gather(post(), post())
    for status, body in again:
        assert (status, body["status"], [r["status"] for r in body["results"]]) == (
            200,
            "duplicate",
            ["duplicate"],
        )
    assert await _counts(url) == after_first
    assert await _inbox(url, event_id) == [("pending" if first_status == "held" else "processed", 2)]


async def _client(make_client: ClientFactory, url: str) -> TestClient:
    return await make_client(test_settings(url, **SECRETS), features=[events_feature])


async def _seed(url: str, *lines: dict[str, Any]) -> None:
    async with Store(url) as store, store.transaction() as repos:
        await repos.orders.upsert_many([OrderIn.model_validate(line) for line in lines])


def _shopify(client: TestClient, topic: str, webhook_id: str, body: bytes) -> Post:
    headers = {
        "X-Shopify-Topic": topic,
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-Hmac-Sha256": sign_shopify(body, SECRETS["shopify_webhook_secret"]),
    }

    async def post() -> tuple[int, dict[str, Any]]:
        resp = await client.post("/webhooks/shopify", data=body, headers=headers)
        return resp.status, await resp.json()

    return post


async def test_every_shopify_topic_applies_once(
    make_client: ClientFactory, db_url: str, shopify_body: Callable[[str], bytes]
) -> None:
    client = await _client(make_client, db_url)
    order, fulfillment = shopify_body("order"), shopify_body("fulfillment")
    steps = [
        ("orders/create", "w-1", order, "applied"),
        ("orders/updated", "w-2", order, "applied"),
        ("fulfillments/create", "w-3", fulfillment, "applied"),
        ("fulfillments/update", "w-4", fulfillment, "applied"),
        ("fulfillment_events/create", "w-5", shopify_body("fulfillment_event"), "held"),
        ("refunds/create", "w-6", shopify_body("refund"), "applied"),
        ("orders/cancelled", "w-7", order, "applied"),
    ]
    for topic, webhook_id, body, first in steps:
        await _three_times(db_url, _shopify(client, topic, webhook_id, body), f"shopify:{webhook_id}", first)


async def test_every_easypost_event_applies_once(
    make_client: ClientFactory, db_url: str, easypost_body: Callable[[str], bytes]
) -> None:
    await _seed(db_url, order_line("1001", shipment_status="pre_transit", tracking_number="EZ4000000004"))
    client = await _client(make_client, db_url)
    updated = json.loads(easypost_body("tracking-webhook"))
    created = {**updated, "id": "evt_created_1", "description": "tracker.created"}
    created["result"] = {**updated["result"], "tracking_code": "EZ4000000004", "status": "in_transit"}

    for event in (created, updated):
        body = json.dumps(event).encode()
        headers = {"X-Hmac-Signature": sign_easypost(body, SECRETS["easypost_webhook_secret"])}

        async def post(body: bytes = body, headers: dict[str, str] = headers) -> tuple[int, dict[str, Any]]:
            resp = await client.post("/webhooks/easypost", data=body, headers=headers)
            return resp.status, await resp.json()

        await _three_times(db_url, post, event["id"], "applied")


async def test_every_aftership_event_applies_once(
    make_client: ClientFactory, db_url: str, aftership_body: Callable[[str], bytes]
) -> None:
    await _seed(db_url, order_line("1001", shipment_status="in_transit", tracking_number=AFTERSHIP_TRACKING))
    client = await _client(make_client, db_url)
    for name in ("tracking_update", "edd_revise"):
        body = aftership_body(name)
        headers = {"aftership-hmac-sha256": sign_aftership(body, SECRETS["aftership_webhook_secret"])}

        async def post(body: bytes = body, headers: dict[str, str] = headers) -> tuple[int, dict[str, Any]]:
            resp = await client.post("/webhooks/aftership", data=body, headers=headers)
            return resp.status, await resp.json()

        await _three_times(db_url, post, json.loads(body)["event_id"], "applied")


@pytest.mark.parametrize(
    ("event", "first"),
    [
        ({"type": "order.created", "order_number": "2001", "data": {"order": order_line("2001")}}, "applied"),
        (
            {"type": "shipment.updated", "tracking_number": "1Z999AA10000001001", "status": "delivered"},
            "applied",
        ),
        ({"type": "shipment.created", "order_number": "1001", "tracking_number": "1ZNEW"}, "applied"),
        ({"type": "refund.created", "order_number": "1001"}, "applied"),
        ({"type": "return.created", "order_number": "1001", "data": {"skus": ["KT-200"]}}, "applied"),
        ({"type": "item.backordered", "order_number": "1001", "data": {"until": "2026-12-24"}}, "applied"),
        ({"type": "order.cancelled", "order_number": "1001"}, "applied"),
        ({"type": "shipment.updated", "tracking_number": "1ZUNKNOWN", "status": "in_transit"}, "held"),
    ],
)
async def test_every_api_event_type_applies_once(
    make_client: ClientFactory, db_url: str, event: dict[str, Any], first: str
) -> None:
    await _seed(db_url, order_line("1001"))
    client = await _client(make_client, db_url)
    body = json.dumps(
        {"event_id": "evt-replayed", "source": "api", "occurred_at": "2026-11-22T10:00:00Z", **event}
    )

    async def post() -> tuple[int, dict[str, Any]]:
        resp = await client.post("/api/events", data=body, headers={"Authorization": f"Bearer {API_TOKEN}"})
        return resp.status, await resp.json()

    await _three_times(db_url, post, "evt-replayed", first)
