"""Clock skew end to end: a delivery stamped earlier than the last scan is not lost, and no
"hasn't arrived" follows it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FakeClock
from storage.store import Store
from tests.bot.notify.conftest import CHAT, T0, build_shop, notify_settings, order_created, scan, shipped
from tests.fakes.telegram import FakeTelegram


@pytest.mark.parametrize("latest", ["in_transit", "out_for_delivery"])
async def test_delivery_stamped_yesterday_by_another_source_is_told_and_no_delay_follows(
    store: Store, telegram_bot, fake_telegram: FakeTelegram, latest: str
) -> None:
    shop = build_shop(store, notify_settings(store.url), FakeClock(T0), telegram_bot)
    await shop.customer()
    await shop.ingest(order_created("e1", T0), shipped("e2", T0))  # ETA T0 + 3 days
    await shop.dispatch()
    today = T0 + timedelta(days=2)
    shop.clock.set(today)
    await shop.ingest(scan("now", today, latest, source="easypost", location="Hartford, CT"))
    await shop.dispatch()
    # the other source's clock runs a day behind
    [result] = await shop.ingest(scan("dlv", today - timedelta(days=1), "delivered", source="aftership"))
    assert (result.status, result.reason) == ("applied", "shipment updated")
    await shop.dispatch()
    shop.clock.set(today + timedelta(hours=3))
    await shop.dispatch()  # the setup guide, two hours after the stamped delivery

    # days past the ETA the overdue sweep finds nothing to say
    shop.clock.set(T0 + timedelta(days=6))
    sweep = await shop.scheduler.sweep()
    await shop.dispatch()

    assert sweep.queued == 0
    texts = [p["text"] for p in fake_telegram.sent_messages(CHAT)]
    kinds = [m.kind for m in await shop.messages() if m.status == "sent"]
    told = ["shipped", *(["out_for_delivery"] if latest == "out_for_delivery" else []), "delivered"]
    assert kinds == [*told, "setup_guide"]
    assert not any("hasn't arrived" in text for text in texts)
    assert len(texts) == len(kinds)
