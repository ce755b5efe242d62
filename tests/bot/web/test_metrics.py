"""GET /metrics: prometheus_client's exposition, read back with prometheus_client's own parser."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from bot.app import build_app
from bot.clock import FakeClock
from storage.repositories.conversation_days import TurnFacts
from storage.store import Store
from tests.bot.conftest import API_TOKEN, ClientFactory, test_settings
from tests.builders import order_line

HEADERS = {"Authorization": f"Bearer {API_TOKEN}"}


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """(sample name, sorted labels) -> value, for every sample of every family."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _event(event_id: str, number: str, status: str) -> dict[str, object]:
    return {
        "event_id": event_id,
        "source": "api",
        "occurred_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "type": "shipment.updated",
        "order_number": number,
        "tracking_number": f"1Z999AA1{int(number):010d}",
        "status": status,
    }


async def test_metrics_count_requests_events_messages_and_stored_rows(
    make_client: ClientFactory, db_url: str
) -> None:
    # no dispatcher, so no overdue sweep: the orders' dates are past, and a sweep landing while the
    # test runs would add "delayed" suppressions at a moment that depends on the machine's load
    client = await make_client(test_settings(db_url, dispatcher_enabled=False))
    body = "\n".join(json.dumps(order_line(str(n), email=f"m{n}@example.com")) for n in (1001, 1002))
    assert (await client.post("/api/orders", data=body, headers=HEADERS)).status == 200
    assert (await client.post("/api/orders", data="x", headers={})).status == 401
    delivered = _event("ev-1", "1001", "delivered")
    assert (await client.post("/api/events", json=delivered, headers=HEADERS)).status == 200
    assert (await client.post("/api/events", json=delivered, headers=HEADERS)).status == 200
    assert (
        await client.post("/api/events", json=_event("ev-2", "1999", "in_transit"), headers=HEADERS)
    ).status == 202

    resp = await client.get("/metrics")
    text = await resp.text()
    assert resp.status == 200 and resp.content_type == "text/plain"
    samples = _samples(text)
    requests = "doorstep_http_requests_total"
    assert samples[(requests, (("method", "POST"), ("route", "/api/orders"), ("status", "200")))] == 1
    assert samples[(requests, (("method", "POST"), ("route", "/api/orders"), ("status", "401")))] == 1
    assert samples[(requests, (("method", "POST"), ("route", "/api/events"), ("status", "202")))] == 1
    durations = "doorstep_http_request_duration_seconds_count"
    assert samples[(durations, (("method", "POST"), ("route", "/api/orders")))] == 2
    assert samples[("doorstep_orders", (("state", "all"),))] == 2
    events = "doorstep_webhook_events_total"
    assert samples[(events, (("result", "applied"), ("source", "api")))] == 1
    assert samples[(events, (("result", "duplicate"), ("source", "api")))] == 1
    assert samples[(events, (("result", "held"), ("source", "api")))] == 1
    assert samples[("doorstep_handoffs_created_total", ())] == 0
    # the customer has no chat: the messages delivery proposes are suppressed with the reason
    suppressed = {
        labels: v for (name, labels), v in samples.items() if name == "doorstep_messages_suppressed_total"
    }
    assert suppressed == {
        (("kind", kind), ("reason", "no verified chat identity")): 1
        for kind in ("delivered", "setup_guide", "review_request")
    }
    assert "m1001@example.com" not in text
    # a second scrape counts the first one
    again = _samples(await (await client.get("/metrics")).text())
    assert again[(requests, (("method", "GET"), ("route", "/metrics"), ("status", "200")))] == 1


async def test_conversation_outcomes_are_counted_once_settled(sqlite_url: str) -> None:
    clock = FakeClock(datetime(2026, 11, 17, 12, 0, tzinfo=UTC))
    async with Store(sqlite_url) as store, store.transaction() as repos:
        conversation = await repos.conversations.get_or_create(channel="rest", external_id="v1")
        for day, kind in ((10, "answers"), (15, "fallbacks"), (19, "smalltalk")):
            at = datetime(2026, 11, day, 9, 0, tzinfo=UTC)
            await repos.conversation_days.record(
                TurnFacts(
                    conversation_id=int(conversation.id or 0),
                    day=at.date(),
                    at=at,
                    channel="rest",
                    party="t:1",
                    subject="i:setup_help" if kind == "answers" else None,
                    first_intent="setup_help" if kind == "answers" else None,
                    **{kind: 1},
                )
            )
    client = TestClient(
        TestServer(build_app(test_settings(sqlite_url), features=[], clock=clock), host="127.0.0.1")
    )
    await client.start_server()
    try:
        name = "doorstep_conversations_total"

        async def outcomes() -> dict[str, float]:
            samples = _samples(await (await client.get("/metrics")).text())
            return {dict(labels)["outcome"]: v for (n, labels), v in samples.items() if n == name}

        # on the 17th, days up to the 13th are settled: the 15th and the 19th may still see a return
        assert await outcomes() == {"contained": 1, "escalated": 0, "unresolved": 0, "informational": 0}
        clock.advance(timedelta(days=2))
        assert await outcomes() == {"contained": 1, "escalated": 0, "unresolved": 1, "informational": 0}
        clock.advance(timedelta(days=4))
        assert await outcomes() == {"contained": 1, "escalated": 0, "unresolved": 1, "informational": 1}
        assert await outcomes() == {"contained": 1, "escalated": 0, "unresolved": 1, "informational": 1}
    finally:
        await client.close()
