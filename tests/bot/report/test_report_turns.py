"""Each engine turn records its facts; real conversations land in the right outcome class."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.report.period import parse_period
from bot.report.summary import ReportOptions, build_report
from storage.models import ConversationDay
from tests.handlers.conversation_kit import ANN, NOW, TODAY, Harness


async def _days(kit: Harness) -> dict[str, ConversationDay]:
    async with kit.store.engine.connect() as conn:
        rows = (await conn.execute(select(ConversationDay))).all()
    by_id: dict[int, str] = {}
    async with kit.store.transaction() as repos:
        for row in rows:
            conversation = await repos.conversations.by_id(conversation_id=row.conversation_id)
            assert conversation is not None
            by_id[row.conversation_id] = conversation.external_id
    return {by_id[row.conversation_id]: ConversationDay(**row._mapping) for row in rows}


async def _outcomes(kit: Harness) -> dict[str, int]:
    period = parse_period(None, None, today=TODAY + timedelta(days=5))
    found = await build_report(kit.store, period, ReportOptions(), now=NOW)
    return found["conversations"]["by_outcome"]


async def test_turn_kinds_become_outcome_classes(harness: Harness) -> None:
    kit = harness
    await kit.send("hi", user="waver")
    ann = await kit.verify_as(ANN, user="ann")
    await kit.send("where is my order 1001?", user="ann")
    await kit.send("thanks, bye", user="ann")
    await kit.send("where is my parcel?", user="leaver")
    await kit.send("what is the capital of peru", user="lost")
    await kit.send("I want to talk to a person", user="asker")

    days = await _days(kit)
    assert (days["waver"].smalltalk, days["waver"].answers, days["waver"].first_intent) == (1, 0, None)
    answered = days["ann"]
    assert (answered.turns, answered.answers, answered.smalltalk) == (2, 1, 1)
    assert (answered.first_intent, answered.order_number, answered.customer_id) == (
        "order_status",
        "1001",
        ann,
    )
    assert (answered.party, answered.subject, answered.in_flow) == (f"c:{ann}", "o:1001", 0)
    leaver = days["leaver"]
    assert (leaver.waits, leaver.in_flow, leaver.first_intent, leaver.order_number) == (
        1,
        1,
        "order_status",
        None,
    )
    assert days["lost"].fallbacks == 1 and days["lost"].first_intent is None
    assert days["asker"].handoffs == 1
    assert all(day.day == TODAY for day in days.values())

    assert await _outcomes(kit) == {"contained": 1, "escalated": 1, "unresolved": 2, "informational": 1}


async def test_the_answer_to_a_pending_question_completes_the_flow(harness: Harness) -> None:
    kit = harness
    await kit.send("where is my parcel?")
    await kit.send("1001")
    await kit.send(ANN)
    day = (await _days(kit))["shopper-1"]
    assert (day.turns, day.waits, day.answers, day.in_flow) == (3, 2, 1, 0)
    assert (day.first_intent, day.order_number, day.subject) == ("order_status", "1001", "o:1001")
    assert await _outcomes(kit) == {"contained": 1, "escalated": 0, "unresolved": 0, "informational": 0}


async def test_a_new_day_is_a_new_conversation_and_a_return(harness: Harness) -> None:
    kit = harness
    await kit.verify_as(ANN)
    await kit.send("where is my order 1001?")
    kit.clock.advance(timedelta(days=1))
    await kit.send("where is order 1001 now?")
    days = await _outcomes(kit)
    # the first day's question came back within 72 hours about the same order
    assert days == {"contained": 1, "escalated": 0, "unresolved": 1, "informational": 0}
