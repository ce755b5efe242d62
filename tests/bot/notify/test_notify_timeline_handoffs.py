"""The order timeline (and ``doorstep explain``) shows when a shopper was handed to a person about the order."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.notify.timeline import order_timeline
from tests.handlers.conversation_kit import Harness, harness, shop_template

__all__ = ["harness", "shop_template"]


async def test_a_handoff_about_an_order_is_in_its_timeline_and_the_log(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await harness.verify_as("ann@example.com")
    await harness.send("where is my order 1001")
    with caplog.at_level(logging.INFO):
        await harness.send("I want to talk to a person")
    harness.clock.advance(timedelta(minutes=20))
    await harness.send("back to the bot")
    async with harness.store.transaction() as repos:
        timeline = await order_timeline(repos, "1001")
        other = await order_timeline(repos, "1002")
    lines = [(e.at.isoformat(), e.summary) for e in timeline.entries if e.type == "handoff"]
    assert lines == [
        (
            "2026-11-23T15:00:00+00:00",
            "handoff #1 opened: Shopper asked for a person about order #1001 (after: order status)",
        ),
        ("2026-11-23T15:20:00+00:00", "handoff #1 ended: back with the bot"),
    ]
    assert timeline.to_dict()["entries"][-1]["handoff_status"] == "returned"
    assert not [e for e in other.entries if e.type == "handoff"]
    # operators see it in the log at INFO, without the shopper's contact details
    opened = [r.getMessage() for r in caplog.records if "handoff 1 opened" in r.getMessage()]
    assert opened == [
        "handoff 1 opened: rest chat, verified shopper, order #1001, "
        "reason: Shopper asked for a person about order #1001 (after: order status)"
    ]
    assert not any("ann@example.com" in r.getMessage() or "555" in r.getMessage() for r in caplog.records)
