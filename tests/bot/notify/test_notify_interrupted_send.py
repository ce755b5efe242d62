"""A process killed during a send: the message is recorded as sent, with the doubt stated, and
never sent twice (kill -9 of a real dispatcher process against FakeTelegram)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from telegram import Bot

from bot.clock import FakeClock
from bot.notify.dispatcher import INTERRUPTED_NOTE
from bot.notify.timeline import order_timeline
from storage.store import Store
from tests.bot.notify.conftest import CHAT, T0, build_shop, notify_settings, order_created, scan, shipped
from tests.fakes.telegram import FakeTelegram

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

REPO = Path(__file__).resolve().parents[3]
WORKER = Path(__file__).resolve().parent / "dispatch_worker.py"


async def _killed_after_telegram_accepted(url: str, api: str) -> None:
    """Run a dispatcher process that hangs after each accepted send, and kill -9 it there."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        str(WORKER),
        "--db",
        url,
        "--api",
        api,
        "--now",
        (T0 + timedelta(hours=1)).isoformat(),
        "--worker",
        "doomed",
        "--hang-after-send",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        assert (await asyncio.wait_for(child.stdout.readline(), timeout=30)).strip() == b"READY"
        child.stdin.write(b"go\n")
        await child.stdin.drain()
        assert (await asyncio.wait_for(child.stdout.readline(), timeout=30)).strip() == b"SENT"
    finally:
        child.send_signal(signal.SIGKILL)
        await child.wait()


async def test_a_message_telegram_accepted_before_the_kill_is_recorded_sent_not_cancelled(
    sqlite_store: Store, telegram_bot: Bot, fake_telegram: FakeTelegram
) -> None:
    clock = FakeClock(T0)
    shop = build_shop(sqlite_store, notify_settings(sqlite_store.url), clock, telegram_bot)
    await shop.customer()
    await shop.ingest(order_created("e1", T0))
    await shop.dispatch()
    clock.set(T0 + timedelta(hours=1))
    await shop.ingest(shipped("e2", clock.now()))

    await _killed_after_telegram_accepted(sqlite_store.url, fake_telegram.base_url)
    [shipped_row] = [m for m in await shop.messages() if m.kind == "shipped"]
    assert (shipped_row.status, shipped_row.claimed_by) == ("sending", "doomed")
    # the parcel moves on while the dead process still holds the "shipped" message
    clock.set(T0 + timedelta(hours=2))
    await shop.ingest(scan("e3", clock.now(), "delivered"))
    clock.advance(timedelta(seconds=61))  # the dead process's lease runs out
    report = await shop.dispatch()
    again = await shop.dispatch()

    rows = {m.kind: m for m in await shop.messages()}
    shipped_row = rows["shipped"]
    assert (shipped_row.status, shipped_row.last_error) == ("sent", INTERRUPTED_NOTE)
    assert shipped_row.last_error == "delivery unconfirmed: the process stopped during the send"
    assert shipped_row.sent_at == T0 + timedelta(hours=1)  # when the send began
    assert rows["delivered"].status == "sent"
    assert (report.sent, report.unconfirmed, again.claimed) == (1, 1, 0)
    texts = [p["text"].split("\n")[0] for p in fake_telegram.sent_messages(CHAT)]
    assert sum("shipped with UPS" in t for t in texts) == 1, texts  # the shipped message, once
    assert len(texts) == 3  # confirmation, shipped, delivered
    assert not [d for d in await shop.decisions() if d.kind == "shipped" and d.decision == "cancelled"]

    async with sqlite_store.transaction() as repos:
        timeline = await order_timeline(repos, "1001")
    assert (
        "sent shipped via telegram to 5001 (delivery unconfirmed: the process stopped during the send)"
        in [e.summary for e in timeline.entries if e.type == "message"]
    )
