"""The dispatcher against FakeTelegram: retries, fallback, failures, pacing, crashes, two processes."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from telegram import Bot

from bot.channels.senders import SenderRegistry, SendLimits
from bot.channels.telegram.sender import TelegramSender
from bot.channels.webchat.hub import WebChatHub, WebChatSender
from bot.channels.webchat.mailbox import Mailbox
from bot.clock import FakeClock
from bot.notify.dispatcher import Dispatcher
from storage.repositories.outbox import NewOutboxRow
from storage.store import Store
from tests.bot.notify.conftest import CHAT, T0, Shop, build_shop, notify_settings, order_created
from tests.fakes.fixtures import FAKE_TELEGRAM_TOKEN
from tests.fakes.telegram import FakeTelegram

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

REPO = Path(__file__).resolve().parents[3]
WORKER = Path(__file__).resolve().parent / "dispatch_worker.py"
VISITOR = "web:visitor-0123456789abcdef"


async def _plain_rows(store: Store, count: int, chats: int) -> None:
    """``count`` staff-style messages (no customer policy) to ``chats`` Telegram chats."""
    async with store.transaction() as repos:
        await repos.outbox.enqueue_many(
            [
                NewOutboxRow(
                    dedupe_key=f"msg-{n}",
                    kind="shipped",
                    channel="telegram",
                    recipient=str(9000 + n % chats),
                    payload={"text": f"message {n}", "buttons": [], "links": []},
                    scheduled_at=T0,
                    created_at=T0,
                )
                for n in range(count)
            ]
        )


async def test_429_then_success(shop: Shop, fake_telegram: FakeTelegram) -> None:
    await shop.customer()
    await shop.ingest(order_created("e1", T0))
    fake_telegram.fail_next("sendMessage", 429, retry_after=1)
    first = await shop.dispatch()

    [message] = await shop.messages()
    assert (first.sent, first.retried) == (0, 1)
    assert message.status == "pending"
    assert T0 + timedelta(seconds=1) <= message.scheduled_at <= T0 + timedelta(seconds=1.1)
    assert "retry" in (message.last_error or "").lower()
    shop.advance(seconds=0.9)
    assert (await shop.dispatch()).sent == 0
    shop.advance(seconds=0.3)
    assert (await shop.dispatch()).sent == 1

    assert [c.status for c in fake_telegram.calls_to("sendMessage")] == [429, 200]
    assert len(fake_telegram.sent_messages(CHAT)) == 1
    [retrying] = [d for d in await shop.decisions() if d.decision == "retrying"]
    assert retrying.reason.startswith("telegram flood control")


async def test_blocked_chat_falls_back_to_the_next_channel(
    sqlite_store: Store, telegram_bot: Bot, fake_telegram: FakeTelegram
) -> None:
    clock = FakeClock(T0)
    shop = build_shop(sqlite_store, notify_settings(sqlite_store.url), clock, telegram_bot)
    hub = WebChatHub(Mailbox(sqlite_store, clock))
    shop.senders.register(WebChatSender(hub))
    _customer_id, [telegram_id, _web_id] = await shop.customer(chats=[("telegram", CHAT), ("web", VISITOR)])
    fake_telegram.block_chat(CHAT)
    await shop.ingest(order_created("e1", T0))
    report = await shop.dispatch()

    assert (report.sent, report.rerouted) == (1, 1)
    [message] = await shop.messages()
    assert (message.status, message.channel, message.recipient) == ("sent", "web", VISITOR)
    [stored] = await hub.mailbox.after(VISITOR.removeprefix("web:"), 0, limit=10)
    assert message.provider_message_id == f"web-{stored.id}"
    assert stored.frame["reply"]["text"] == message.payload["text"]  # type: ignore[index]
    async with shop.store.transaction() as repos:
        telegram = await repos.identities.by_id(identity_id=telegram_id)
    assert telegram is not None and telegram.unreachable
    assert telegram.unreachable_reason == "telegram: Forbidden: bot was blocked by the user"
    assert [(d.decision, d.reason) for d in await shop.decisions()][-1] == (
        "rerouted",
        "to web: telegram unreachable (telegram: Forbidden: bot was blocked by the user)",
    )
    assert [c.status for c in fake_telegram.calls_to("sendMessage")] == [403]

    # the next message goes straight to the web chat
    shop.advance(hours=1)
    await shop.ingest(order_created("e2", shop.clock.now(), number="1002"))
    await shop.dispatch()
    [second] = await shop.messages("1002")
    assert (second.channel, second.status) == ("web", "sent")
    assert len(fake_telegram.calls_to("sendMessage")) == 1


async def test_blocked_chat_without_another_channel_fails_with_the_reason(
    shop: Shop, fake_telegram: FakeTelegram
) -> None:
    await shop.customer()
    fake_telegram.block_chat(CHAT)
    await shop.ingest(order_created("e1", T0))
    report = await shop.dispatch()

    [message] = await shop.messages()
    assert (report.failed, message.status) == (1, "failed")
    assert message.last_error == (
        "unreachable: telegram: Forbidden: bot was blocked by the user; "
        "no other channel to fall back to (no verified chat identity)"
    )


async def test_bad_request_fails_at_once_and_5xx_is_retried_with_backoff(
    sqlite_store: Store, telegram_bot: Bot, fake_telegram: FakeTelegram
) -> None:
    settings = notify_settings(sqlite_store.url, dispatcher_max_attempts=2)
    shop = build_shop(sqlite_store, settings, FakeClock(T0), telegram_bot)
    await _plain_rows(sqlite_store, 2, chats=2)
    fake_telegram.fail_next("sendMessage", 400, description="Bad Request: message text is empty")
    fake_telegram.fail_next("sendMessage", 502)
    first = await shop.dispatch()
    async with sqlite_store.transaction() as repos:
        failed = await repos.outbox.get(message_id=1)
        retried = await repos.outbox.get(message_id=2)
    assert (first.failed, first.retried) == (1, 1)
    assert failed is not None and retried is not None
    assert (failed.status, failed.last_error) == (
        "failed",
        "telegram rejected the message: Message text is empty",
    )
    # attempt 1 waits between half and all of 5 seconds
    assert retried.status == "pending"
    assert T0 + timedelta(seconds=2.5) <= retried.scheduled_at <= T0 + timedelta(seconds=5)

    fake_telegram.fail_next("sendMessage", 504)
    shop.clock.set(retried.scheduled_at)
    second = await shop.dispatch()
    async with sqlite_store.transaction() as repos:
        gave_up = await repos.outbox.get(message_id=2)
    assert second.failed == 1
    assert gave_up is not None and gave_up.status == "failed"
    assert (gave_up.last_error or "").startswith("gave up after 2 attempts: telegram unavailable")
    assert fake_telegram.sent_messages() == []


async def test_a_channel_without_sender_is_retried_not_lost(sqlite_store: Store) -> None:
    shop = build_shop(sqlite_store, notify_settings(sqlite_store.url), FakeClock(T0), bot=None)
    await _plain_rows(sqlite_store, 1, chats=1)
    report = await shop.dispatch()
    async with sqlite_store.transaction() as repos:
        row = await repos.outbox.get(message_id=1)
    assert report.retried == 1
    assert row is not None and row.status == "pending"
    assert row.last_error == "no sender for channel telegram (is it configured?)"


async def test_sends_are_paced_per_chat_and_overall_without_429(sqlite_store: Store) -> None:
    async with FakeTelegram(token=FAKE_TELEGRAM_TOKEN, rate_limit_global=20, rate_limit_per_chat=2) as fake:
        bot = Bot(FAKE_TELEGRAM_TOKEN, base_url=fake.api_base_url, base_file_url=fake.file_base_url)
        async with bot:
            senders = SenderRegistry()
            senders.register(
                TelegramSender(bot), limits=SendLimits(per_second=20, per_recipient_per_second=2)
            )
            dispatcher = Dispatcher(sqlite_store, FakeClock(T0), notify_settings(sqlite_store.url), senders)
            await _plain_rows(sqlite_store, 12, chats=3)
            report = await dispatcher.drain()

        assert (report.sent, fake.throttled_count) == (12, 0)
        for chat in ("9000", "9001", "9002"):
            times = [c.at for c in fake.calls_to("sendMessage") if str(c.params["chat_id"]) == chat]
            assert len(times) == 4
            assert min(b - a for a, b in itertools.pairwise(times)) >= 0.45
        # messages to one chat keep their order
        assert [p["text"] for p in fake.sent_messages(9000)] == [f"message {n}" for n in (0, 3, 6, 9)]


def _spawn(db: str, api: str, worker: str, *extra: str) -> asyncio.subprocess.Process:
    return asyncio.create_subprocess_exec(  # type: ignore[return-value]
        sys.executable,
        str(WORKER),
        "--db",
        db,
        "--api",
        api,
        "--now",
        T0.isoformat(),
        "--worker",
        worker,
        *extra,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


async def _ready(process: asyncio.subprocess.Process) -> None:
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
    assert line.strip() == b"READY", line


async def test_process_killed_mid_send_is_recorded_sent_unconfirmed_and_never_sent_twice(
    sqlite_store: Store, fake_telegram: FakeTelegram, telegram_bot: Bot
) -> None:
    await _plain_rows(sqlite_store, 3, chats=3)
    fake_telegram.fail_next("sendMessage", timeout=True, count=3)  # the sends hang: the process is mid-send
    child = await _spawn(sqlite_store.url, fake_telegram.base_url, "doomed")
    await _ready(child)
    assert child.stdin is not None
    child.stdin.write(b"go\n")
    await child.stdin.drain()
    deadline = time.monotonic() + 20
    while len(fake_telegram.calls_to("sendMessage")) < 3:
        assert time.monotonic() < deadline, "the child never tried to send"
        await asyncio.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    await child.wait()

    async with sqlite_store.transaction() as repos:
        assert [r.claimed_by for r in await repos.outbox.by_status(status="sending")] == ["doomed"] * 3
    clock = FakeClock(T0 + timedelta(seconds=30))
    shop = build_shop(sqlite_store, notify_settings(sqlite_store.url), clock, telegram_bot)
    assert (await shop.dispatch()).claimed == 0  # still leased to the dead process
    clock.advance(timedelta(seconds=31))
    report = await shop.dispatch()

    # Telegram may have delivered them before the kill: recorded as sent, with the doubt, not sent again
    assert (report.sent, report.unconfirmed, report.claimed) == (0, 3, 0)
    assert len(fake_telegram.calls_to("sendMessage")) == 3
    async with sqlite_store.transaction() as repos:
        sent = await repos.outbox.by_status(status="sent")
    assert [(r.last_error, r.sent_at) for r in sent] == [
        ("delivery unconfirmed: the process stopped during the send", T0)
    ] * 3
    assert (await shop.dispatch()).claimed == 0


@pytest.mark.postgres
async def test_two_dispatcher_processes_on_postgresql_send_each_message_once(
    pg_admin_url: str, pg_template: str, fake_telegram: FakeTelegram
) -> None:
    from tests.conftest import new_pg_database

    url = await new_pg_database(pg_admin_url, pg_template)
    count = 400
    async with Store(url) as store:
        await _plain_rows(store, count, chats=100)
        children = [
            await _spawn(url, fake_telegram.base_url, f"worker-{n}", "--rate", "200", "--batch", "20")
            for n in (1, 2)
        ]
        for child in children:
            await _ready(child)
        for child in children:
            assert child.stdin is not None
            child.stdin.write(b"go\n")
            await child.stdin.drain()
        outputs = [await asyncio.wait_for(child.communicate(), timeout=60) for child in children]
        reports = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
        async with store.transaction() as repos:
            sent = await repos.outbox.by_status(status="sent")

    texts = Counter(p["text"] for p in fake_telegram.sent_messages())
    assert len(texts) == count and set(texts.values()) == {1}
    assert len(sent) == count
    by_worker = Counter(r.claimed_by for r in sent)
    assert set(by_worker) == {"worker-1", "worker-2"}, by_worker
    assert sum(r["sent"] for r in reports) == count


async def test_carrier_exception_alerts_staff_in_slack_once(
    sqlite_store: Store, telegram_bot: Bot, fake_telegram: FakeTelegram, fake_slack, slack_client
) -> None:
    from bot.channels.slack.alerts import SlackAlerts
    from bot.channels.slack.web_api import SlackWebApi
    from bot.notify.staff import SlackStaffAlerts
    from tests.bot.notify.conftest import scan, shipped

    settings = notify_settings(
        sqlite_store.url, slack_bot_token="xoxb-test-token", slack_signing_secret="s3cret"
    )
    clock = FakeClock(T0)
    shop = build_shop(sqlite_store, settings, clock, telegram_bot)
    alerts = SlackAlerts(SlackWebApi(slack_client, clock), sqlite_store, "C0SUPPORT")
    shop.dispatcher.staff_alerts = SlackStaffAlerts(alerts)
    await shop.customer()
    await shop.ingest(order_created("e1", T0), shipped("e2", T0))
    shop.advance(hours=3)
    for n in (3, 4):  # the carrier says it twice
        await shop.ingest(scan(f"e{n}", shop.clock.now(), "exception"))
    report = await shop.dispatch()

    kinds = sorted((m.kind, m.channel, m.status) for m in await shop.messages())
    assert ("staff_alert", "slack", "sent") in kinds and ("exception", "telegram", "sent") in kinds
    assert report.failed == 0
    [post] = fake_slack.posted_messages("C0SUPPORT")
    assert "1001" in post["text"] and "exception" in post["text"]
