"""Handoffs reach Slack through the durable outbox: a restart posts what was never posted, exactly once;
posts are paced per channel; a shopper's message waits for its handoff's post; the post is listed in the
order's timeline and counted in /metrics."""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import UTC, datetime
from typing import Any

from aiohttp.test_utils import TestClient

from bot.app_keys import STORE
from bot.engine.feature import ENGINE, conversation_feature
from bot.notify.feature import NOTIFY
from bot.notify.staff import STAFF_HANDOFF_KIND, STAFF_HANDOFF_MESSAGE_KIND
from handlers.messages import IncomingMessage
from storage.domain import NormalizedEvent
from storage.store import Store
from tests.bot.channels.slack.conftest import (
    STAFF_USER,
    SUPPORT_CHANNEL_ID,
    seed_orders,
    shopper_says,
    slack_features,
    slack_idle,
    slack_settings,
    start_handoff,
)
from tests.bot.conftest import API_TOKEN
from tests.fakes.fixtures import FAKE_SLACK_TOKEN
from tests.fakes.slack import FakeSlack
from tests.fakes.telegram import FakeTelegram

HANDOFF_TEXT = "Handoff #"


async def _staff_rows(store: Store) -> list[tuple[str, str, int]]:
    """(kind, status, attempts) of every staff outbox row, oldest first."""
    async with store.transaction() as repos:
        rows = []
        for status in ("pending", "sending", "sent", "failed", "cancelled"):
            rows += await repos.outbox.by_status(status=status)
    rows.sort(key=lambda row: row.id)
    return [(r.kind, r.status, r.attempts) for r in rows if r.kind.startswith("staff_")]


async def _stored_staff_rows(url: str) -> list[tuple[str, str, int]]:
    """:func:`_staff_rows` read through a store of its own, after the app that wrote them stopped."""
    async with Store(url) as store:
        return await _staff_rows(store)


def _handoff_posts(fake: FakeSlack) -> list[dict[str, Any]]:
    return [p for p in fake.posted_messages() if p["text"].startswith(HANDOFF_TEXT)]


async def test_a_handoff_slack_never_took_is_posted_once_after_a_restart(
    db_url: str, make_client: Any, workspace: FakeSlack, fake_telegram: FakeTelegram
) -> None:
    first = await make_client(slack_settings(db_url, workspace), slack_features(fake_telegram))
    await seed_orders(first.app[STORE])
    workspace.fail_next("chat.postMessage", status=503)  # then the app stops before its retry
    await shopper_says(first, "where is my order 1001?", 1)
    await shopper_says(first, "ann@example.com", 2)
    replies = await shopper_says(first, "I want to talk to a human", 3)
    await asyncio.sleep(0.3)  # the dispatcher tries, Slack answers 503
    await first.close()
    assert workspace.posted_messages() == []
    assert any("person" in reply for reply in replies)  # the shopper was told someone would reply

    workspace.reset_calls()
    second = await make_client(slack_settings(db_url, workspace), slack_features(fake_telegram))
    await slack_idle(second, within=30)
    await asyncio.sleep(0.5)

    [posted] = workspace.posted_messages()
    async with second.app[STORE].transaction() as repos:
        [handoff] = await repos.handoffs.list_open()
    assert posted["text"].startswith(f"Handoff #{handoff.id} from Telegram:")
    assert handoff.slack_ts is not None
    assert await _staff_rows(second.app[STORE]) == [(STAFF_HANDOFF_KIND, "sent", 2)]


async def test_handoffs_queued_before_a_stop_are_posted_by_the_next_process_once(
    db_url: str, make_client: Any, workspace: FakeSlack, fake_telegram: FakeTelegram
) -> None:
    stopped = slack_settings(db_url, workspace, dispatcher_enabled=False)
    first = await make_client(stopped, slack_features(fake_telegram))
    await seed_orders(first.app[STORE])
    await shopper_says(first, "where is my order 1001?", 1)
    await shopper_says(first, "ann@example.com", 2)
    await shopper_says(first, "I want to talk to a human", 3)
    await shopper_says(first, "It's a gift, please hurry", 4)
    await first.close()
    assert workspace.posted_messages() == []
    assert [kind for kind, _, _ in await _stored_staff_rows(db_url)] == [
        STAFF_HANDOFF_KIND,
        STAFF_HANDOFF_MESSAGE_KIND,
    ]

    second = await make_client(slack_settings(db_url, workspace), slack_features(fake_telegram))
    await slack_idle(second)
    await second.close()
    third = await make_client(slack_settings(db_url, workspace), slack_features(fake_telegram))
    await asyncio.sleep(0.5)
    await slack_idle(third)

    posted = workspace.posted_messages()
    assert len(posted) == 2
    assert posted[0]["text"].startswith(HANDOFF_TEXT) and "thread_ts" not in posted[0]
    assert posted[1]["text"] == "*Shopper (Telegram):* It's a gift, please hurry"
    async with third.app[STORE].transaction() as repos:
        [handoff] = await repos.handoffs.list_open()
    assert posted[1]["thread_ts"] == handoff.slack_ts
    assert [status for _, status, _ in await _staff_rows(third.app[STORE])] == ["sent", "sent"]


