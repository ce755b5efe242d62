"""doorstep events replay: JSON Lines through the same ingestion as the API, with line numbers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.clock import FakeClock
from bot.integrations.events import ReplayLine, replay_events
from storage.store import Store
from tests.bot.conftest import test_settings
from tests.builders import order_line

CLOCK = FakeClock(datetime(2026, 11, 22, 10, 0, tzinfo=UTC))


def _line(event_id: str, type: str = "shipment.updated", **fields: Any) -> str:
    return json.dumps(
        {"event_id": event_id, "source": "api", "occurred_at": "2026-11-22T10:00:00Z", "type": type, **fields}
    )


LINES = [
    _line(
        "o-1", "order.created", order_number="1001", data={"order": order_line("1001", shipment_status=None)}
    ),
    _line("s-1", "shipment.created", order_number="1001", tracking_number="1ZA", data={"carrier": "UPS"}),
    "",
    _line("s-1", "shipment.created", order_number="1001", tracking_number="1ZA", data={"carrier": "UPS"}),
    _line("u-9", tracking_number="1ZUNKNOWN", status="in_transit"),
    "{not json",
    _line("b-1", "item.backordered", order_number="1001"),
    _line("u-1", tracking_number="1ZA", status="delivered", occurred_at="2026-11-23T10:00:00Z"),
]


async def test_replay_counts_every_line_and_names_the_ones_not_applied(sqlite_url: str) -> None:
    async with Store(sqlite_url) as store:
        report = await replay_events(store, LINES, CLOCK, test_settings(sqlite_url), batch_size=2)
        async with store.transaction() as repos:
            details = await repos.orders.details_by_number(order_number="1001")
    assert (report.applied, report.duplicate, report.held, report.ignored, report.rejected) == (3, 1, 1, 0, 2)
    assert report.lines == [
        ReplayLine(4, "duplicate", "already received"),
        ReplayLine(5, "held", "held: tracking number not known yet"),
        ReplayLine(
            6,
            "rejected",
            "malformed JSON at line 1 column 2: Expecting property name enclosed in double quotes",
        ),
        ReplayLine(7, "rejected", "item.backordered: data.until (the new date) is required"),
    ]
    assert report.summary() == "3 applied, 1 duplicate, 1 held, 0 ignored, 2 rejected"
    assert details is not None and details.shipments[0].status == "delivered"


async def test_replaying_the_same_file_twice_applies_nothing_twice(sqlite_url: str) -> None:
    good = [LINES[0], LINES[1], LINES[7]]
    async with Store(sqlite_url) as store:
        first = await replay_events(store, good, CLOCK, test_settings(sqlite_url))
        second = await replay_events(store, good, CLOCK, test_settings(sqlite_url))
    assert (first.applied, first.duplicate) == (3, 0)
    assert (second.applied, second.duplicate) == (0, 3)


def test_the_cli_prints_line_numbers_and_exits_1_on_rejected_lines(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DOORSTEP_DATABASE_URL", sqlite_url)
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(LINES) + "\n")
    assert main(["events", "replay", str(path)]) == 1
    out, err = capsys.readouterr()
    assert (
        f"{path}:4: duplicate: already received\n{path}:5: held: held: tracking number not known yet" in out
    )
    assert out.strip().endswith("3 applied, 1 duplicate, 1 held, 0 ignored, 2 rejected")
    assert f"{path}:7: rejected: item.backordered: data.until (the new date) is required" in err
    path.write_text(LINES[0] + "\n")
    assert main(["events", "replay", str(path)]) == 0
    assert capsys.readouterr().out == (
        f"{path}:1: duplicate: already received\n0 applied, 1 duplicate, 0 held, 0 ignored, 0 rejected\n"
    )
    assert main(["events", "replay", str(tmp_path / "missing.jsonl")]) == 2
