"""SlackAlerts: staff alerts in the support channel, with the order's context."""

from __future__ import annotations

import pytest

from bot.channels.slack.alerts import SlackAlerts
from bot.channels.slack.errors import SlackNotFound
from bot.channels.slack.web_api import SlackWebApi
from storage.store import Store
from tests.bot.channels.slack.conftest import seed_orders
from tests.fakes.slack import FakeSlack


async def test_alert_posts_the_order_context_to_the_support_channel(
    fake_slack: FakeSlack, slack_api: SlackWebApi, sqlite_store: Store
) -> None:
    await seed_orders(sqlite_store)
    async with sqlite_store.transaction() as repos:
        order = await repos.orders.by_number(order_number="1001")
        assert order is not None and order.id is not None
        await repos.cases.open(
            order_id=order.id, customer_id=None, kind="lost", description="No scan for 6 days"
        )
    fake_slack.add_channel("C0SUPPORT", "support")
    alerts = SlackAlerts(slack_api, sqlite_store, "#support")

    posted = await alerts.alert(order.id, "lost", "UPS reports the parcel as lost")

    [message] = fake_slack.posted_messages("#support")
    assert posted.channel == "C0SUPPORT"
    assert message["text"] == "Alert (lost) order 1001: UPS reports the parcel as lost"
    texts = [block["text"]["text"] for block in message["blocks"] if block["type"] == "section"]
    assert texts[0] == ":mag: *Lost* · order 1001\nUPS reports the parcel as lost"
    assert "*Order 1001* · open" in texts[1]
    assert "UPS <https://track.example.test/1001|1Z999AA10000001001> — in transit" in texts[1]
    assert "ETA 2026-11-24 (promised 2026-11-25)" in texts[1]
    assert "• lost: No scan for 6 days" in texts[1]


async def test_alert_without_an_order_and_a_missing_channel(
    fake_slack: FakeSlack, slack_api: SlackWebApi, sqlite_store: Store
) -> None:
    alerts = SlackAlerts(slack_api, sqlite_store, "C0SUPPORT")
    await alerts.alert(None, "exception", "Carrier <API> down & retrying")
    missing = SlackAlerts(slack_api, sqlite_store, "#nowhere")

    with pytest.raises(SlackNotFound):
        await missing.alert(None, "exception", "x")

    [message] = fake_slack.posted_messages()
    assert (
        message["blocks"][0]["text"]["text"]
        == ":warning: *Exception*\nCarrier &lt;API&gt; down &amp; retrying"
    )
