"""A dispatcher process killed while its claimed rows still wait for their send slots: nothing lost.

The child claims six messages to six chats but may send only two a second; it is killed right
after its first send. The rows it claimed and never began to send are taken again once its lease
has run out and sent once; only a row whose send had begun may be recorded "delivery unconfirmed".
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from telegram import Bot

from bot.clock import FakeClock
from storage.repositories.outbox import NewOutboxRow
from storage.store import Store
from tests.bot.notify.conftest import T0, build_shop, notify_settings
from tests.fakes.telegram import FakeTelegram

REPO = Path(__file__).resolve().parents[3]
WORKER = Path(__file__).resolve().parent / "dispatch_worker.py"
NOTE = "delivery unconfirmed: the process stopped during the send"


async def test_rows_claimed_but_not_begun_are_sent_by_another_dispatcher(
    sqlite_store: Store, fake_telegram: FakeTelegram, telegram_bot: Bot
) -> None:
    async with sqlite_store.transaction() as repos:
        await repos.outbox.enqueue_many(
            [
                NewOutboxRow(
                    dedupe_key=f"msg-{n}",
                    kind="shipped",
                    channel="telegram",
                    recipient=str(9100 + n),
                    payload={"text": f"message {n}", "buttons": [], "links": []},
                    scheduled_at=T0,
                    created_at=T0,
                )
                for n in range(6)
            ]
        )
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        str(WORKER),
        *("--db", sqlite_store.url, "--api", fake_telegram.base_url, "--now", T0.isoformat()),
        *("--worker", "doomed", "--rate", "2", "--batch", "10"),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert child.stdin is not None and child.stdout is not None
    assert (await asyncio.wait_for(child.stdout.readline(), timeout=30)).strip() == b"READY"
    child.stdin.write(b"go\n")
    await child.stdin.drain()
    deadline = time.monotonic() + 20
    while not fake_telegram.calls_to("sendMessage"):
        assert time.monotonic() < deadline, "the child never sent"
        await asyncio.sleep(0.01)
    child.send_signal(signal.SIGKILL)  # its next slot is half a second away
    await child.wait()

    async with sqlite_store.transaction() as repos:
        assert len(await repos.outbox.by_status(status="sending")) >= 5  # claimed by the dead process
    clock = FakeClock(T0 + timedelta(seconds=61))  # past its lease
    shop = build_shop(sqlite_store, notify_settings(sqlite_store.url), clock, telegram_bot)
    report = await shop.dispatch()

    delivered = Counter(c.params["text"] for c in fake_telegram.calls_to("sendMessage") if c.status == 200)
    assert delivered == Counter({f"message {n}": 1 for n in range(6)})  # each once, none lost
    assert report.sent == 5 and report.unconfirmed <= 1
    async with sqlite_store.transaction() as repos:
        sent = await repos.outbox.by_status(status="sent")
    assert len(sent) == 6
    assert sum(1 for row in sent if row.last_error == NOTE) == report.unconfirmed
