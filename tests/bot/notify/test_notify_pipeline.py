"""ingest_events: batches behave exactly like one event at a time; a bad event fails alone."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.clock import FakeClock
from bot.notify.pipeline import ingest_events
from storage.domain import NormalizedEvent
from storage.migrate import upgrade
from storage.models import Case, InboxEntry, Shipment, TrackingEvent
from storage.schemas import OrderIn
from storage.store import Store
from tests.bot.notify.conftest import T0, Shop, event, notify_settings, order_created, scan
from tests.builders import order_line

STATUSES = ("in_transit", "out_for_delivery", "delayed", "attempt_failed", "delivered", "exception", "lost")


def _random_events(seed: int) -> list[NormalizedEvent]:
    """Scans (late, repeated, out of order, for unknown parcels), order and parcel creation, mixed."""
    rng = random.Random(seed)
    events: list[NormalizedEvent] = []
    at = T0
    for n in range(300):
        at += timedelta(minutes=rng.choice((1, 5, 30)))
        order = rng.randrange(6)
        roll = rng.random()
        if roll < 0.05:
            events.append(order_created(f"o{n}", at, number=f"20{order}", email=f"c{order}@example.com"))
        elif roll < 0.1:
            events.append(
                event(
                    f"s{n}",
                    "shipment.created",
                    at,
                    number=f"20{order}",
                    tracking=f"NEW{order}",
                    status="in_transit",
                    carrier="DHL",
                    tracking_url=f"https://track.example.test/NEW{order}",
                )
            )
        elif roll < 0.15 and events:
            events.append(rng.choice(events))  # a redelivery
        else:
            tracking = rng.choice((f"1Z{order}", f"1Z{order}", f"NEW{order}", "UNKNOWN"))
            when = at - timedelta(hours=2) if rng.random() < 0.1 else at  # some arrive late
            eta = (at + timedelta(days=rng.choice((1, 2, 5)))).date() if rng.random() < 0.3 else None
            events.append(
                scan(
                    f"e{n}",
                    when,
                    rng.choice(STATUSES),
                    tracking=tracking,
                    eta=eta,
                    location=rng.choice(("A", "B")),
                )
            )
    return events


async def _state(store: Store) -> dict[str, Any]:
    async with store.engine.connect() as conn:
        ships = (await conn.execute(select(Shipment).order_by(Shipment.tracking_number))).all()
        scans = (await conn.execute(select(TrackingEvent).order_by(TrackingEvent.id))).all()
        inbox = (
            await conn.execute(select(InboxEntry).order_by(InboxEntry.source, InboxEntry.external_id))
        ).all()
        cases = (await conn.execute(select(Case).order_by(Case.id))).all()
    return {
        "shipments": [
            (
                s.tracking_number,
                s.status,
                s.raw_status,
                s.eta,
                s.last_location,
                s.last_event_at,
                s.delivered_at,
                s.tracking_url,
                s.shipped_at,
            )
            for s in ships
        ],
        "scans": [(t.shipment_id, t.occurred_at, t.status, t.location, t.source, t.event_id) for t in scans],
        "inbox": [(e.source, e.external_id, e.status) for e in inbox],
        "cases": [(c.order_id, c.kind, c.status) for c in cases],
    }


async def _run(tmp_path: Path, name: str, events: list[NormalizedEvent], batch_size: int) -> tuple[Any, Any]:
    url = f"sqlite+aiosqlite:///{tmp_path / name}"
    await upgrade(url)
    async with Store(url) as store:
        async with store.transaction() as repos:
            await repos.orders.upsert_many(
                [
                    OrderIn.model_validate(
                        order_line(f"20{n}", email=f"c{n}@example.com", tracking_number=f"1Z{n}")
                    )
                    for n in range(4)
                ]
            )
        results = await ingest_events(
            store, events, FakeClock(T0), notify_settings(url), batch_size=batch_size
        )
        outcome = [(r.event_id, r.status, r.reason, [m.dedupe_key for m in r.messages]) for r in results]
        return outcome, await _state(store)


async def test_batches_change_state_exactly_like_single_events(tmp_path: Path) -> None:
    for seed in (1, 2, 3):
        events = _random_events(seed)
        single, single_state = await _run(tmp_path, f"single{seed}.db", events, batch_size=1)
        batched, batched_state = await _run(tmp_path, f"batch{seed}.db", events, batch_size=100)
        assert batched == single
        assert batched_state == single_state
        assert {status for _, status, _, _ in single} >= {"applied", "held", "ignored"}
        assert len(single_state["scans"]) > 100


async def test_a_bad_event_fails_alone_and_leaves_nothing_behind(shop: Shop) -> None:
    await shop.customer()
    broken = event("bad", "order.created", T0, number="1002", order={"order_number": "1002"})
    results = await shop.ingest(
        order_created("e1", T0), broken, scan("e2", T0, "in_transit", tracking="NONE")
    )

    assert [r.status for r in results] == ["applied", "failed", "held"]
    assert results[1].error is not None and results[1].error.startswith("InvalidEvent: data.order.placed_at")
    async with shop.store.engine.connect() as conn:
        ids = (await conn.execute(select(InboxEntry.external_id).order_by(InboxEntry.id))).scalars().all()
    assert sorted(ids) == ["e1", "e2"]
    assert [m.kind for m in await shop.messages()] == ["order_confirmed"]


async def test_on_enqueued_is_called_only_when_something_was_queued(shop: Shop) -> None:
    await shop.customer()
    calls: list[int] = []
    await ingest_events(
        shop.store, [order_created("e1", T0)], shop.clock, shop.settings, on_enqueued=lambda: calls.append(1)
    )
    await ingest_events(
        shop.store, [order_created("e1", T0)], shop.clock, shop.settings, on_enqueued=lambda: calls.append(2)
    )
    assert calls == [1]


async def test_events_held_for_an_unknown_order_are_applied_and_notified_once_it_is_imported(
    shop: Shop,
) -> None:
    from bot.notify.pipeline import ingest_released

    await shop.customer()
    [held] = await shop.ingest(
        event("early", "shipment.updated", T0, number="1001", tracking="1Z1001", status="out_for_delivery")
    )
    assert held.status == "held"
    async with shop.store.transaction() as repos:
        await repos.orders.upsert_many([OrderIn.model_validate(order_line("1001", tracking_number="1Z1001"))])
    results = await ingest_released(shop.store, ["1001"], shop.clock, shop.settings)

    assert [(r.event_id, r.status) for r in results] == [("early", "applied")]
    assert [(m.kind, m.decision) for m in results[0].messages] == [("out_for_delivery", "queued")]
    assert [m.kind for m in await shop.messages()] == ["out_for_delivery"]
    assert await ingest_released(shop.store, ["1001"], shop.clock, shop.settings) == []


async def test_a_batch_of_journeys_on_each_database(store: Store, telegram_bot, fake_telegram) -> None:
    from tests.bot.notify.conftest import CHAT, build_shop, shipped

    shop = build_shop(store, notify_settings(store.url), FakeClock(T0), telegram_bot)
    await shop.customer()
    events = []
    for number in ("1001", "1002"):
        events += [
            order_created(f"{number}-1", T0, number=number),
            shipped(f"{number}-2", T0, tracking=f"1Z{number}", number=number),
            scan(f"{number}-3", T0 + timedelta(minutes=1), "out_for_delivery", tracking=f"1Z{number}"),
        ]
    results = await ingest_events(store, events * 2, shop.clock, shop.settings, batch_size=12)
    await shop.dispatch()

    assert [r.status for r in results] == ["applied"] * 6 + ["ignored"] * 6
    # in one batch the confirmation and the "shipped" are already superseded by "out for delivery"
    assert [(m.kind, m.decision) for r in results for m in r.messages if m.decision != "duplicate"] == [
        ("order_confirmed", "suppressed"),
        ("shipped", "suppressed"),
        ("out_for_delivery", "queued"),
    ] * 2
    assert len(fake_telegram.sent_messages(CHAT)) == 2
