"""The demo shop's 30 days of history: the report and the console have something real to show."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from bot.demo.history import DEMO_HOLDOUT_PERCENT
from bot.demo.shop import seed_demo_shop
from bot.report.period import parse_period
from bot.report.summary import ReportOptions, build_report
from storage.migrate import upgrade
from storage.models import Handoff, TranscriptMessage
from storage.store import Store

TODAY = date(2026, 11, 23)


async def test_the_history_shows_every_outcome_the_holdout_and_open_handoffs(sqlite_store: Store) -> None:
    store = sqlite_store
    assert await seed_demo_shop(store, today=TODAY) is not None
    period = parse_period(None, None, today=TODAY)
    found = await build_report(store, period, ReportOptions(holdout_percent=DEMO_HOLDOUT_PERCENT))

    outcomes = found["conversations"]["by_outcome"]
    assert min(outcomes.values()) >= 10, outcomes
    assert found["conversations"]["total"] > 400
    assert sum(1 for day in found["daily"] if day["contained"] + day["unresolved"] > 0) >= 29
    assert found["wismo"]["shipments"] > 500 and found["wismo"]["contacts"] > 40
    proactive = found["proactive"]
    assert proactive["sent"] > 1000 and proactive["deferred"] > 0
    assert (
        proactive["suppressed"]["holdout"] > 100 and proactive["suppressed"]["no verified chat identity"] > 0
    )
    assert len(proactive["touches_histogram"]) >= 3
    holdout = found["holdout"]
    assert holdout["holdout"]["per_100_shipments"] > holdout["treated"]["per_100_shipments"]
    assert holdout["conclusion"].startswith("Proactive messages cut WISMO contacts")

    async with store.transaction() as repos:
        open_ones = await repos.handoffs.list_open()
        assert len(open_ones) == 4
        for handoff in open_ones:
            assert handoff.order_id is not None and handoff.summary
            conversation = await repos.conversations.by_id(conversation_id=handoff.conversation_id)
            assert conversation is not None
            assert (conversation.state, conversation.slots["handoff_id"]) == ("handoff", handoff.id)
            lines = await repos.transcript.recent(conversation_id=handoff.conversation_id)
            assert [line.direction for line in lines][-1] == "in"
            assert lines[-1].text == handoff.summary
    async with store.engine.connect() as conn:
        resolved = (await conn.execute(select(Handoff).where(Handoff.status == "resolved"))).all()
        assert len(resolved) > 10
        assert (await conn.execute(select(TranscriptMessage.id).limit(1))).first() is not None


def _report_in(directory: Path) -> subprocess.CompletedProcess[str]:
    """``doorstep report --format json`` run in ``directory`` with no DOORSTEP_ setting."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DOORSTEP_")}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "report", "--format", "json"],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_doorstep_report_reads_the_demo_shop_with_its_holdout(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'doorstep-demo.db'}"
    await upgrade(url)
    async with Store(url) as store:
        await seed_demo_shop(store)
    done = _report_in(tmp_path)
    assert done.returncode == 0, done.stderr
    assert "using the demo shop's database" in done.stderr
    found = json.loads(done.stdout)
    assert found["holdout"]["percent"] == DEMO_HOLDOUT_PERCENT
    assert found["period"]["until"] == datetime.now(UTC).date().isoformat()
    assert found["conversations"]["total"] > 400
