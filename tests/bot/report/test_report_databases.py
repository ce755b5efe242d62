"""The same activity gives the same report, key for key, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from storage.migrate import upgrade
from storage.store import Store
from tests.bot.report.conftest import (
    at,
    decided,
    facts,
    load_orders,
    record,
    report,
    sent,
    shipped_order,
    threads,
)
from tests.conftest import new_pg_database


async def _activity(store: Store) -> dict[str, Any]:
    """A month of mixed activity; answers the report with a 40% holdout."""
    lines = [shipped_order(str(6000 + n), f"2026-11-{1 + n % 28:02d}T{n % 24:02d}:30:00Z") for n in range(80)]
    customers = await load_orders(store, lines)
    numbers = sorted(customers)
    for i, number in enumerate(numbers[:50]):
        await sent(store, number, "shipped", at(1 + i % 28, 23, 59))
        if i % 3 == 0:
            await sent(store, number, "delivered", at(2 + i % 27, 8))
        if i % 7 == 0:
            await decided(
                store, number, "out_for_delivery", "suppressed", f"touch cap reached ({i} of 6)", at(3)
            )
        if i % 5 == 0:
            await decided(store, number, "shipped", "suppressed", "holdout", at(1 + i % 28))
    t = await threads(store, 80)
    turns = []
    for i, number in enumerate(numbers):
        day, hour = 1 + i % 29, i % 24
        customer = customers[number] if i % 2 else None
        kind = ("answer", "answer", "wait", "fallback", "smalltalk")[i % 5]
        intent = ("order_status", "setup_help", "return_request")[i % 3]
        turns.append(
            facts(
                t[i],
                at(day, hour),
                kind,
                intent=intent,
                order=number if i % 4 else None,
                customer_id=customer,
            )
        )
        if i % 6 == 0:
            turns.append(facts(t[i], at(day, hour, 30), "fallback", handoff=True))
        if i % 8 == 0 and day < 27:
            turns.append(
                facts(
                    t[i],
                    at(day + 2, hour),
                    "answer",
                    intent=intent,
                    order=number if i % 4 else None,
                    customer_id=customer,
                )
            )
    await record(store, *turns)
    return await report(store, holdout=40)


async def test_the_report_is_identical_on_both_databases(
    tmp_path: Path, pg_admin_url: str, pg_template: str
) -> None:
    sqlite_url = f"sqlite+aiosqlite:///{tmp_path / 'same.db'}"
    await upgrade(sqlite_url)
    pg_url = await new_pg_database(pg_admin_url, pg_template)
    found = []
    for url in (sqlite_url, pg_url):
        async with Store(url) as store:
            found.append(await _activity(store))
    on_sqlite, on_pg = found
    assert on_sqlite["conversations"]["total"] > 80
    assert min(on_sqlite["conversations"]["by_outcome"].values()) > 0
    assert on_sqlite["wismo"]["contacts"] > 0 and on_sqlite["proactive"]["suppressed"]["holdout"] == 10
    assert on_sqlite == on_pg


@pytest.mark.parametrize("since,until", [("2026-11-10", "2026-11-10"), ("2026-10-01", "2026-12-31")])
async def test_periods_cut_the_same_way(store: Store, since: str, until: str) -> None:
    """One conversation at each edge of the 10th of November (UTC)."""
    (a, b, c) = await threads(store, 3)
    await record(
        store,
        facts(a, at(9, 23, 59), "answer", intent="order_status"),
        facts(b, at(10, 0, 0), "answer", intent="order_status"),
        facts(c, at(10, 23, 59), "answer", intent="setup_help"),
    )
    found = await report(store, since=since, until=until)
    assert found["conversations"]["total"] == (2 if since == until else 3)
    assert found["period"]["days"] == (1 if since == until else 92)
