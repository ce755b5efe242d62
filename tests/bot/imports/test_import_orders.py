"""Order import: good lines load, bad lines are reported by number (function and CLI)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from bot.imports.orders import import_orders
from storage.models import Order
from storage.store import Store
from tests.builders import order_line

GOOD_AND_BAD = [
    json.dumps(order_line("1001")),
    '{"order_number": "1002", "placed_at": "not a date"',  # truncated JSON
    json.dumps(order_line("1003", email="bo@example.com")),
    json.dumps({**order_line("1004"), "customer": {"email": "no-at-sign", "name": "X"}}),
    json.dumps(order_line("1005", email="cy@example.com")),
]


async def test_three_good_lines_load_and_both_bad_lines_are_reported(store: Store) -> None:
    report = await import_orders(store, GOOD_AND_BAD)
    assert (report.created, report.updated, report.rejected) == (3, 0, 2)
    assert [e.line for e in report.errors] == [2, 4]
    assert report.errors[0].reason == "not valid JSON"
    assert report.errors[1].reason.startswith("customer.email:")
    async with store.engine.connect() as conn:
        numbers = (
            (await conn.execute(select(Order.order_number).order_by(Order.order_number))).scalars().all()
        )
    assert numbers == ["1001", "1003", "1005"]


async def test_reimport_updates_instead_of_duplicating(store: Store) -> None:
    await import_orders(store, GOOD_AND_BAD)
    report = await import_orders(store, GOOD_AND_BAD)
    assert (report.created, report.updated) == (0, 3)
    async with store.engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(Order))).scalar_one() == 3


async def test_hash_prefixed_and_numeric_order_numbers_are_normalized(sqlite_store: Store) -> None:
    lines = [
        json.dumps({**order_line("2001"), "order_number": "#2001"}),
        json.dumps({**order_line("2002"), "order_number": 2002}),
    ]
    report = await import_orders(sqlite_store, lines)
    assert report.created == 2
    async with sqlite_store.transaction() as repos:
        assert await repos.orders.by_number(order_number="2001") is not None
        assert await repos.orders.by_number(order_number="2002") is not None


def test_cli_reports_bad_line_numbers_and_loads_the_rest(tmp_path: Path) -> None:
    data = tmp_path / "orders.jsonl"
    data.write_text("\n".join(GOOD_AND_BAD) + "\n")
    env = {**os.environ, "DOORSTEP_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "import", "orders", str(data)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 1
    assert "3 created, 0 updated, 2 rejected" in done.stdout
    assert f"{data}:2: not valid JSON" in done.stderr
    assert f"{data}:4: customer.email:" in done.stderr
    assert "no-at-sign" not in done.stderr  # the bad value (personal data) is not echoed
