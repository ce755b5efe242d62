"""WISMO contacts per 100 shipments on a tiny known shop, split by proactive messages received."""

from __future__ import annotations

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


async def test_wismo_per_100_shipments_and_the_proactive_split(store: Store) -> None:
    lines = [shipped_order(str(2000 + n), f"2026-11-{n + 1:02d}T09:00:00Z") for n in range(1, 11)]
    lines.append(shipped_order("1999", "2026-10-30T09:00:00Z"))  # shipped before the period
    await load_orders(store, lines)
    for number in ("2001", "2002", "2003", "2004"):
        await sent(store, number, "shipped", at(int(number[-2:]) + 1, 12))
    await sent(store, "2005", "staff_alert", at(6, 12))  # for staff: not a proactive message
    await sent(store, "2006", "shipped", at(7, 12), status="cancelled")  # never reached the shopper
    await sent(store, "2007", "delayed", at(12, 12))  # delay news counts, after the contact below
    t = await threads(store, 9)
    await record(
        store,
        # after the shipped message of 2001 (sent Nov 2, 12:00)
        facts(t[0], at(4), "answer", intent="order_status", order="2001"),
        # before the message of 2002 (sent Nov 3, 12:00)
        facts(t[1], at(3, 8), "answer", intent="order_status", order="2002"),
        facts(t[2], at(8), "smalltalk"),
        facts(t[2], at(8, 10, 1), "answer", intent="order_status", order="2005"),
        facts(t[3], at(9), "wait", intent="order_status"),
        facts(t[3], at(9, 10, 2), "answer", intent="order_status", order="2006"),
        facts(t[4], at(10), "wait", intent="order_status"),  # never named an order
        facts(t[5], at(11), "answer", intent="setup_help", order="2007"),  # not a WISMO contact
        facts(t[6], at(11), "answer", intent="setup_help"),  # asked where it is only afterwards
        facts(t[6], at(11, 10, 5), "answer", intent="order_status", order="2008"),
        facts(t[7], at(11), "answer", intent="order_status", order="2007"),  # before the delay news
        facts(t[8], at(1, month=12), "answer", intent="order_status", order="2009"),  # after the period
    )
    wismo = (await report(store))["wismo"]
    assert (wismo["contacts"], wismo["shipments"], wismo["per_100_shipments"]) == (6, 10, 60.0)
    assert wismo["order_unknown"] == 1
    assert wismo["after_proactive"] == {"contacts": 1, "shipments": 5, "per_100_shipments": 20.0}
    assert wismo["without_proactive"] == {"contacts": 4, "shipments": 5, "per_100_shipments": 80.0}


async def test_the_daily_series_divides_each_day_by_its_own_shipments(store: Store) -> None:
    await load_orders(
        store,
        [
            shipped_order("3001", "2026-11-02T09:00:00Z"),
            shipped_order("3002", "2026-11-02T23:59:00Z"),
            shipped_order("3003", "2026-11-03T00:00:00Z"),
        ],
    )
    t = await threads(store, 3)
    await record(
        store,
        facts(t[0], at(2, 20), "answer", intent="order_status", order="3001"),
        facts(t[1], at(3, 1), "answer", intent="order_status", order="3002"),
        facts(t[2], at(3, 2), "answer", intent="order_status", order="3003"),
    )
    days = {row["date"]: row for row in (await report(store))["daily"]}
    assert (days["2026-11-02"]["wismo_contacts"], days["2026-11-02"]["shipments"]) == (1, 2)
    assert days["2026-11-02"]["wismo_per_100_shipments"] == 50.0
    assert days["2026-11-03"]["wismo_per_100_shipments"] == 200.0
    assert days["2026-11-04"]["wismo_per_100_shipments"] is None


async def test_proactive_counts_touches_and_suppression_reasons(store: Store) -> None:
    await load_orders(store, [shipped_order(str(4000 + n), "2026-11-02T09:00:00Z") for n in range(1, 5)])
    for n, count in ((1, 1), (2, 2), (3, 3), (4, 6)):
        for i in range(count):
            await sent(store, f"400{n}", ("shipped", "out_for_delivery", "delivered")[i % 3], at(3 + i, 12))
    await sent(store, "4001", "delayed", at(4, 12))  # urgent: not a touch
    await sent(store, "4001", "shipped", at(31, month=10))  # before the period, counts as a touch
    for reason in ("touch cap reached (6 of 6)", "touch cap reached (6 of 6)", "holdout"):
        await decided(store, "4004", "delivered", "suppressed", reason, at(20))
    await decided(
        store, "4003", "shipped", "suppressed", "superseded: shipment 1Z is already delivered", at(5)
    )
    await decided(store, "4002", "review_request", "deferred", "to telegram at 2026-11-30 13:00 UTC", at(6))
    await decided(store, "4002", "shipped", "failed", "gave up after 8 attempts: 502 Bad Gateway", at(6))
    await decided(store, "4002", "staff_alert", "suppressed", "Slack is not configured", at(6))
    await decided(store, "4001", "shipped", "suppressed", "holdout", at(31, month=10))  # before the period

    proactive = (await report(store))["proactive"]
    assert (proactive["sent"], proactive["deferred"], proactive["failed"]) == (13, 1, 1)
    assert proactive["suppressed"] == {"touch cap reached": 2, "holdout": 1, "superseded": 1}
    assert proactive["suppressed_total"] == 4
    assert proactive["by_kind"]["delivered"] == {"sent": 3, "deferred": 0, "suppressed": 3, "failed": 0}
    assert proactive["by_kind"]["delayed"]["sent"] == 1
    assert {"kind": "shipped", "decision": "failed", "count": 1} in proactive["by_kind_and_decision"]
    assert "staff_alert" not in proactive["by_kind"]
    # touches: 4001 has 2 (one before the period), 4002 has 2, 4003 has 3, 4004 has 6
    assert proactive["touches_histogram"] == [
        {"touches": 2, "orders": 2},
        {"touches": 3, "orders": 1},
        {"touches": 6, "orders": 1},
    ]
    assert proactive["touches_per_order"] == {"orders": 4, "p50": 2, "p90": 6, "max": 6, "cap": 6}
