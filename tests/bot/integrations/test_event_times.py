"""Implausible event times are refused at every way in (API, replay, each provider webhook).

An event stamped far in the future would otherwise be stored as the parcel's latest scan and
make every later event look older than it ("stale"), blocking the parcel for good.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bot.cli import main
from bot.clock import FakeClock
from bot.integrations import sign_aftership, sign_easypost, sign_shopify
from bot.integrations.events import ReplayLine, replay_events
from bot.integrations.routes import events_feature
from storage.models import InboxEntry
from storage.schemas import OrderIn
from storage.store import Store
from tests.bot.conftest import API_TOKEN, ClientFactory, test_settings
from tests.builders import order_line

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
SECRETS = {
    "shopify_webhook_secret": "shpss_test_secret",
    "easypost_webhook_secret": "ep-secret",
    "aftership_webhook_secret": "as-test-secret",
}
TRACKING = "1Z999AA10000001001"  # order_line("1001")'s parcel
FAR_FUTURE = "9999-12-31T00:00:00Z"


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _scan(event_id: str, at: str, status: str = "out_for_delivery") -> dict[str, Any]:
    return {
        "event_id": event_id,
        "source": "api",
        "occurred_at": at,
        "type": "shipment.updated",
        "tracking_number": TRACKING,
        "status": status,
    }


async def _client(make_client: ClientFactory, url: str) -> TestClient:
    return await make_client(test_settings(url, **SECRETS), features=[events_feature])


async def _seed(url: str) -> None:
    async with Store(url) as store, store.transaction() as repos:
        await repos.orders.upsert_many([OrderIn.model_validate(order_line("1001"))])


async def _events_stored(url: str) -> int:
    async with Store(url) as store, store.engine.connect() as conn:
        query = select(func.count()).select_from(InboxEntry).where(InboxEntry.source.not_like("ref:%"))
        return int((await conn.execute(query)).scalar_one())


async def _post_events(client: TestClient, body: object) -> tuple[int, dict]:
    resp = await client.post("/api/events", data=json.dumps(body), headers=AUTH)
    return resp.status, await resp.json()


# ---------------------------------------------------------------- POST /api/events
async def test_far_future_and_ancient_events_get_400_and_nothing_is_stored(
    make_client: ClientFactory, db_url: str
) -> None:
    await _seed(db_url)
    client = await _client(make_client, db_url)

    status, body = await _post_events(client, _scan("e-future", FAR_FUTURE))
    assert status == 400
    assert body["error"] == (
        "event e-future: occurred_at 9999-12-31T00:00:00Z is more than 24 hours ahead of the server clock"
    )
    status, body = await _post_events(client, _scan("e-old", "1999-12-31T23:59:59Z"))
    assert (status, body["error"]) == (
        400,
        "event e-old: occurred_at 1999-12-31T23:59:59Z is before 2000-01-01",
    )
    # one bad event in an array refuses the whole request (nothing of it is applied)
    now = datetime.now(UTC)
    status, body = await _post_events(client, [_scan("e-ok", _iso(now)), _scan("e-bad", FAR_FUTURE)])
    assert status == 400 and body["error"].startswith("event e-bad: occurred_at 9999-12-31")
    assert await _events_stored(db_url) == 0

    # a later, honest event still applies: nothing was left blocking the parcel
    status, body = await _post_events(client, _scan("e-now", _iso(now)))
    assert (status, body["results"][0]["status"]) == (200, "applied")
    async with Store(db_url) as store, store.transaction() as repos:
        shipment = await repos.orders.shipment_by_tracking(tracking_number=TRACKING)
    assert shipment is not None and shipment.status == "out_for_delivery"


async def test_a_clock_a_little_ahead_is_tolerated(make_client: ClientFactory, sqlite_url: str) -> None:
    await _seed(sqlite_url)
    client = await _client(make_client, sqlite_url)
    ahead = datetime.now(UTC) + timedelta(hours=23)
    status, body = await _post_events(client, _scan("e-ahead", _iso(ahead)))
    assert (status, body["status"]) == (200, "applied")


# ---------------------------------------------------------------- doorstep events replay
async def test_replay_rejects_implausible_lines_with_their_line_number(sqlite_url: str) -> None:
    clock = FakeClock(datetime(2026, 11, 22, 10, 0, tzinfo=UTC))
    lines = [
        json.dumps(_scan("r-1", "2026-11-22T09:00:00Z")),
        json.dumps(_scan("r-2", "2026-11-23T10:00:01Z")),  # one second beyond the tolerance
        json.dumps(_scan("r-3", "0001-01-01T00:00:00Z")),
        json.dumps(_scan("r-4", "2026-11-23T10:00:00Z", status="delivered")),  # exactly 24 h ahead
    ]
    await _seed(sqlite_url)
    async with Store(sqlite_url) as store:
        report = await replay_events(store, lines, clock, test_settings(sqlite_url))
    assert (report.applied, report.rejected) == (2, 2)
    assert report.lines == [
        ReplayLine(
            2,
            "rejected",
            "event r-2: occurred_at 2026-11-23T10:00:01Z is more than 24 hours ahead of the server clock",
        ),
        ReplayLine(3, "rejected", "event r-3: occurred_at 0001-01-01T00:00:00Z is before 2000-01-01"),
    ]


def test_the_replay_cli_names_the_line(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DOORSTEP_DATABASE_URL", sqlite_url)
    path = tmp_path / "events.jsonl"
    path.write_text(json.dumps(_scan("r-1", FAR_FUTURE)) + "\n")
    assert main(["events", "replay", str(path)]) == 1
    _, err = capsys.readouterr()
    assert (
        f"{path}:1: rejected: event r-1: occurred_at 9999-12-31T00:00:00Z is more than 24 hours ahead" in err
    )


# ---------------------------------------------------------------- provider webhooks
def _easypost_future(easypost_body: Callable[[str], bytes]) -> bytes:
    event = json.loads(easypost_body("tracking-webhook"))
    for detail in event["result"]["tracking_details"]:
        detail["datetime"] = FAR_FUTURE
    return json.dumps(event).encode()


def _aftership_future(aftership_body: Callable[[str], bytes]) -> bytes:
    envelope = json.loads(aftership_body("tracking_update"))
    for checkpoint in envelope["msg"]["checkpoints"]:
        checkpoint["checkpoint_time"] = FAR_FUTURE
    return json.dumps(envelope).encode()


def _shopify_future(shopify_resource: Callable[[str], dict]) -> bytes:
    order = shopify_resource("order")
    for key in ("created_at", "updated_at", "processed_at"):
        order[key] = FAR_FUTURE
    return json.dumps(order).encode()


async def test_every_provider_webhook_refuses_a_far_future_time(
    make_client: ClientFactory,
    db_url: str,
    easypost_body: Callable[[str], bytes],
    aftership_body: Callable[[str], bytes],
    shopify_resource: Callable[[str], dict],
) -> None:
    client = await _client(make_client, db_url)
    easypost = _easypost_future(easypost_body)
    aftership = _aftership_future(aftership_body)
    shopify = _shopify_future(shopify_resource)
    answers = [
        await client.post(
            "/webhooks/easypost",
            data=easypost,
            headers={"X-Hmac-Signature": sign_easypost(easypost, SECRETS["easypost_webhook_secret"])},
        ),
        await client.post(
            "/webhooks/aftership",
            data=aftership,
            headers={"aftership-hmac-sha256": sign_aftership(aftership, SECRETS["aftership_webhook_secret"])},
        ),
        await client.post(
            "/webhooks/shopify",
            data=shopify,
            headers={
                "X-Shopify-Topic": "orders/create",
                "X-Shopify-Webhook-Id": "w-future",
                "X-Shopify-Hmac-Sha256": sign_shopify(shopify, SECRETS["shopify_webhook_secret"]),
            },
        ),
    ]
    for answer in answers:
        body = await answer.json()
        assert answer.status == 400, body
        assert "is more than 24 hours ahead of the server clock" in body["error"]
    assert await _events_stored(db_url) == 0
