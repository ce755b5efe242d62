"""Quiet hours: a preference row holds only what the shopper chose; the operator's setting applies
otherwise (QUIET_HOURS_START / QUIET_HOURS_END)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from bot.clock import FakeClock
from storage.migrate import upgrade
from storage.store import Store
from tests.bot.notify.conftest import build_shop, notify_settings, order_created
from tests.conftest import new_pg_database

#: 22:00 in New York on Sunday 22 November: quiet under the default 21:00-08:00, not under 23:00-06:00
EVENING = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


async def test_send_updates_here_keeps_the_operators_quiet_hours(store: Store) -> None:
    settings = notify_settings(store.url, quiet_hours_start="23:00", quiet_hours_end="06:00")
    shop = build_shop(store, settings, FakeClock(EVENING), bot=None)
    customer_id, [identity_id] = await shop.customer()
    async with store.transaction() as repos:
        # what "Yes, send updates here" saves (handlers/preferences.py)
        await repos.preferences.update(customer_id=customer_id, preferred_identity_id=identity_id)
        await repos.preferences.update(customer_id=customer_id, opted_out_categories=["reviews"])
        prefs = await repos.preferences.get(customer_id=customer_id)
    assert prefs is not None and prefs.preferred_identity_id == identity_id
    assert (prefs.quiet_start, prefs.quiet_end) == (None, None)

    [result] = await shop.ingest(order_created("e1", EVENING))
    [outcome] = result.messages
    assert (outcome.decision, outcome.reason) == ("queued", "to telegram")

    shop.clock.set(datetime(2026, 11, 23, 5, 0, tzinfo=UTC))  # 00:00 in New York: the operator's quiet time
    [later] = await shop.ingest(order_created("e2", shop.clock.now(), number="1002"))
    assert later.messages[0].reason.endswith("quiet hours 23:00-06:00 America/New_York")


async def test_the_shoppers_own_quiet_hours_win(store: Store) -> None:
    settings = notify_settings(store.url, quiet_hours_start="23:00", quiet_hours_end="06:00")
    shop = build_shop(store, settings, FakeClock(EVENING), bot=None)
    customer_id, _ = await shop.customer()
    async with store.transaction() as repos:
        await repos.preferences.update(customer_id=customer_id, quiet_start="21:30", quiet_end="07:00")
    [result] = await shop.ingest(order_created("e1", EVENING))
    assert result.messages[0].reason.endswith("quiet hours 21:30-07:00 America/New_York")


async def test_one_end_chosen_keeps_the_whole_window_the_shopper_was_told(store: Store) -> None:
    shop = build_shop(store, notify_settings(store.url), FakeClock(EVENING), bot=None)
    customer_id, _ = await shop.customer()
    async with store.transaction() as repos:
        await repos.preferences.update(customer_id=customer_id, quiet_start="22:00")
        first = await repos.preferences.get(customer_id=customer_id)
        assert first is not None and (first.quiet_start, first.quiet_end) == ("22:00", "08:00")
        await repos.preferences.update(customer_id=customer_id, quiet_end="07:30")
        second = await repos.preferences.get(customer_id=customer_id)
    assert second is not None and (second.quiet_start, second.quiet_end) == ("22:00", "07:30")


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    return await new_pg_database(request.getfixturevalue("pg_admin_url"), None)


async def test_the_migration_clears_quiet_hours_the_old_defaults_wrote(empty_url: str) -> None:
    await upgrade(empty_url, revision="0006")
    async with Store(empty_url) as store:
        async with store.engine.begin() as conn:
            for n, (start, end) in enumerate((("21:00", "08:00"), ("22:30", "07:00")), start=1):
                await conn.execute(
                    text(
                        "INSERT INTO customers (id, email, timezone, locale) VALUES (:n, :email, 'UTC', 'en')"
                    ),
                    {"n": n, "email": f"c{n}@example.com"},
                )
                await conn.execute(
                    text(
                        "INSERT INTO notification_preferences (customer_id, opted_out_categories, quiet_start,"
                        " quiet_end) VALUES (:n, '[]', :start, :end)"
                    ),
                    {"n": n, "start": start, "end": end},
                )
    await upgrade(empty_url)
    async with Store(empty_url) as store, store.transaction() as repos:
        prefs = await repos.preferences.for_customers(customer_ids=[1, 2])
    assert (prefs[1].quiet_start, prefs[1].quiet_end) == (None, None)  # written by the old defaults
    assert (prefs[2].quiet_start, prefs[2].quiet_end) == ("22:30", "07:00")  # chosen by the shopper
