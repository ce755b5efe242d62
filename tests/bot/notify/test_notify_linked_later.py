"""A delay held back because no chat was linked goes out once the shopper links one, if the parcel
is still overdue, and only once."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from storage.store import Store
from tests.bot.notify.conftest import (
    CHAT,
    EMAIL,
    T0,
    Shop,
    build_shop,
    notify_settings,
    order_created,
    scan,
    shipped,
)
from tests.fakes.telegram import FakeTelegram

#: two days past the ETA the shipped event gives (T0 + 3 days), 10:00 in New York
OVERDUE = T0 + timedelta(days=5)


async def _overdue_without_a_chat(shop: Shop) -> None:
    await shop.customer(chats=())
    await shop.ingest(order_created("e1", T0), shipped("e2", T0))
    shop.clock.set(OVERDUE)
    first = await shop.scheduler.sweep()
    assert (first.proposals, first.queued, first.suppressed) == (1, 0, 1)


async def _link_telegram(shop: Shop, *, accepted: bool = True) -> int:
    """The shopper verifies this Telegram chat (and accepts updates there)."""
    async with shop.store.transaction() as repos:
        customer = await repos.customers.by_email(email=EMAIL)
        assert customer is not None and customer.id is not None
        identity = await repos.identities.get_or_create(channel="telegram", external_id=CHAT)
        assert identity.id is not None
        await repos.identities.link(identity_id=identity.id, customer_id=customer.id, at=shop.clock.now())
        await repos.identities.set_accepted_updates(identity_id=identity.id, accepted=accepted)
        return identity.id


async def _accept_updates(shop: Shop, identity_id: int) -> None:
    async with shop.store.transaction() as repos:
        await repos.identities.set_accepted_updates(identity_id=identity_id, accepted=True)


def _delay_texts(fake: FakeTelegram) -> list[str]:
    return [p["text"] for p in fake.sent_messages(CHAT) if "hasn't arrived" in p["text"]]


async def test_the_held_back_delay_goes_out_once_a_chat_is_linked(
    store: Store, telegram_bot, fake_telegram: FakeTelegram
) -> None:
    shop = build_shop(store, notify_settings(store.url), FakeClock(T0), telegram_bot)
    await _overdue_without_a_chat(shop)
    # later sweeps while nobody can be told: nothing new is decided or logged
    for _ in range(3):
        shop.advance(minutes=1)
        assert (await shop.scheduler.sweep()).suppressed == 0
    assert [(d.kind, d.decision, d.reason) for d in await shop.decisions() if d.kind == "delayed"] == [
        ("delayed", "suppressed", "no verified chat identity")
    ]

    # verified on Telegram, but not yet accepting updates: still held back
    shop.advance(minutes=1)
    identity_id = await _link_telegram(shop, accepted=False)
    assert (await shop.scheduler.sweep()).queued == 0
    # "Yes, send updates here": the next sweep tells the shopper, once
    shop.advance(minutes=1)
    await _accept_updates(shop, identity_id)
    assert (await shop.scheduler.sweep()).queued == 1
    assert (await shop.dispatch()).sent == 1
    for _ in range(2):
        shop.advance(minutes=1)
        assert (await shop.scheduler.sweep()).queued == 0
        assert (await shop.dispatch()).sent == 0

    assert len(_delay_texts(fake_telegram)) == 1
    delays = [m for m in await shop.messages() if m.kind == "delayed"]
    assert [(m.status, m.channel, m.recipient) for m in delays] == [("sent", "telegram", CHAT)]
    assert [(d.decision, d.reason) for d in await shop.decisions() if d.kind == "delayed"] == [
        ("suppressed", "no verified chat identity"),
        ("queued", "to telegram"),
    ]


async def test_no_delay_once_the_parcel_arrived_before_the_chat_was_linked(
    store: Store, telegram_bot, fake_telegram: FakeTelegram
) -> None:
    shop = build_shop(store, notify_settings(store.url), FakeClock(T0), telegram_bot)
    await _overdue_without_a_chat(shop)
    shop.advance(hours=2)
    await shop.ingest(scan("e3", shop.clock.now(), "delivered"))
    shop.advance(hours=1)
    await _link_telegram(shop)
    await shop.scheduler.sweep()
    await shop.dispatch()

    assert _delay_texts(fake_telegram) == []
    assert not [m for m in await shop.messages() if m.kind == "delayed"]
