"""GET /api/reports/summary: the bearer token, bad dates, and the same JSON as the CLI."""

from __future__ import annotations

from datetime import UTC, date, datetime

from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_app
from bot.clock import FakeClock
from bot.report.period import parse_period
from bot.report.summary import ReportOptions, build_report
from storage.store import Store
from tests.bot.conftest import API_TOKEN, test_settings
from tests.bot.report.conftest import at, facts, load_orders, record, shipped_order, threads

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
HEADERS = {"Authorization": f"Bearer {API_TOKEN}"}
TOP_KEYS = {
    "period",
    "generated_at",
    "conversations",
    "automated_resolution_rate",
    "handoff_rate",
    "durable_containment_rate",
    "wismo",
    "proactive",
    "holdout",
    "daily",
}


async def _client(url: str, **settings: object) -> TestClient:
    app = build_app(test_settings(url, **settings), features=[], clock=FakeClock(NOW))
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    return client


async def test_the_summary_answers_the_report(store: Store) -> None:
    await load_orders(store, [shipped_order("8001", "2026-11-20T09:00:00Z")])
    (t,) = await threads(store, 1)
    await record(store, facts(t, at(21), "answer", intent="order_status", order="8001"))
    client = await _client(store.url, holdout_percent=10, max_touches_per_order=4)
    try:
        resp = await client.get("/api/reports/summary", params={"since": "2026-11-02"}, headers=HEADERS)
        assert resp.status == 200
        found = await resp.json()
    finally:
        await client.close()
    expected = await build_report(
        store,
        parse_period("2026-11-02", None, today=date(2026, 12, 1)),
        ReportOptions(holdout_percent=10, touch_cap=4),
        now=NOW,
    )
    assert set(found) == TOP_KEYS
    assert found == expected
    assert found["period"] == {"since": "2026-11-02", "until": "2026-12-01", "days": 30}
    assert found["wismo"]["per_100_shipments"] == 100.0
    assert found["proactive"]["touches_per_order"]["cap"] == 4
    assert set(found["daily"][0]) == {
        "date",
        "wismo_contacts",
        "shipments",
        "wismo_per_100_shipments",
        "contained",
        "escalated",
        "unresolved",
        "informational",
    }


async def test_no_token_is_401_and_bad_dates_are_400(sqlite_url: str) -> None:
    client = await _client(sqlite_url)
    try:
        resp = await client.get("/api/reports/summary")
        assert resp.status == 401 and (await resp.json()) == {"error": "missing bearer token"}
        resp = await client.get("/api/reports/summary", headers={"Authorization": "Bearer nope"})
        assert resp.status == 401
        for query, reason in (
            ({"since": "2026-02-30"}, "since must be a date like 2026-11-30, got '2026-02-30'"),
            (
                {"since": "2026-11-05", "until": "2026-11-04"},
                "since (2026-11-05) is after until (2026-11-04)",
            ),
            (
                {"until": "'; DROP TABLE orders"},
                'until must be a date like 2026-11-30, got "\'; DROP TABLE orders"',
            ),
        ):
            resp = await client.get("/api/reports/summary", params=query, headers=HEADERS)
            assert resp.status == 400
            assert (await resp.json()) == {"error": reason}
    finally:
        await client.close()
