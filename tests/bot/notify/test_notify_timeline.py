"""The order timeline: ``doorstep explain ORDER`` and ``GET /api/orders/{number}/timeline``."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.clock import FakeClock
from bot.notify.feature import notify_feature
from bot.notify.timeline import order_timeline
from storage.migrate import upgrade
from storage.store import Store
from tests.bot.notify.conftest import T0, Shop, build_shop, notify_settings, order_created, scan, shipped
from tests.fakes.telegram import FakeTelegram

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
NIGHT = T0 + timedelta(hours=16)  # 02:00 in New York


async def _story(shop: Shop, fake_telegram: FakeTelegram) -> None:
    """Confirmed and shipped by day; at night a 429, then a scan whose message waits for the morning."""
    await shop.customer()
    await shop.ingest(order_created("e1", T0))
    await shop.dispatch()
    shop.clock.set(T0 + timedelta(hours=1))
    fake_telegram.fail_next("sendMessage", 429, retry_after=1)
    await shop.ingest(shipped("e2", shop.clock.now()))
    await shop.dispatch()
    shop.advance(seconds=2)
    await shop.dispatch()
    shop.clock.set(NIGHT)
    await shop.ingest(scan("e3", NIGHT, "out_for_delivery", location="Boston, MA"))


async def test_timeline_lists_events_scans_decisions_and_messages_in_time_order(
    shop: Shop, fake_telegram: FakeTelegram
) -> None:
    await _story(shop, fake_telegram)
    async with shop.store.transaction() as repos:
        timeline = await order_timeline(repos, "1001")

    assert [e.at for e in timeline.entries] == sorted(e.at for e in timeline.entries)
    summaries = [f"{e.type}: {e.summary}" for e in timeline.entries]
    assert summaries[:3] == [
        "event: order.created from api (e1)",
        "decision: queued order_confirmed: to telegram",
        "message: sent order_confirmed via telegram to 5001",
    ]
    assert "scan: 1Z1001 in_transit" in summaries
    assert any(s.startswith("decision: retrying shipped: telegram flood control") for s in summaries)
    assert "message: sent shipped via telegram to 5001" in summaries
    assert summaries[-4:] == [
        "event: shipment.updated out_for_delivery from api (e3)",
        "scan: 1Z1001 out_for_delivery at Boston, MA",
        "decision: deferred out_for_delivery: to telegram at 2026-11-21 13:00 UTC: "
        "quiet hours 21:00-08:00 America/New_York",
        "message: pending out_for_delivery via telegram to 5001, due 2026-11-21 13:00 UTC",
    ]
    pending = [
        e for e in timeline.entries if e.type == "message" and e.details["message_status"] == "pending"
    ]
    assert [e.summary for e in pending] == [
        "pending out_for_delivery via telegram to 5001, due 2026-11-21 13:00 UTC"
    ]
    assert all("@" not in line for line in timeline.lines())


async def test_timeline_api_needs_the_token_and_a_known_order(
    shop: Shop, fake_telegram: FakeTelegram, make_client
) -> None:
    await _story(shop, fake_telegram)
    settings = notify_settings(shop.store.url, dispatcher_enabled=False)
    client = await make_client(settings, features=[notify_feature])

    assert (await client.get("/api/orders/1001/timeline")).status == 401
    headers = {"Authorization": "Bearer test-token-123"}
    missing = await client.get("/api/orders/9999/timeline", headers=headers)
    assert (missing.status, await missing.json()) == (404, {"error": "no such order"})
    response = await client.get("/api/orders/1001/timeline", headers=headers)
    body = await response.json()

    assert response.status == 200
    assert (body["order_number"], body["status"]) == ("1001", "open")
    kinds = [(e["type"], e.get("decision") or e.get("message_status")) for e in body["entries"]]
    assert (
        ("decision", "queued") in kinds and ("message", "sent") in kinds and ("message", "pending") in kinds
    )
    sent = next(e for e in body["entries"] if e["type"] == "message" and e["kind"] == "shipped")
    assert (sent["channel"], sent["attempts"], sent["sent_at"]) == (
        "telegram",
        2,
        "2026-11-20T16:00:02+00:00",
    )


def test_explain_prints_the_timeline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'explain.db'}"

    async def seed() -> None:
        await upgrade(url)
        async with Store(url) as store:
            shop = build_shop(store, notify_settings(url), FakeClock(NIGHT), bot=None)
            await shop.customer()
            await shop.ingest(order_created("e1", NIGHT))

    asyncio.run(seed())
    monkeypatch.setenv("DOORSTEP_DATABASE_URL", url)
    assert main(["explain", "1001"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "order 1001 (open): 3 entries",
        "2026-11-21 07:00:00  event     order.created from api (e1)",
        "2026-11-21 07:00:00  decision  deferred order_confirmed: to telegram at 2026-11-21 13:00 UTC: "
        "quiet hours 21:00-08:00 America/New_York",
        "2026-11-21 07:00:00  message   pending order_confirmed via telegram to 5001, due 2026-11-21 13:00 UTC",
    ]
    assert main(["explain", "4242"]) == 1
    assert "no order '4242'" in capsys.readouterr().err


async def test_events_that_change_nothing_are_listed_with_their_reason(
    store: Store, telegram_bot, fake_telegram: FakeTelegram, make_client
) -> None:
    shop = build_shop(
        store, notify_settings(store.url, dispatcher_enabled=False), FakeClock(T0), telegram_bot
    )
    await shop.customer()
    await shop.ingest(order_created("e1", T0), shipped("e2", T0))
    later = T0 + timedelta(hours=5)
    shop.clock.set(later)
    await shop.ingest(scan("e3", later, "out_for_delivery", location="Boston, MA"))
    [older] = await shop.ingest(scan("e4", T0 + timedelta(hours=1), "in_transit"))
    [same] = await shop.ingest(
        scan("e5", later + timedelta(minutes=5), "out_for_delivery", location="Boston, MA")
    )
    [moved_on] = await shop.ingest(
        scan("e7", later + timedelta(minutes=7), "out_for_delivery", location="Boston, MA 02118")
    )
    [glitch] = await shop.ingest(scan("e6", later + timedelta(minutes=9), "pre_transit"))
    shop.clock.set(later + timedelta(minutes=30))
    [again, _] = await shop.ingest(
        scan("e3", later, "out_for_delivery"), scan("e3", later, "out_for_delivery")
    )
    assert [r.reason for r in (older, same, moved_on, glitch, again)] == [
        "older than the current state: kept out_for_delivery",
        "same status: out_for_delivery",
        "shipment updated",  # a new place is news, though the status is the same
        "pre_transit may not follow out_for_delivery: kept",
        "duplicate",
    ]

    async with store.transaction() as repos:
        timeline = await order_timeline(repos, "1001")
    events = [e.summary for e in timeline.entries if e.type == "event"]
    assert events == [
        "order.created from api (e1)",
        "shipment.created in_transit from api (e2)",
        "shipment.updated in_transit from api (e4): no change, older than the current state: kept out_for_delivery",
        "shipment.updated out_for_delivery from api (e3)",
        "shipment.updated out_for_delivery from api (e5): no change, same status: out_for_delivery",
        "shipment.updated out_for_delivery from api (e7)",
        "shipment.updated pre_transit from api (e6): no change, pre_transit may not follow out_for_delivery: kept",
        "shipment.updated out_for_delivery from api (e3): received again (2 times), no change, duplicate",
    ]
    duplicate = timeline.entries[-1]
    assert duplicate.at == later + timedelta(minutes=30)
    assert (duplicate.details["outcome"], duplicate.details["duplicates"]) == ("duplicate", 2)

    # the same reasons over HTTP
    client = await make_client(shop.settings, features=[notify_feature])
    body = await (
        await client.get("/api/orders/1001/timeline", headers={"Authorization": "Bearer test-token-123"})
    ).json()
    outcomes = [e.get("outcome") for e in body["entries"] if e["type"] == "event"]
    assert outcomes == [
        None,
        None,
        "older than the current state: kept out_for_delivery",
        None,
        "same status: out_for_delivery",
        None,
        "pre_transit may not follow out_for_delivery: kept",
        "duplicate",
    ]


def test_explain_names_why_an_event_changed_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'explain.db'}"

    async def seed() -> None:
        await upgrade(url)
        async with Store(url) as store:
            shop = build_shop(store, notify_settings(url), FakeClock(T0), bot=None)
            await shop.customer()
            await shop.ingest(order_created("e1", T0), shipped("e2", T0))
            await shop.ingest(scan("e3", T0 - timedelta(hours=1), "in_transit"))
            await shop.ingest(shipped("e2", T0))

    asyncio.run(seed())
    monkeypatch.setenv("DOORSTEP_DATABASE_URL", url)
    assert main(["explain", "1001"]) == 0
    out = capsys.readouterr().out
    assert (
        "event     shipment.updated in_transit from api (e3): no change, older than the current state: "
        "kept in_transit" in out
    )
    assert (
        "event     shipment.created in_transit from api (e2): received again (1 times), no change, duplicate"
        in out
    )
