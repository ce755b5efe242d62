"""The notification policy end to end: events in, decisions logged, messages at FakeTelegram."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.schemas import OrderIn
from tests.bot.notify.conftest import CHAT, T0, Shop, order_created, scan, shipped
from tests.builders import order_line
from tests.fakes.telegram import FakeTelegram

#: 02:00 in New York on Sunday 22 November: inside the default quiet hours (21:00-08:00)
NIGHT = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)
#: 08:00 in New York that morning
MORNING = datetime(2026, 11, 22, 13, 0, tzinfo=UTC)


def _first_lines(fake: FakeTelegram) -> list[str]:
    return [params["text"].split("\n")[0] for params in fake.sent_messages(CHAT)]


async def _shipped_by_day(shop: Shop) -> None:
    """Order 1001 confirmed and shipped on Friday, both messages sent."""
    await shop.customer()
    for ev in (order_created("e1", T0), shipped("e2", T0 + timedelta(hours=1))):
        shop.clock.set(ev.occurred_at)
        await shop.ingest(ev)
        await shop.dispatch()


async def test_quiet_hours_defer_a_message_to_the_local_morning(
    shop: Shop, fake_telegram: FakeTelegram
) -> None:
    await shop.customer()
    shop.clock.set(NIGHT)
    [result] = await shop.ingest(order_created("e1", NIGHT))

    [outcome] = result.messages
    assert (outcome.decision, outcome.scheduled_at) == ("deferred", MORNING)
    assert outcome.reason == "to telegram at 2026-11-22 13:00 UTC: quiet hours 21:00-08:00 America/New_York"
    assert (await shop.dispatch()).sent == 0
    shop.clock.set(MORNING - timedelta(minutes=1))
    assert (await shop.dispatch()).sent == 0
    assert fake_telegram.sent_messages() == []
    shop.clock.set(MORNING)
    assert (await shop.dispatch()).sent == 1
    assert _first_lines(fake_telegram) == ["Hi Ann, thank you for your order 1001!"]


async def test_customer_quiet_hours_preference_and_time_zone_are_used(shop: Shop) -> None:
    customer_id, _ = await shop.customer(timezone="Europe/Berlin")
    async with shop.store.transaction() as repos:
        await repos.preferences.update(customer_id=customer_id, quiet_start="22:30", quiet_end="07:15")
    at = datetime(2026, 11, 22, 5, 0, tzinfo=UTC)  # 06:00 in Berlin
    shop.clock.set(at)
    [result] = await shop.ingest(order_created("e1", at, timezone="Europe/Berlin"))

    [outcome] = result.messages
    assert outcome.scheduled_at == datetime(2026, 11, 22, 6, 15, tzinfo=UTC)
    assert outcome.reason.endswith("quiet hours 22:30-07:15 Europe/Berlin")


async def test_urgent_delay_is_sent_during_quiet_hours(shop: Shop, fake_telegram: FakeTelegram) -> None:
    await _shipped_by_day(shop)
    shop.clock.set(NIGHT)
    [result] = await shop.ingest(scan("e3", NIGHT, "delayed"))

    assert [(m.kind, m.decision) for m in result.messages] == [("delayed", "queued")]
    assert (await shop.dispatch()).sent == 1
    assert len(fake_telegram.sent_messages(CHAT)) == 3


async def test_touch_cap_suppresses_non_urgent_messages_but_not_delays(
    shop: Shop, fake_telegram: FakeTelegram
) -> None:
    shop.settings = shop.settings.model_copy(update={"max_touches_per_order": 2})
    await _shipped_by_day(shop)
    shop.advance(hours=2)
    delay = await shop.ingest(scan("e3", shop.clock.now(), "delayed"))
    await shop.dispatch()
    shop.advance(hours=20)
    out = await shop.ingest(scan("e4", shop.clock.now(), "out_for_delivery"))

    assert [(m.kind, m.decision, m.reason) for r in (*delay, *out) for m in r.messages] == [
        ("delayed", "queued", "to telegram"),
        ("out_for_delivery", "suppressed", "touch cap reached (2 of 2)"),
    ]
    await shop.dispatch()
    assert [m.kind for m in await shop.messages()] == ["order_confirmed", "shipped", "delayed"]
    assert len(fake_telegram.sent_messages(CHAT)) == 3


async def test_opted_out_category_is_never_sent(shop: Shop, fake_telegram: FakeTelegram) -> None:
    customer_id, _ = await shop.customer()
    async with shop.store.transaction() as repos:
        await repos.preferences.update(customer_id=customer_id, opted_out_categories=["shipping_updates"])
    results = []
    for ev in (
        order_created("e1", T0),
        shipped("e2", T0 + timedelta(hours=1)),
        scan("e3", T0 + timedelta(hours=2), "delayed"),
    ):
        shop.clock.set(ev.occurred_at)
        results += await shop.ingest(ev)
        await shop.dispatch()

    assert [(m.kind, m.decision, m.reason) for r in results for m in r.messages] == [
        ("order_confirmed", "queued", "to telegram"),
        ("shipped", "suppressed", "opted out of shipping_updates"),
        ("delayed", "queued", "to telegram"),
    ]
    assert [m.kind for m in await shop.messages() if m.status == "sent"] == ["order_confirmed", "delayed"]
    assert len(fake_telegram.sent_messages(CHAT)) == 2


async def test_stop_between_queueing_and_sending_is_honoured_at_once(
    shop: Shop, fake_telegram: FakeTelegram
) -> None:
    _, [identity_id] = await shop.customer()
    shop.clock.set(NIGHT)
    await shop.ingest(order_created("e1", NIGHT))
    async with shop.store.transaction() as repos:  # the shopper sends /stop during the night
        await repos.identities.set_accepted_updates(identity_id=identity_id, accepted=False)
    shop.clock.set(MORNING)
    report = await shop.dispatch()

    assert (report.sent, report.cancelled) == (0, 1)
    [message] = await shop.messages()
    assert (message.status, message.last_error) == ("cancelled", "no chat identity accepted updates")
    assert fake_telegram.sent_messages() == []
    assert [(d.decision, d.reason) for d in await shop.decisions()][-1] == (
        "cancelled",
        "no chat identity accepted updates",
    )


async def test_unsent_shipping_messages_are_dropped_once_delivered(
    shop: Shop, fake_telegram: FakeTelegram
) -> None:
    await shop.customer()
    await shop.ingest(order_created("e1", T0))
    await shop.dispatch()
    shop.clock.set(NIGHT)
    await shop.ingest(shipped("e2", NIGHT))
    shop.clock.set(NIGHT + timedelta(hours=1))
    await shop.ingest(scan("e3", NIGHT + timedelta(hours=1), "delivered"))
    shop.clock.set(MORNING)
    await shop.dispatch()

    kinds = {m.kind: (m.status, m.last_error) for m in await shop.messages()}
    assert kinds["shipped"] == ("cancelled", "superseded: shipment 1Z1001 is already delivered")
    assert kinds["delivered"] == ("sent", None)
    # the setup guide (due 2 hours after delivery, at night) goes in the morning too
    assert _first_lines(fake_telegram) == [
        "Hi Ann, thank you for your order 1001!",
        "Your Kettle Pro 200 (order 1001) has been delivered. Enjoy!",
        "Hi Ann, ready to set up what came with your order 1001?",
    ]
    assert ("shipped", "cancelled", "superseded: shipment 1Z1001 is already delivered") in [
        (d.kind, d.decision, d.reason) for d in await shop.decisions()
    ]


async def test_rapid_scans_within_ten_minutes_are_consolidated(
    shop: Shop, fake_telegram: FakeTelegram
) -> None:
    await _shipped_by_day(shop)
    shop.clock.set(NIGHT)
    await shop.ingest(scan("e3", NIGHT, "out_for_delivery"))
    shop.clock.set(NIGHT + timedelta(minutes=6))
    [result] = await shop.ingest(scan("e4", NIGHT + timedelta(minutes=6), "attempt_failed"))
    shop.clock.set(MORNING)
    await shop.dispatch()

    assert [m.decision for m in result.messages] == ["deferred"]
    statuses = [(m.kind, m.status, m.last_error) for m in await shop.messages()][2:]
    assert statuses == [
        ("out_for_delivery", "cancelled", "consolidated into attempt_failed"),
        ("attempt_failed", "sent", None),
    ]
    assert len(fake_telegram.sent_messages(CHAT)) == 3


async def test_scans_further_apart_are_not_consolidated(shop: Shop) -> None:
    await _shipped_by_day(shop)
    shop.clock.set(NIGHT)
    await shop.ingest(scan("e3", NIGHT, "out_for_delivery"))
    shop.clock.set(NIGHT + timedelta(minutes=11))
    await shop.ingest(scan("e4", NIGHT + timedelta(minutes=11), "attempt_failed"))
    shop.clock.set(MORNING)
    await shop.dispatch()

    assert [(m.kind, m.status) for m in await shop.messages()][2:] == [
        ("out_for_delivery", "sent"),
        ("attempt_failed", "sent"),
    ]


async def test_preferred_identity_gets_the_message(shop: Shop, fake_telegram: FakeTelegram) -> None:
    customer_id, [_, second] = await shop.customer(chats=[("telegram", CHAT), ("telegram", "7007")])
    async with shop.store.transaction() as repos:
        await repos.preferences.update(customer_id=customer_id, preferred_identity_id=second)
    await shop.ingest(order_created("e1", T0))
    await shop.dispatch()

    assert fake_telegram.sent_messages(CHAT) == []
    assert len(fake_telegram.sent_messages("7007")) == 1


async def test_no_verified_identity_means_no_message(shop: Shop) -> None:
    await shop.customer(chats=[])
    [result] = await shop.ingest(order_created("e1", T0))
    assert [(m.decision, m.reason) for m in result.messages] == [("suppressed", "no verified chat identity")]
    assert await shop.messages() == []


async def _delivered(shop: Shop) -> datetime:
    await _shipped_by_day(shop)
    delivered_at = T0 + timedelta(days=1, hours=2)
    shop.clock.set(delivered_at)
    await shop.ingest(scan("e4", delivered_at, "delivered"))
    await shop.dispatch()
    shop.clock.set(delivered_at + timedelta(hours=2))
    assert (await shop.dispatch()).sent == 1  # the setup guide
    return delivered_at


async def test_reputation_guard_holds_the_review_request_during_an_open_case(shop: Shop) -> None:
    delivered_at = await _delivered(shop)
    async with shop.store.transaction() as repos:
        order = await repos.orders.by_number(order_number="1001")
        assert order and order.id
        await repos.cases.open(
            order_id=order.id, customer_id=order.customer_id, kind="damaged", description="dent"
        )
    due = delivered_at + timedelta(days=14)
    shop.clock.set(due)
    report = await shop.dispatch()

    assert (report.sent, report.held) == (0, 1)
    review = next(m for m in await shop.messages() if m.kind == "review_request")
    assert (review.status, review.scheduled_at, review.attempts) == ("pending", due + timedelta(days=1), 0)
    assert [(d.decision, d.reason) for d in await shop.decisions() if d.kind == "review_request"][-1] == (
        "held",
        "until 2026-12-06 17:00 UTC: reputation guard: open damaged case",
    )


async def test_reputation_guard_releases_the_review_once_the_handoff_is_resolved(
    shop: Shop, fake_telegram: FakeTelegram
) -> None:
    delivered_at = await _delivered(shop)
    async with shop.store.transaction() as repos:
        order = await repos.orders.by_number(order_number="1001")
        assert order and order.id
        conversation = await repos.conversations.get_or_create(channel="telegram", external_id=CHAT)
        handoff = await repos.handoffs.create(
            conversation_id=int(conversation.id or 0),
            reason="wants a human",
            summary="",
            customer_id=order.customer_id,
            order_id=order.id,
        )
        # the shopper asked for a person the day after delivery (on the shop's clock, not the wall clock)
        handoff.created_at = delivered_at + timedelta(days=1)
    sent_before = len(fake_telegram.sent_messages(CHAT))
    shop.clock.set(delivered_at + timedelta(days=14))
    assert (await shop.dispatch()).held == 1
    async with shop.store.transaction() as repos:
        await repos.handoffs.set_status(handoff_id=int(handoff.id or 0), status="resolved")
    shop.clock.set(delivered_at + timedelta(days=15))
    assert (await shop.dispatch()).sent == 1

    assert len(fake_telegram.sent_messages(CHAT)) == sent_before + 1
    held = [d.reason for d in await shop.decisions() if d.decision == "held"]
    assert held == ["until 2026-12-06 17:00 UTC: reputation guard: open support handoff"]


async def test_sweep_detects_a_delay_without_any_carrier_event(
    shop: Shop, fake_telegram: FakeTelegram
) -> None:
    await shop.customer()
    late = order_line("1001", eta="2026-11-18", promised_by="2026-11-19", shipment_status="in_transit")
    async with shop.store.transaction() as repos:
        await repos.orders.upsert_many([OrderIn.model_validate(late)])
    first = await shop.scheduler.sweep()
    await shop.dispatch()
    shop.advance(seconds=30)
    second = await shop.scheduler.sweep()
    await shop.dispatch()

    assert (first.orders, first.queued) == (1, 1)
    assert (second.orders, second.queued) == (1, 0)
    [message] = await shop.messages()
    assert (message.kind, message.status) == ("delayed", "sent")
    assert len(fake_telegram.sent_messages(CHAT)) == 1


async def test_sweep_runs_again_only_after_its_interval(shop: Shop) -> None:
    assert shop.scheduler.due()
    await shop.scheduler.sweep()
    shop.advance(seconds=29)
    assert not shop.scheduler.due()
    shop.advance(seconds=1)
    assert shop.scheduler.due()
