"""Slash commands over signed HTTP: /order, /customer, /kb, /handoffs, and the workspace guard."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app_keys import STORE
from bot.channels.slack.listeners import WRONG_WORKSPACE_TEXT
from tests.bot.channels.slack.conftest import (
    STAFF_USER,
    post_form,
    seed_orders,
    slack_features,
    slack_settings,
)
from tests.fakes.slack import FakeSlack, make_slash_command_body


@pytest.fixture
async def client(sqlite_url: str, make_client: Any, workspace: FakeSlack) -> TestClient:
    """The app with the engine (for the search index) and Slack; orders 1001, 1002, 2001 seeded."""
    started: TestClient = await make_client(slack_settings(sqlite_url, workspace), slack_features())
    await seed_orders(started.app[STORE])
    return started


async def command(client: TestClient, name: str, text: str, team_id: str = "T0001") -> dict[str, Any]:
    """Run a slash command; returns the JSON the ack answered."""
    response = await post_form(client, make_slash_command_body(name, text, STAFF_USER, team_id=team_id))
    assert response.status == 200
    return json.loads(await response.text())


def section_texts(answer: dict[str, Any]) -> list[str]:
    """The mrkdwn of each section block."""
    return [block["text"]["text"] for block in answer.get("blocks", []) if block["type"] == "section"]


async def test_order_card(client: TestClient) -> None:
    async with client.app[STORE].transaction() as repos:
        order = await repos.orders.by_number(order_number="1001")
        await repos.cases.open(order_id=order.id, customer_id=None, kind="damaged", description="Dented lid")

    answer = await command(client, "/order", " #1001 ")

    assert answer["response_type"] == "ephemeral"
    assert answer["text"] == "Order 1001: open"
    assert answer["blocks"][0] == {"type": "header", "text": {"type": "plain_text", "text": "Order 1001"}}
    summary, items = section_texts(answer)
    assert summary.splitlines() == [
        "*Order 1001* · open · placed 2026-11-20",
        "• UPS <https://track.example.test/1001|1Z999AA10000001001> — in transit · ETA 2026-11-24 (promised 2026-11-25)",
        "*Open cases:*",
        "• damaged: Dented lid",
    ]
    assert items == "*Items*\n• 1 × Kettle Pro 200 (KT-200)"
    assert answer["blocks"][-1]["elements"][0]["text"] == "Customer: Ann Lee · ann@example.com"


async def test_order_not_found_and_usage(client: TestClient) -> None:
    missing = await command(client, "/order", "9999")
    usage = await command(client, "/order", "")

    assert missing == {
        "text": "I couldn't find an order 9999. Check the number?",
        "response_type": "ephemeral",
    }
    assert usage["text"] == "Usage: `/order <order number>`, e.g. `/order 1001`."


async def test_customer_with_orders(client: TestClient) -> None:
    answer = await command(client, "/customer", "<mailto:Ann@Example.com|Ann@Example.com>")

    assert answer["text"] == "Customer Ann Lee: 2 order(s)"
    texts = section_texts(answer)
    assert texts[0].splitlines()[0] == "*Ann Lee* · ann@example.com"
    assert texts[1:] == [
        "*Order 1001* · open · placed 2026-11-20\nUPS in transit (ETA 2026-11-24)",
        "*Order 1002* · open · placed 2026-11-10\nUPS delivered (ETA 2026-11-24)",
    ]


async def test_customer_not_found(client: TestClient) -> None:
    answer = await command(client, "/customer", "nobody@example.com")

    assert answer["text"] == "I couldn't find a customer with the email nobody@example.com."
    assert "blocks" not in answer


async def test_kb_top_articles(client: TestClient) -> None:
    answer = await command(client, "/kb", "descale kettle")
    nothing = await command(client, "/kb", "zzqqxx florp")

    titles = [text.splitlines()[0] for text in section_texts(answer)]
    assert titles == [
        "*<https://help.doorstep-demo.shop/articles/kt-200-troubleshooting|Kettle Pro 200 troubleshooting>*",
        "*<https://help.doorstep-demo.shop/articles/kt-200-setup|Setting up your Kettle Pro 200>*",
        "*<https://help.doorstep-demo.shop/articles/es-900-troubleshooting|Barista Pro Espresso Machine troubleshooting and descaling>*",
    ]
    assert nothing["text"] == "No help articles match “zzqqxx florp”."


async def test_open_handoffs(client: TestClient) -> None:
    empty = await command(client, "/handoffs", "")
    async with client.app[STORE].transaction() as repos:
        order = await repos.orders.by_number(order_number="2001")
        first = await repos.conversations.get_or_create(channel="telegram", external_id="1")
        second = await repos.conversations.get_or_create(channel="web", external_id="web:2")
        one = await repos.handoffs.create(conversation_id=first.id, reason="Parcel lost", summary="")
        two = await repos.handoffs.create(
            conversation_id=second.id, reason="Wrong item", summary="", order_id=order.id
        )
        done = await repos.handoffs.create(conversation_id=second.id, reason="Old", summary="")
        await repos.handoffs.set_status(handoff_id=two.id, status="claimed", by="Bo")
        await repos.handoffs.set_status(handoff_id=done.id, status="resolved")

    answer = await command(client, "/handoffs", "")

    assert empty["text"] == "No open handoffs."
    assert answer["text"] == "2 open handoff(s)"
    lines = [text.split(" · since ")[0] for text in section_texts(answer)]
    assert lines == [
        f"*#{one.id}* Parcel lost · waiting",
        f"*#{two.id}* Wrong item · order 2001 · claimed by Bo",
    ]


@pytest.mark.parametrize("name", ["/order", "/customer", "/kb", "/handoffs"])
async def test_other_workspaces_are_refused_politely(
    client: TestClient, workspace: FakeSlack, name: str
) -> None:
    answer = await command(client, name, "1001", team_id="T0OTHER")

    assert answer == {"response_type": "ephemeral", "text": WRONG_WORKSPACE_TEXT}
    assert workspace.calls == []  # refused before bolt's auth.test, nothing read or posted
