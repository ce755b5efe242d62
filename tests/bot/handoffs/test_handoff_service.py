"""The channel-neutral handoff service on SQLite and PostgreSQL, sending through the real TelegramSender
(python-telegram-bot) to FakeTelegram: replies, notes, claims, ends, and what other desks are told."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from telegram import Bot

from bot.channels.base import Sender
from bot.channels.telegram.sender import TelegramSender
from bot.clock import FakeClock
from bot.handoffs.errors import HandoffNotFound
from bot.handoffs.service import BACK_WITH_BOT_TEXT, Action, HandoffService, ReplyResult, StaffEvent
from storage.store import Store
from tests.fakes.fixtures import fake_telegram, telegram_bot
from tests.fakes.telegram import FakeTelegram

__all__ = ["fake_telegram", "telegram_bot"]

CHAT = "4242"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


class Desk:
    """A desk that records what the service tells it."""

    def __init__(self) -> None:
        self.events: list[StaffEvent] = []

    async def on_staff_event(self, event: StaffEvent) -> None:
        self.events.append(event)


class Returner:
    """Records the conversations given back to the bot (the engine's ``return_to_bot``)."""

    def __init__(self) -> None:
        self.returned: list[int] = []

    async def __call__(self, conversation_id: int) -> None:
        self.returned.append(conversation_id)


@pytest.fixture
async def handoff_id(store: Store) -> int:
    """An open handoff of a Telegram conversation."""
    async with store.transaction() as repos:
        conversation = await repos.conversations.get_or_create(channel="telegram", external_id=CHAT)
        assert conversation.id is not None
        handoff = await repos.handoffs.create(
            conversation_id=conversation.id, reason="Shopper asked for a person", summary="", at=NOW
        )
    assert handoff.id is not None
    return handoff.id


@pytest.fixture
async def service_parts(store: Store, telegram_bot: Bot) -> AsyncIterator[tuple[HandoffService, Returner]]:
    sender = TelegramSender(telegram_bot)
    senders: dict[str, Sender] = {"telegram": sender}
    returner = Returner()
    yield (
        HandoffService(store=store, senders=senders.get, return_to_bot=returner, clock=FakeClock(NOW)),
        returner,
    )


def texts(fake: FakeTelegram) -> list[str]:
    return [m["text"] for m in fake.sent_messages(CHAT)]


async def lines(store: Store, handoff_id: int) -> list[tuple[str, str, str | None]]:
    async with store.transaction() as repos:
        handoff = await repos.handoffs.get(handoff_id=handoff_id)
        assert handoff is not None
        found = await repos.transcript.recent(conversation_id=handoff.conversation_id, limit=20)
    return [(m.direction, m.text, m.author) for m in found]


async def test_a_reply_is_relayed_recorded_and_told_to_the_other_desks(
    store: Store, handoff_id: int, service_parts: tuple[HandoffService, Returner], fake_telegram: FakeTelegram
) -> None:
    service, _ = service_parts
    slack, console = Desk(), Desk()
    service.observe("slack", slack)
    service.observe("console", console)
    looked_up: list[str] = []

    async def name() -> str:
        looked_up.append("Bo")
        return "Bo"

    outcome = await service.reply(
        handoff_id,
        text="  Hi &amp; welcome  ",
        agent=name,
        desk="slack",
        plain=lambda t: t.replace("&amp;", "&").strip(),
    )
    assert outcome.result is ReplyResult.SENT and (outcome.text, outcome.agent) == ("Hi & welcome", "Bo")
    assert texts(fake_telegram) == ["Bo (support): Hi & welcome"]
    assert await lines(store, handoff_id) == [("staff", "Hi & welcome", "Bo")]
    assert slack.events == []
    assert console.events == [StaffEvent(handoff_id, Action.REPLY, "slack", "Bo", "Hi & welcome")]
    assert looked_up == ["Bo"]


async def test_notes_are_never_sent_and_kept_only_when_asked(
    store: Store, handoff_id: int, service_parts: tuple[HandoffService, Returner], fake_telegram: FakeTelegram
) -> None:
    service, _ = service_parts
    looked_up: list[str] = []

    async def name() -> str:
        looked_up.append("x")
        return "Bo"

    kept_elsewhere = await service.reply(
        handoff_id, text="note: in the thread", agent=name, desk="slack", keep_notes=False
    )
    assert kept_elsewhere.result is ReplyResult.NOTE
    assert looked_up == []  # no name needed for what is not stored
    kept = await service.reply(handoff_id, text="  Note:  UPS ticket 4471 ", agent="Maya", desk="console")
    assert (kept.result, kept.text) == (ReplyResult.NOTE, "UPS ticket 4471")
    empty = await service.reply(handoff_id, text="note:", agent="Maya", desk="console")
    assert empty.result is ReplyResult.EMPTY
    assert texts(fake_telegram) == []
    assert await lines(store, handoff_id) == [("note", "UPS ticket 4471", "Maya")]


async def test_claim_only_from_open_and_ends_happen_once(
    store: Store, handoff_id: int, service_parts: tuple[HandoffService, Returner], fake_telegram: FakeTelegram
) -> None:
    service, returner = service_parts
    claimed = await service.claim(handoff_id, agent="Maya", desk="console")
    assert claimed.changed and (claimed.handoff.status, claimed.handoff.claimed_by) == ("claimed", "Maya")
    again = await service.claim(handoff_id, agent="Lee", desk="api")
    assert not again.changed and again.handoff.claimed_by == "Maya"

    ends = await asyncio.gather(
        service.resolve(handoff_id, agent="Lee", desk="api"),
        service.release(handoff_id, agent="Bo", desk="slack"),
        service.resolve(handoff_id, agent="Maya", desk="console"),
    )
    assert sum(end.changed for end in ends) == 1
    [winner] = [end for end in ends if end.changed]
    assert winner.handoff.status in ("resolved", "returned")
    assert winner.handoff.claimed_by == "Maya"  # it stays with whoever claimed it
    assert winner.handoff.resolved_at is not None
    assert len(returner.returned) == 1
    assert texts(fake_telegram) == [BACK_WITH_BOT_TEXT]
    late = await service.reply(handoff_id, text="still there?", agent="Maya", desk="console")
    assert late.result is ReplyResult.NOT_OPEN
    assert texts(fake_telegram) == [BACK_WITH_BOT_TEXT]
    assert not (await service.claim(handoff_id, agent="Maya", desk="console")).changed


async def test_an_unclaimed_handoff_is_claimed_by_whoever_ends_it(
    store: Store, handoff_id: int, service_parts: tuple[HandoffService, Returner]
) -> None:
    service, returner = service_parts
    outcome = await service.release(handoff_id, agent="Lee", desk="api")
    assert outcome.changed and (outcome.handoff.status, outcome.handoff.claimed_by) == ("returned", "Lee")
    assert returner.returned == [outcome.handoff.conversation_id]


async def test_a_busy_channel_is_retried_and_a_closed_one_is_undelivered(
    store: Store, handoff_id: int, service_parts: tuple[HandoffService, Returner], fake_telegram: FakeTelegram
) -> None:
    service, _ = service_parts
    fake_telegram.fail_next("sendMessage", 429, retry_after=1, count=2)
    outcome = await service.reply(handoff_id, text="third time lucky", agent="Maya", desk="console")
    assert outcome.result is ReplyResult.SENT
    assert texts(fake_telegram) == ["Maya (support): third time lucky"]

    fake_telegram.block_chat(CHAT)
    refused = await service.reply(handoff_id, text="are you there?", agent="Maya", desk="console")
    assert refused.result is ReplyResult.UNDELIVERED
    assert ("staff", "are you there?", "Maya") not in await lines(store, handoff_id)


async def test_a_shopper_channel_that_is_off_is_undelivered(store: Store, handoff_id: int) -> None:
    service = HandoffService(
        store=store, senders=lambda channel: None, return_to_bot=None, clock=FakeClock(NOW)
    )
    outcome = await service.reply(handoff_id, text="hello", agent="Maya", desk="console")
    assert outcome.result is ReplyResult.UNDELIVERED
    assert (await service.resolve(handoff_id, agent="Maya", desk="console")).changed  # ends all the same


async def test_an_unknown_handoff_raises(
    store: Store, service_parts: tuple[HandoffService, Returner]
) -> None:
    service, _ = service_parts
    for action in (
        service.reply(999, text="hi", agent="Maya", desk="console"),
        service.reply(999, text="note: hi", agent="Maya", desk="console"),
        service.claim(999, agent="Maya", desk="console"),
        service.resolve(999, agent="Maya", desk="console"),
        service.release(999, agent="Maya", desk="console"),
        service.context(999),
    ):
        with pytest.raises(HandoffNotFound):
            await action


async def test_listed_filters_by_status(
    store: Store, handoff_id: int, service_parts: tuple[HandoffService, Returner]
) -> None:
    service, _ = service_parts
    assert [ctx.handoff_id for ctx in await service.listed()] == [handoff_id]
    await service.resolve(handoff_id, agent="Maya", desk="console")
    assert await service.listed() == []
    assert [ctx.handoff.status for ctx in await service.listed(("resolved",))] == ["resolved"]
