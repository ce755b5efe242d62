"""The outcome classes on hand-built conversations (docs/REPORT.md, "Definitions"), on both databases."""

from __future__ import annotations

from storage.store import Store
from tests.bot.report.conftest import at, facts, load_orders, record, report, shipped_order, threads


async def test_each_class_and_the_return_windows(store: Store) -> None:
    customers = await load_orders(store, [shipped_order("1002", "2026-11-09T09:00:00Z")])
    buyer = customers["1002"]
    a, b, c, d, e, f, g1, g2, h, k, old = await threads(store, 11)
    await record(
        store,
        # contained: order status answered, nobody came back
        facts(a, at(2), "smalltalk"),
        facts(a, at(2, 10, 1), "answer", intent="order_status", order="1001"),
        # escalated: a handoff was opened
        facts(b, at(2), "answer", intent="delivery_problem"),
        facts(b, at(2, 10, 5), "fallback", handoff=True),
        # unresolved: fallback answers only
        facts(c, at(2), "fallback"),
        facts(c, at(2, 10, 2), "fallback"),
        # unresolved: answered, then left mid-flow
        facts(d, at(2), "answer", intent="return_policy"),
        facts(d, at(2, 10, 3), "wait", intent="return_request"),
        # informational: small talk only
        facts(e, at(2), "smalltalk"),
        # came back about the same question 47 hours later: the first day is unresolved
        facts(f, at(3, 10), "answer", intent="setup_help"),
        facts(f, at(5, 9), "answer", intent="setup_help"),
        # the same customer on another thread 74 hours later about the same order: contained, not durably
        facts(g1, at(10, 10), "answer", intent="order_status", order="1002", customer_id=buyer),
        facts(g2, at(13, 12), "answer", intent="refund_status", order="1002", customer_id=buyer),
        # the next day about another order: no return
        facts(h, at(20), "answer", intent="order_status", order="1003"),
        facts(h, at(21), "answer", intent="order_status", order="1004"),
        # back after 8 days: durable
        facts(k, at(1), "answer", intent="return_policy"),
        facts(k, at(9, 12), "answer", intent="return_policy"),
        # before the period: not counted
        facts(old, at(31, month=10), "answer", intent="order_status"),
    )
    found = await report(store)
    conversations = found["conversations"]
    assert conversations["by_outcome"] == {
        "contained": 8,
        "escalated": 1,
        "unresolved": 3,
        "informational": 1,
    }
    assert conversations["total"] == 13 == sum(conversations["by_outcome"].values())
    assert conversations["durable_contained"] == 7
    assert found["automated_resolution_rate"] == round(8 / 12, 4)
    assert found["handoff_rate"] == round(1 / 12, 4)
    assert found["durable_containment_rate"] == round(7 / 12, 4)
    assert conversations["by_intent"] == {
        "order_status": 4,
        "return_policy": 3,
        "setup_help": 2,
        "none": 2,
        "delivery_problem": 1,
        "refund_status": 1,
    }
    days = {row["date"]: row for row in found["daily"]}
    assert len(found["daily"]) == 30 and found["daily"][0]["date"] == "2026-11-01"
    assert {k: days["2026-11-02"][k] for k in ("contained", "escalated", "unresolved", "informational")} == {
        "contained": 1,
        "escalated": 1,
        "unresolved": 2,
        "informational": 1,
    }
    assert days["2026-11-03"]["unresolved"] == 1 and days["2026-11-05"]["contained"] == 1


async def test_the_72_hour_window_runs_from_the_last_message(store: Store) -> None:
    (t,) = await threads(store, 1)
    await record(
        store,
        facts(t, at(2, 8), "answer", intent="setup_help"),
        facts(t, at(2, 23), "smalltalk"),
        # 72 h after the day's last message (23:00), not after its first (08:00)
        facts(t, at(5, 22), "answer", intent="setup_help"),
    )
    found = await report(store)
    assert found["conversations"]["by_outcome"]["unresolved"] == 1
    assert found["conversations"]["by_outcome"]["contained"] == 1


async def test_a_day_that_was_escalated_stays_escalated_after_a_return(store: Store) -> None:
    (t,) = await threads(store, 1)
    await record(
        store,
        facts(t, at(2), "answer", intent="order_status", handoff=True),
        facts(t, at(3), "answer", intent="order_status"),
    )
    found = await report(store)
    assert found["conversations"]["by_outcome"] == {
        "contained": 1,
        "escalated": 1,
        "unresolved": 0,
        "informational": 0,
    }


async def test_an_empty_period_has_no_rates(store: Store) -> None:
    found = await report(store)
    assert found["conversations"]["total"] == 0
    assert found["automated_resolution_rate"] is None and found["handoff_rate"] is None
    assert found["wismo"]["per_100_shipments"] is None
    assert found["proactive"]["touches_per_order"] == {
        "orders": 0,
        "p50": None,
        "p90": None,
        "max": None,
        "cap": 6,
    }
    assert [row["contained"] for row in found["daily"]] == [0] * 30