async def test_a_handoff_whose_hook_never_ran_is_queued_at_start(
    sqlite_url: str, make_client: Any, workspace: FakeSlack, fake_telegram: FakeTelegram
) -> None:
    # the engine alone (no Slack): the handoff is stored, nothing queues its post
    engine_only = await make_client(slack_settings(sqlite_url, workspace), [conversation_feature])
    await seed_orders(engine_only.app[STORE])
    await shopper_says(engine_only, "I want to talk to a human", 1)
    await engine_only.close()
    assert await _stored_staff_rows(sqlite_url) == []

    client = await make_client(slack_settings(sqlite_url, workspace), slack_features(fake_telegram))
    await slack_idle(client)

    assert len(_handoff_posts(workspace)) == 1
    assert await _staff_rows(client.app[STORE]) == [(STAFF_HANDOFF_KIND, "sent", 1)]


async def test_handoff_posts_are_paced_one_a_second_per_channel(
    sqlite_url: str, make_client: Any, fake_telegram: FakeTelegram
) -> None:
    async with FakeSlack(token=FAKE_SLACK_TOKEN, rate_limit_per_channel=1.0, hang_seconds=5.0) as slack:
        slack.add_channel(SUPPORT_CHANNEL_ID, "support")
        slack.add_user(STAFF_USER, "Bo Staff", display_name="Bo")
        client = await make_client(slack_settings(sqlite_url, slack), slack_features(fake_telegram))
        shoppers = 7
        for n in range(shoppers):
            await client.app[ENGINE].handle(
                IncomingMessage(
                    channel="telegram",
                    external_id=f"90{n}",
                    text="I want to talk to a human",
                    message_id=f"p{n}",
                )
            )
        started = time.monotonic()
        await slack_idle(client, within=30)

        posts = [c for c in slack.calls_to("chat.postMessage") if c.status == 200]
        assert slack.throttled_count == 0
        assert len(_handoff_posts(slack)) == shoppers
        gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(posts)]
        assert min(gaps) >= 0.95, gaps
        assert time.monotonic() - started >= (shoppers - 1) * 0.95
        async with client.app[STORE].transaction() as repos:
            handoffs = await repos.handoffs.list_open()
        ids = [int(p["text"].split("#", 1)[1].split(" ", 1)[0]) for p in _handoff_posts(slack)]
        assert ids == sorted(h.id for h in handoffs)  # in the order they were opened


async def test_a_shopper_message_waits_for_its_handoff_post(
    sqlite_url: str, make_client: Any, workspace: FakeSlack, fake_telegram: FakeTelegram
) -> None:
    client = await make_client(slack_settings(sqlite_url, workspace), slack_features(fake_telegram))
    await seed_orders(client.app[STORE])
    workspace.fail_next("chat.postMessage", status=503, count=1)
    await shopper_says(client, "I want to talk to a human", 1)
    await shopper_says(client, "Are you there?", 2)
    await slack_idle(client, within=30)

    posted = workspace.posted_messages()
    assert [p["text"].startswith(HANDOFF_TEXT) for p in posted] == [True, False]
    assert posted[1]["text"] == "*Shopper (Telegram):* Are you there?"
    async with client.app[STORE].transaction() as repos:
        [handoff] = await repos.handoffs.list_open()
    assert posted[1]["thread_ts"] == handoff.slack_ts
    kinds = await _staff_rows(client.app[STORE])
    assert kinds == [(STAFF_HANDOFF_KIND, "sent", 2), (STAFF_HANDOFF_MESSAGE_KIND, "sent", 1)]


async def test_the_handoff_post_is_in_the_order_timeline_and_metrics(
    sqlite_url: str, make_client: Any, workspace: FakeSlack, fake_telegram: FakeTelegram
) -> None:
    client = await make_client(slack_settings(sqlite_url, workspace), slack_features(fake_telegram))
    await seed_orders(client.app[STORE])
    await start_handoff(client)
    await _wait_for(client, lambda: len(workspace.posted_messages()) == 1)

    response = await client.get("/api/orders/1001/timeline", headers={"Authorization": f"Bearer {API_TOKEN}"})
    timeline = await response.json()
    messages = [e for e in timeline["entries"] if e["type"] == "message"]
    metrics = await (await client.get("/metrics")).text()

    assert response.status == 200
    assert [(m["kind"], m["channel"], m["recipient"], m["message_status"]) for m in messages] == [
        (STAFF_HANDOFF_KIND, "slack", "#support", "sent")
    ]
    assert messages[0]["summary"] == f"sent {STAFF_HANDOFF_KIND} via slack to #support"
    assert 'doorstep_outbox{state="sent"} 1' in metrics


async def _wait_for(client: TestClient, condition: Any, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)
    await slack_idle(client)


async def test_order_news_never_cancels_a_queued_handoff_post(
    db_url: str, make_client: Any, workspace: FakeSlack, fake_telegram: FakeTelegram
) -> None:
    client = await make_client(
        slack_settings(db_url, workspace, dispatcher_enabled=False), slack_features(fake_telegram)
    )
    await seed_orders(client.app[STORE])
    await shopper_says(client, "where is my order 1001?", 1)
    await shopper_says(client, "ann@example.com", 2)
    await shopper_says(client, "I want to talk to a human", 3)
    now = datetime.now(UTC)
    await client.app[NOTIFY].ingest(
        [
            NormalizedEvent(
                event_id="c1", source="api", occurred_at=now, type="order.cancelled", order_number="1001"
            ),
        ]
    )

    assert await _staff_rows(client.app[STORE]) == [(STAFF_HANDOFF_KIND, "pending", 0)]
    await client.app[NOTIFY].dispatcher.drain()
    assert len(_handoff_posts(workspace)) == 1
    assert await _staff_rows(client.app[STORE]) == [(STAFF_HANDOFF_KIND, "sent", 1)]
