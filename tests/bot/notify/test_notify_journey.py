"""One order's whole journey through a fake clock: each message arrives once, at the right time."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.clock import FakeClock
from storage.store import Store
from tests.bot.notify.conftest import (
    CHAT,
    T0,
    Shop,
    build_shop,
    notify_settings,
    order_created,
    scan,
    shipped,
)
from tests.fakes.telegram import FakeTelegram


async def test_whole_journey_each_message_once_at_the_right_time(
    shop: Shop, fake_telegram: FakeTelegram
) -> None:
    await shop.customer()
    delivered_at = T0 + timedelta(days=2, hours=3)  # Sunday 13:00 in New York
    journey = [
        order_created("e1", T0),
        shipped("e2", T0 + timedelta(days=1)),
        scan("e3", T0 + timedelta(days=2), "out_for_delivery", location="Boston, MA"),
        scan("e4", delivered_at, "delivered", location="Boston, MA"),
    ]
    for ev in journey:
        shop.clock.set(ev.occurred_at)
        [result] = await shop.ingest(ev)
        assert result.status == "applied"
        assert len(result.queued) >= 1
        await shop.dispatch()

    assert [m.kind for m in await shop.messages() if m.status == "sent"] == [
        "order_confirmed",
        "shipped",
        "out_for_delivery",
        "delivered",
    ]
    # the setup guide waits 2 hours after delivery, the review request 14 days
    shop.clock.set(delivered_at + timedelta(hours=1, minutes=59))
    assert (await shop.dispatch()).sent == 0
    shop.clock.set(delivered_at + timedelta(hours=2))
    assert (await shop.dispatch()).sent == 1
    shop.clock.set(delivered_at + timedelta(days=13, hours=23))
    assert (await shop.dispatch()).sent == 0
    shop.clock.set(delivered_at + timedelta(days=14))
    assert (await shop.dispatch()).sent == 1

    # every event delivered again (providers redeliver): nothing new is queued or sent
    for _ in range(2):
        results = await shop.ingest(*journey)
        assert [(r.status, r.reason) for r in results] == [("ignored", "duplicate")] * 4
    assert (await shop.dispatch()).sent == 0

    messages = await shop.messages()
    assert [(m.kind, m.status, m.sent_at) for m in messages] == [
        ("order_confirmed", "sent", T0),
        ("shipped", "sent", T0 + timedelta(days=1)),
        ("out_for_delivery", "sent", T0 + timedelta(days=2)),
        ("delivered", "sent", delivered_at),
        ("setup_guide", "sent", delivered_at + timedelta(hours=2)),
        ("review_request", "sent", delivered_at + timedelta(days=14)),
    ]
    arrived = fake_telegram.sent_messages(CHAT)
    assert [params["text"] for params in arrived] == [m.payload["text"] for m in messages]
    assert len(fake_telegram.sent_messages()) == 6
    assert "parse_mode" not in arrived[0]
    assert "1001" in arrived[1]["text"] and "UPS" in arrived[1]["text"]
    # the shipped message carries the tracking link as a URL button and a "Track parcel" button
    keyboard = arrived[1]["reply_markup"]["inline_keyboard"]
    assert {"text": "Track parcel", "url": "https://track.example.test/1Z1001"} in [
        row[0] for row in keyboard
    ]
    decisions = [(d.kind, d.decision) for d in await shop.decisions()]
    assert decisions == [
        ("order_confirmed", "queued"),
        ("shipped", "queued"),
        ("out_for_delivery", "queued"),
        ("delivered", "queued"),
        ("setup_guide", "deferred"),
        ("review_request", "deferred"),
    ]


async def test_same_webhook_five_times_at_once_gives_one_message(
    store: Store, telegram_bot, fake_telegram: FakeTelegram
) -> None:
    shop = build_shop(store, notify_settings(store.url), FakeClock(T0), telegram_bot)
    await shop.customer()
    await shop.ingest(order_created("e1", T0), shipped("e2", T0))
    await shop.dispatch()
    fake_telegram.reset_calls()

    delivery = scan("carrier-77", T0 + timedelta(hours=2), "out_for_delivery")
    shop.clock.set(delivery.occurred_at)
    results = await asyncio.gather(*(shop.ingest(delivery) for _ in range(5)))
    statuses = sorted(r.status for [r] in results)
    assert statuses == ["applied", "ignored", "ignored", "ignored", "ignored"]
    await shop.dispatch()

    assert [p["text"].split("\n")[0] for p in fake_telegram.sent_messages(CHAT)] == [
        "Your Kettle Pro 200 (order 1001) is out for delivery with UPS today."
    ]
    assert [m.kind for m in await shop.messages()].count("out_for_delivery") == 1
