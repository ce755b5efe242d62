"""The engine's own duties: duplicates, state persistence, concurrency retry, handoff quiet mode, hooks."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.engine.engine import Engine
from bot.engine.errors import ConcurrentUpdateError, HandlerSetupError
from handlers.fallback import FallbackHandler
from handlers.messages import IncomingMessage
from handlers.registry import default_handlers
from handlers.support import DEFAULT_DISCLOSURE
from storage.models import TranscriptMessage
from storage.store import Store
from tests.handlers.conversation_kit import (
    CHANNEL,
    DEFAULT_USER,
    Harness,
    RacingHandler,
    engine_with,
    payloads_of,
    shared_knowledge,
    shared_nlu,
    text_of,
)


async def _transcript_count(kit: Harness) -> int:
    async with kit.store.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(TranscriptMessage))).scalar_one())


async def test_duplicate_message_id_is_answered_once(harness: Harness) -> None:
    first = await harness.send("hi", message_id="dup-1")
    again = await harness.send("hi", message_id="dup-1")
    assert first.replies and not first.duplicate
    assert again.duplicate is True and again.replies == [] and again.intent is None
    assert again.conversation_id == first.conversation_id
    assert await _transcript_count(harness) == 2  # one in, one out


async def test_same_message_id_on_another_channel_is_not_a_duplicate(harness: Harness) -> None:
    await harness.send("hi", message_id="shared-1")
    other = await harness.engine.handle(
        IncomingMessage(channel="telegram", external_id="42", text="hi", message_id="shared-1")
    )
    assert other.duplicate is False and other.intent == "greeting"


async def test_a_duplicate_rolls_back_everything_the_turn_did(harness: Harness) -> None:
    await harness.verify_as("ann@example.com")
    await harness.send("cancel order 1003", message_id="x-1")
    repeat = await harness.send("yes", message_id="x-1")
    assert repeat.duplicate
    async with harness.store.transaction() as repos:
        order = await repos.orders.by_number(order_number="1003")
        conversation = await repos.conversations.get(channel=CHANNEL, external_id=DEFAULT_USER)
    assert order is not None and order.status == "open"
    assert conversation is not None and conversation.state == "cancel_order.confirm"


async def test_state_survives_a_new_engine_on_the_same_database(harness: Harness) -> None:
    await harness.send("where is my order 1001")
    other = Engine(
        store=Store(harness.url), nlu=shared_nlu(), knowledge=shared_knowledge(), clock=harness.clock
    )
    try:
        result = await other.handle(
            IncomingMessage(channel=CHANNEL, external_id=DEFAULT_USER, text="ann@example.com")
        )
    finally:
        await other._store.aclose()
    assert "Your Kettle Pro 200 (order #1001) is on its way." in text_of(result)


async def test_a_lost_race_is_retried_once_from_the_start(harness: Harness) -> None:
    await harness.send("thanks")  # creates the conversation row
    racing = RacingHandler(harness.url, races=1)
    engine = engine_with(harness, racing)
    result = await engine.handle(
        IncomingMessage(channel=CHANNEL, external_id=DEFAULT_USER, text="hi", message_id="r-1")
    )
    assert racing.calls == 2
    assert text_of(result) == "hello #2"
    async with harness.store.engine.connect() as conn:
        said = (
            await conn.execute(select(TranscriptMessage.text).where(TranscriptMessage.direction == "out"))
        ).scalars()
        assert "hello #1" not in list(said)


async def test_two_lost_races_give_up_with_a_concurrency_error(harness: Harness) -> None:
    await harness.send("thanks")
    engine = engine_with(harness, RacingHandler(harness.url, races=2))
    with pytest.raises(ConcurrentUpdateError):
        await engine.handle(IncomingMessage(channel=CHANNEL, external_id=DEFAULT_USER, text="hi"))


async def test_handoff_quiet_mode_until_staff_resolve(harness: Harness) -> None:
    await harness.send("agent")
    assert len(harness.hooks.handoffs_created) == 1
    handoff_id = harness.hooks.handoffs_created[0]
    quiet = await harness.send("are you still there?")
    assert (
        text_of(quiet) == "Thanks, I've passed that on. A person from our support team will reply right here."
    )
    assert payloads_of(quiet) == ["handoff:leave"]
    assert harness.hooks.during_handoff == [(handoff_id, "are you still there?")]
    async with harness.store.transaction() as repos:
        await repos.handoffs.set_status(handoff_id=handoff_id, status="resolved", by="U1")
    back = await harness.send("where is my order 1001")
    assert "email address or phone number" in text_of(back)
    assert len(harness.hooks.during_handoff) == 1


async def test_return_to_bot_leaves_quiet_mode(harness: Harness) -> None:
    first = await harness.send("agent")
    await harness.engine.return_to_bot(first.conversation_id)
    async with harness.store.transaction() as repos:
        conversation = await repos.conversations.by_id(conversation_id=first.conversation_id)
    assert conversation is not None and conversation.state == "idle"


async def test_asking_again_while_handed_off_creates_no_second_handoff(harness: Harness) -> None:
    await harness.send("agent")
    async with harness.store.transaction() as repos:
        await repos.handoffs.set_status(handoff_id=harness.hooks.handoffs_created[0], status="returned")
    await harness.send("human")
    await harness.send("human")
    assert len(harness.hooks.handoffs_created) == 2
    async with harness.store.transaction() as repos:
        assert len(await repos.handoffs.list_open()) == 1


class _BrokenHooks:
    async def on_handoff_created(self, handoff_id: int) -> None:
        raise RuntimeError("slack is down")


async def test_a_failing_hook_does_not_fail_the_turn(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    harness.engine.add_hooks(_BrokenHooks())
    result = await harness.send("agent")
    assert "passed our conversation" in text_of(result)
    assert harness.hooks.handoffs_created  # hooks registered before still ran
    assert "engine hook _BrokenHooks.on_handoff_created failed" in caplog.text


async def test_a_signed_link_verifies_the_chat(harness: Harness) -> None:
    async with harness.store.transaction() as repos:
        ann = await repos.customers.by_email(email="ann@example.com")
    assert ann is not None and ann.id is not None
    harness.link_verifier = lambda token: ann.id if token == "good-token" else None
    await harness.restart()
    welcome = await harness.send("", link_token="good-token")
    assert text_of(welcome).startswith(f"{DEFAULT_DISCLOSURE}\n\nThanks, Ann, you're all set")
    assert harness.hooks.verified == [(CHANNEL, DEFAULT_USER, ann.id)]
    status = await harness.send("where is my order")
    assert "Which order do you mean?" in text_of(status)


async def test_a_bad_link_token_verifies_nothing(harness: Harness) -> None:
    harness.link_verifier = lambda token: None
    await harness.restart()
    result = await harness.send("", link_token="forged")
    assert "That link has expired or isn't valid" in text_of(result)
    assert harness.hooks.verified == []
    asked = await harness.send("where is my order 1001")
    assert "email address or phone number" in text_of(asked)


def test_two_handlers_claiming_one_intent_are_refused(harness: Harness) -> None:
    with pytest.raises(HandlerSetupError, match="out_of_scope"):
        Engine(
            store=harness.store,
            nlu=shared_nlu(),
            knowledge=shared_knowledge(),
            clock=harness.clock,
            handlers=[*default_handlers(), FallbackHandler()],
        )


async def test_a_follow_up_costs_a_handful_of_queries_and_one_commit(harness: Harness) -> None:
    await harness.verify_as("ann@example.com")
    await harness.send("where is my order 1001")
    # counted by SQLite itself: hot-path statements go to the driver connection directly
    await harness.restart()
    statements: list[str] = []
    commits: list[int] = []

    def on_statement(sql: str) -> None:
        verb = sql.split()[0].upper()
        if verb == "COMMIT":
            commits.append(1)
        elif verb != "BEGIN":
            statements.append(verb)

    async with harness.store.engine.connect() as conn:  # the pool's only connection, used next
        raw = await conn.get_raw_connection()
        await raw.driver_connection.set_trace_callback(on_statement)  # type: ignore[union-attr]
    result = await harness.send("and when will it arrive?")
    assert text_of(result) == "Your Kettle Pro 200 should arrive Wednesday 25 November."
    assert len(commits) == 1
    # identity+conversation, order+customer, items, shipments; inbox; state; two transcript lines;
    # the conversation's day for the outcome report (an upsert, and the return mark of earlier days)
    assert statements == ["SELECT"] * 4 + ["INSERT", "UPDATE", "INSERT", "INSERT", "INSERT", "UPDATE"]
