"""``doorstep report``: the three formats and bad dates, run as an operator would."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

from storage.store import Store
from tests.bot.report.conftest import at, facts, load_orders, record, report, shipped_order, threads


def _doorstep(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DOORSTEP_DATABASE_URL": url, "DOORSTEP_HOLDOUT_PERCENT": "30"}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "report", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


async def _seed(store: Store) -> None:
    await load_orders(store, [shipped_order(str(7000 + n), "2026-11-02T09:00:00Z") for n in range(4)])
    t = await threads(store, 3)
    await record(
        store,
        facts(t[0], at(2), "answer", intent="order_status", order="7000"),
        facts(t[1], at(3), "fallback"),
        facts(t[2], at(3), "smalltalk"),
    )


async def test_json_csv_and_text_tell_the_same_numbers(sqlite_store: Store) -> None:
    await _seed(sqlite_store)
    expected = await report(sqlite_store, holdout=30)
    url = sqlite_store.url
    as_json = _doorstep(url, "--since", "2026-11-01", "--until", "2026-11-30", "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    found = json.loads(as_json.stdout)
    assert found.pop("generated_at") and expected.pop("generated_at")
    assert found == expected

    as_csv = _doorstep(url, "--since", "2026-11-01", "--until", "2026-11-30", "--format", "csv")
    rows = dict(csv.reader(io.StringIO(as_csv.stdout)))
    assert rows["key"] == "value"
    assert rows["conversations.total"] == "3"
    assert rows["conversations.by_outcome.contained"] == "1"
    assert rows["wismo.per_100_shipments"] == "25.0"
    assert rows["daily.2026-11-03.unresolved"] == "1"
    assert rows["holdout.percent"] == "30"
    assert rows["holdout.ci95.low"] == str(expected["holdout"]["ci95"][0])
    assert rows["holdout.difference"] == str(expected["holdout"]["difference"])
    assert rows["proactive.touches_per_order.p50"] == ""  # null

    as_text = _doorstep(url, "--since", "2026-11-01", "--until", "2026-11-30")
    assert as_text.returncode == 0
    assert "doorstep report: 2026-11-01 to 2026-11-30 (30 days, UTC)" in as_text.stdout
    assert "Conversations: 3" in as_text.stdout
    assert "WISMO: 1 contacts for 4 shipments = 25.00 per 100 shipments" in as_text.stdout
    assert "  The sample is too small to conclude: " in as_text.stdout


async def test_bad_dates_get_one_line_and_exit_2(sqlite_url: str) -> None:
    for args, reason in (
        (("--since", "2026-13-01"), "doorstep: since must be a date like 2026-11-30, got '2026-13-01'"),
        (("--until", "yesterday"), "doorstep: until must be a date like 2026-11-30, got 'yesterday'"),
        (
            ("--since", "2026-11-30", "--until", "2026-11-01"),
            "doorstep: since (2026-11-30) is after until (2026-11-01)",
        ),
        (("--since", "2024-01-01", "--until", "2026-01-01"), "doorstep: the period is 732 days; at most 366"),
    ):
        done = _doorstep(sqlite_url, *args)
        assert done.returncode == 2
        assert done.stderr.startswith(reason) and done.stderr.count("\n") == 1
        assert done.stdout == ""
