"""The order timeline shows a shopper's case, and each time they asked about it again."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.notify.timeline import order_timeline
from storage.models import Case
from tests.handlers.conversation_kit import Harness, harness, shop_template

__all__ = ["harness", "shop_template"]


async def test_a_late_parcel_asked_about_twice_is_one_case_and_two_timeline_lines(harness: Harness) -> None:
    await harness.verify_as("bob@example.com")
    first = await harness.send("my order 1004 is late")
    harness.clock.advance(timedelta(hours=3))
    again = await harness.send("it's still late")

    assert "I've logged it as case #1" in first.replies[0].text
    assert "Your case #1 is already open, and I've added this message to it" in again.replies[0].text
    async with harness.store.transaction() as repos:
        cases = list((await repos.cases._session.execute(select(Case))).scalars())
        timeline = await order_timeline(repos, "1004")
    assert [(c.kind, c.status, c.description) for c in cases] == [("late", "open", "my order 1004 is late")]
    assert cases[0].updates == [
        {"at": "2026-11-23T18:00:00+00:00", "kind": "late", "description": "it's still late"}
    ]
    assert cases[0].updated_at is not None and cases[0].updated_at.isoformat() == "2026-11-23T18:00:00+00:00"
    lines = [(e.at.isoformat(), e.summary) for e in timeline.entries if e.type == "case"]
    assert lines == [
        ("2026-11-23T15:00:00+00:00", "case #1 opened: late"),
        ("2026-11-23T18:00:00+00:00", "case #1 updated: late, the shopper asked again (1)"),
    ]
    # the shopper's words stay out of the timeline
    assert not any("still late" in line for line in timeline.lines())
