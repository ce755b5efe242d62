"""The verification lock-out cannot be walked around (issue: ids that differ only in case, spaces or
invisible characters, the REST form of a web chat visitor, many contacts in one message, fresh ids
against one order, a success that wiped the count). Each hole has its regression test here."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.engine.engine import EngineResult
from handlers.messages import IncomingMessage
from storage.models import VerificationAttempt
from tests.handlers.conversation_kit import Harness, text_of

PAUSED = "paused order look-ups"
VISITOR = "Vq3kT9xYb2LmN8pRs4TuWa"


async def say(kit: Harness, text: str, user: str, *, channel: str = "rest") -> EngineResult:
    return await kit.engine.handle(IncomingMessage(channel=channel, external_id=user, text=text))


async def fail(kit: Harness, user: str, times: int, *, number: str = "1001", channel: str = "rest") -> str:
    """``times`` wrong emails for order ``number``; the last answer's text."""
    answer = ""
    for attempt in range(times):
        answer = text_of(await say(kit, f"order {number} wrong{attempt}@example.com", user, channel=channel))
    return answer


async def verified(kit: Harness, user: str, channel: str = "rest") -> bool:
    async with kit.store.transaction() as repos:
        identity = await repos.identities.get(channel=channel, external_id=user)
    return identity is not None and identity.verified


async def failures(kit: Harness) -> int:
    async with kit.store.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(VerificationAttempt))).scalar_one())


def assert_locked(answer: str) -> None:
    assert PAUSED in answer, answer
    assert "Talk to a person" not in answer  # the person is offered as a button, not pasted in
    for secret in ("Kettle", "UPS", "on its way", "ann@", "delivered"):
        assert secret not in answer, answer


async def test_every_look_up_after_a_lock_out_gets_the_lock_out_answer(harness: Harness) -> None:
    assert PAUSED in await fail(harness, "locked-1", 5)
    for text in (
        "where is my order",
        "where is my order 1002",
        "order 1001 ann@example.com",
        "is 1003 shipped",
    ):
        answer = await say(harness, text, "locked-1")
        assert_locked(text_of(answer))
        assert "order number" not in text_of(answer) and "email address or phone" not in text_of(answer)
        assert [b.payload for r in answer.replies for b in r.buttons] == ["intent:human_agent"]
    assert not await verified(harness, "locked-1")


@pytest.mark.parametrize("variant", ["lock-1", " lock-1", "lock-1\u200b", "\u2060LOCK-1 ", "ＬＯＣＫ-1"])
async def test_ids_that_differ_in_case_spaces_or_invisible_characters_share_the_lock_out(
    harness: Harness, variant: str
) -> None:
    await fail(harness, "LOCK-1", 5)
    answer = text_of(await say(harness, "where is my order 1001 ann@example.com", variant))
    assert_locked(answer)
    assert not await verified(harness, variant)


async def test_a_web_chat_visitor_is_one_identity_over_the_websocket_and_rest(harness: Harness) -> None:
    await fail(harness, f"web:{VISITOR}", 5, channel="web")
    answer = text_of(await say(harness, "order 1001 ann@example.com", f"web:{VISITOR}", channel="rest"))
    assert_locked(answer)
    assert not await verified(harness, f"web:{VISITOR}")


async def test_a_message_offering_many_contacts_never_verifies(harness: Harness) -> None:
    guesses = " ".join(f"guess{n}@example.com" for n in range(60))
    answer = text_of(await say(harness, f"where is order 1001 {guesses} ann@example.com", "sprayer"))
    assert_locked(answer)
    assert not await verified(harness, "sprayer")
    # the lock-out holds afterwards, for the same chat
    assert_locked(text_of(await say(harness, "order 1001 ann@example.com", "sprayer")))


async def test_every_contact_counts_as_an_attempt(harness: Harness) -> None:
    await say(harness, "where is order 1001 a1@example.com a2@example.com", "counter")
    assert await failures(harness) == 2
    # an email and a phone in one message are fine when one of them is right
    await say(harness, "order 1001 wrong@example.com +1 617 555 0100", "both")
    assert await verified(harness, "both")


async def test_fresh_ids_cannot_wear_down_one_order(harness: Harness) -> None:
    for user in range(10):
        await fail(harness, f"fresh-{user}", 1)
    await harness.restart()  # the count is in the database
    answer = text_of(await say(harness, "where is my order 1001 ann@example.com", "fresh-10"))
    assert_locked(answer)
    assert not await verified(harness, "fresh-10")
    # other orders are not affected
    other = text_of(await say(harness, "where is my order 1004 bob@example.com", "fresh-11"))
    assert "DHL" in other
    # the order's lock lifts after the hour
    harness.clock.advance(timedelta(minutes=61))
    assert "on its way" in text_of(await say(harness, "where is my order 1001 ann@example.com", "fresh-12"))


async def test_an_unknown_order_number_locks_the_same_way(harness: Harness) -> None:
    for user in range(10):
        await fail(harness, f"known-{user}", 1, number="1001")
        await fail(harness, f"unknown-{user}", 1, number="9999")
    known = text_of(await say(harness, "where is my order 1001 ann@example.com", "known-x"))
    unknown = text_of(await say(harness, "where is my order 9999 ann@example.com", "unknown-x"))
    assert known == unknown
    assert_locked(unknown)


async def test_a_successful_verification_does_not_reset_the_count(harness: Harness) -> None:
    await fail(harness, "resetter", 4, number="1004")
    assert "on its way" in text_of(await say(harness, "order 1001 ann@example.com", "resetter"))
    answer = text_of(await say(harness, "order 1004 bobby@example.com", "resetter"))
    assert PAUSED in answer and "DHL" not in answer


async def test_the_lock_out_answer_says_when_to_try_again(harness: Harness) -> None:
    assert "try again in an hour" in await fail(harness, "waiter", 5)
    harness.clock.advance(timedelta(minutes=20))
    assert "try again in 40 minutes" in text_of(await say(harness, "where is my order", "waiter"))
