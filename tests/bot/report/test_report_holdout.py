"""The holdout group: a stable hash share of customers, the same in SQL and Python, and the comparison."""

from __future__ import annotations

import pytest

from bot.report.stats import compare, rate_difference_ci
from storage.repositories.reports import in_holdout
from storage.store import Store
from tests.bot.report.conftest import at, facts, load_orders, record, report, shipped_order, threads


@pytest.mark.parametrize("percent", [5, 20, 50])
def test_assignment_is_stable_and_near_the_configured_share(percent: int) -> None:
    ids = range(1, 20_001)
    chosen = [i for i in ids if in_holdout(i, percent)]
    assert abs(len(chosen) / len(ids) - percent / 100) < 0.01
    assert chosen == [i for i in ids if in_holdout(i, percent)]
    # a larger share keeps everyone a smaller one held out
    assert set(chosen) <= {i for i in ids if in_holdout(i, percent + 10)}


def test_no_holdout_and_everyone() -> None:
    assert not any(in_holdout(i, 0) for i in range(1, 5000))
    assert all(in_holdout(i, 100) for i in range(1, 5000))


def test_the_interval_on_known_counts() -> None:
    # 100 contacts for 1,000 shipments against 150 for 1,000: -5 per 100, SE sqrt(100 + 150) / 1000
    difference, (low, high) = rate_difference_ci((100, 1000), (150, 1000)) or (0.0, (0.0, 0.0))
    assert difference == pytest.approx(-5.0)
    assert (low, high) == (pytest.approx(-8.09897, abs=1e-4), pytest.approx(-1.90103, abs=1e-4))
    # unequal groups: 40/800 against 30/200 -> 5 - 15 = -10 per 100; SE = sqrt(40/800^2 + 30/200^2)
    difference, (low, high) = rate_difference_ci((40, 800), (30, 200)) or (0.0, (0.0, 0.0))
    assert difference == pytest.approx(-10.0)
    assert high - difference == pytest.approx(100 * 1.959964 * (40 / 800**2 + 30 / 200**2) ** 0.5, abs=1e-4)
    assert rate_difference_ci((3, 0), (1, 10)) is None


def test_the_conclusion_says_what_the_numbers_allow() -> None:
    cut = compare((100, 1000), (150, 1000), percent=50)
    assert (cut.difference, cut.ci95) == (-5.0, (-8.1, -1.9))
    assert cut.conclusion.startswith(
        "Proactive messages cut WISMO contacts: 10.0 per 100 shipments against 15.0"
    )
    unclear = compare((100, 1000), (110, 1000), percent=50)
    assert unclear.conclusion.startswith("No clear difference") and "includes zero" in unclear.conclusion
    small = compare((5, 80), (9, 20), percent=20)
    assert small.conclusion.startswith(
        "The sample is too small to conclude: 80 treated and 20 holdout shipments"
    )
    assert small.ci95 is not None
    none = compare((12, 100), (0, 0), percent=0)
    assert (none.difference, none.ci95) == (None, None)
    assert none.conclusion.startswith("No holdout group: set DOORSTEP_HOLDOUT_PERCENT")


async def test_the_report_compares_treated_and_holdout_customers(store: Store) -> None:
    lines = [shipped_order(str(5000 + n), "2026-11-02T09:00:00Z") for n in range(60)]
    customers = await load_orders(store, lines)
    held = {number for number, customer in customers.items() if in_holdout(customer, 50)}
    assert 10 < len(held) < 50
    t = await threads(store, 60)
    asking = sorted(customers)[:30]
    await record(
        store,
        *(
            facts(t[i], at(5), "answer", intent="order_status", order=number)
            for i, number in enumerate(asking)
        ),
    )
    holdout = (await report(store, holdout=50))["holdout"]
    assert holdout["percent"] == 50
    assert holdout["holdout"]["shipments"] == len(held)
    assert holdout["treated"]["shipments"] == 60 - len(held)
    assert holdout["holdout"]["contacts"] == len(held & set(asking))
    assert holdout["treated"]["contacts"] == 30 - len(held & set(asking))
    assert holdout["method"].startswith("Wald")
    assert holdout["conclusion"].startswith("The sample is too small to conclude")
    assert holdout["ci95"] is not None and holdout["ci95"][0] < holdout["difference"] < holdout["ci95"][1]
