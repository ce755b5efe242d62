"""A shop with Slack and the console: both desks work on the same handoff through the one handoff service.
What the console does shows in the Slack thread and message; what Slack does shows in the console."""

from __future__ import annotations

from typing import Any

from bot.admin.feature import admin_feature
from bot.app_keys import STORE
from bot.channels.slack.handoff_message import ACTION_CLAIM, ACTION_RESOLVE
from bot.handoffs.service import BACK_WITH_BOT_TEXT
from tests.bot.admin.conftest import API_TOKEN
from tests.bot.channels.slack.conftest import (
    SHOPPER_CHAT,
    SUPPORT_CHANNEL_ID,
    seed_orders,
    slack_features,
    slack_idle,
    slack_settings,
    start_handoff,
    workspace,
)
from tests.bot.channels.slack.test_slack_handoff_flow import action_ids, click, staff_says, texts_of
from tests.fakes.fixtures import fake_slack
from tests.fakes.slack import FakeSlack
from tests.fakes.telegram import FakeTelegram

__all__ = ["fake_slack", "workspace"]

BEARER = {"Authorization": f"Bearer {API_TOKEN}"}


async def test_console_actions_show_in_slack_and_slack_actions_in_the_console(
    sqlite_url: str, make_client: Any, workspace: FakeSlack, fake_telegram: FakeTelegram
) -> None:
    features = [*slack_features(fake_telegram)]
    features.insert(-1, admin_feature)  # before notify, as in a normal server
    client = await make_client(slack_settings(sqlite_url, workspace, api_token=API_TOKEN), features)
    store = client.app[STORE]
    await seed_orders(store)
    await start_handoff(client)
    async with store.transaction() as repos:
        [handoff] = await repos.handoffs.list_open()
    thread_ts = handoff.slack_ts

    # Slack claims; the API sees it claimed by the Slack agent
    await click(client, ACTION_CLAIM, handoff.id, thread_ts)
    shown = await (await client.get(f"/api/handoffs/{handoff.id}", headers=BEARER)).json()
    assert (shown["status"], shown["claimed_by"], shown["in_slack"]) == ("claimed", "Bo", True)
    # a Slack staff reply is in the transcript the API shows
    await staff_says(client, workspace, thread_ts, "Hi Ann, checking now.")
    shown = await (await client.get(f"/api/handoffs/{handoff.id}", headers=BEARER)).json()
    assert shown["transcript"][-1] == {**shown["transcript"][-1], "from": "staff", "author": "Bo"}

    # a reply and a note from the API are posted into the thread
    reply = await client.post(
        f"/api/handoffs/{handoff.id}/reply",
        json={"text": "It arrives tomorrow.", "agent": "Maya"},
        headers=BEARER,
    )
    assert reply.status == 200
    note = await client.post(
        f"/api/handoffs/{handoff.id}/reply",
        json={"text": "note: called UPS", "agent": "Maya"},
        headers=BEARER,
    )
    assert note.status == 200
    await slack_idle(client)
    thread = [m["text"] for m in workspace.thread(SUPPORT_CHANNEL_ID, thread_ts)]
    assert "*Maya (handoff API) to the shopper:* It arrives tomorrow." in thread
    assert "*Note by Maya (handoff API):* called UPS" in thread
    assert [m["text"] for m in fake_telegram.sent_messages(SHOPPER_CHAT)] == [
        "Bo (support): Hi Ann, checking now.",
        "Maya (support): It arrives tomorrow.",
    ]

    # the API resolves: the Slack message loses its buttons and the thread says who ended it
    updates_before = len(workspace.calls_to("chat.update"))
    resolved = await client.post(
        f"/api/handoffs/{handoff.id}/resolve", json={"agent": "Maya"}, headers=BEARER
    )
    assert resolved.status == 200
    await slack_idle(client)
    [update] = workspace.calls_to("chat.update")[updates_before:]
    assert ":white_check_mark: Resolved by Bo" in texts_of(update.params["blocks"])
    assert action_ids(update.params["blocks"]) == []
    assert (
        workspace.thread(SUPPORT_CHANNEL_ID, thread_ts)[-1]["text"]
        == "_Resolved by Maya through the handoff API._"
    )
    assert [m["text"] for m in fake_telegram.sent_messages(SHOPPER_CHAT)][-1] == BACK_WITH_BOT_TEXT

    # a late click in Slack changes nothing and tells the shopper nothing more
    await click(client, ACTION_RESOLVE, handoff.id, thread_ts)
    assert len(workspace.calls_to("chat.update")) == updates_before + 1
    assert [m["text"] for m in fake_telegram.sent_messages(SHOPPER_CHAT)].count(BACK_WITH_BOT_TEXT) == 1
