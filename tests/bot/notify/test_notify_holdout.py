"""The holdout: customers in the control group get no non-urgent shipping updates; delays still go out."""

from __future__ import annotations

from datetime import timedelta

from storage.repositories.reports import in_holdout
from tests.bot.notify.conftest import CHAT, T0, Shop, order_created, scan, shipped
from tests.fakes.telegram import FakeTelegram


async def _journey(shop: Shop) -> list[tuple[str, str, str]]:
    """Order 1001 confirmed, shipped, out for delivery, then delayed; every message dispatched."""
    events = (
        order_created("e1", T0),
        shipped("e2", T0 + timedelta(hours=1)),
        scan("e3", T0 + timedelta(hours=2), "out_for_delivery"),
        scan("e4", T0 + timedelta(hours=3), "delayed"),
    )
    for ev in events:
        shop.clock.set(ev.occurred_at)
        await shop.ingest(ev)
        await shop.dispatch()
    return [(d.kind, d.decision, d.reason) for d in await shop.decisions()]


async def test_a_holdout_customer_gets_no_shipping_updates_but_the_delay(
    shop: Shop, fake_telegram: FakeTelegram
) -> None:
    shop.settings = shop.settings.model_copy(update={"holdout_percent": 100})
    await shop.customer()
    decisions = await _journey(shop)

    assert ("shipped", "suppressed", "holdout") in decisions
    assert ("out_for_delivery", "suppressed", "holdout") in decisions
    assert [(k, d) for k, d, _ in decisions if d != "suppressed"] == [
        ("order_confirmed", "queued"),
        ("delayed", "queued"),
    ]
    texts = [params["text"] for params in fake_telegram.sent_messages(CHAT)]
    assert len(texts) == 2
    assert "delay" in texts[1].lower() and not any("shipped" in text.lower() for text in texts)


async def test_without_a_holdout_the_same_customer_gets_every_update(
    shop: Shop, fake_telegram: FakeTelegram
) -> None:
    await shop.customer()
    decisions = await _journey(shop)

    assert not any(reason == "holdout" for _, _, reason in decisions)
    assert [k for k, d, _ in decisions if d == "queued"] == [
        "order_confirmed",
        "shipped",
        "out_for_delivery",
        "delayed",
    ]
    assert len(fake_telegram.sent_messages(CHAT)) == 4


async def test_the_group_follows_the_customer_hash(shop: Shop) -> None:
    customer_id, _ = await shop.customer()
    # the smallest share that holds this customer out, and the largest that does not
    inside = next(p for p in range(101) if in_holdout(customer_id, p))
    shop.settings = shop.settings.model_copy(update={"holdout_percent": inside - 1})
    shop.clock.set(T0)
    await shop.ingest(order_created("e1", T0), shipped("e2", T0))
    assert ("shipped", "queued") in [(d.kind, d.decision) for d in await shop.decisions()]

    shop.settings = shop.settings.model_copy(update={"holdout_percent": inside})
    await shop.ingest(scan("e3", T0 + timedelta(hours=1), "out_for_delivery"))
    assert ("out_for_delivery", "suppressed") in [(d.kind, d.decision) for d in await shop.decisions()]
