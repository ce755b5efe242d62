"""Sending to Telegram: 429 bursts, blocked users, long replies, 5xx, and the default pace."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

from bot.channels.telegram.wording import OFFER_TEXT
from bot.engine.engine import LINK_OK
from bot.links import sign_link
from handlers.messages import Button, Reply
from handlers.support import with_disclosure
from tests.bot.channels.telegram.conftest import LINK_SECRET, ONE_MODE, ServerFactory
from tests.fakes.fixtures import FAKE_TELEGRAM_TOKEN
from tests.fakes.telegram import FakeTelegram, make_start_update, make_text_update

ANN = 5001
GREETING_START = with_disclosure("Hi! I can track your order")


async def test_429_burst_loses_nothing_and_sends_nothing_twice(
    telegram_server: ServerFactory, mode: str
) -> None:
    chats = [6000 + index for index in range(12)]
    async with FakeTelegram(
        token=FAKE_TELEGRAM_TOKEN, rate_limit_global=8, rate_limit_per_chat=4, fractional_retry_after=True
    ) as fake:
        tg = await telegram_server(mode, fake=fake)

        async def shopper(chat: int) -> None:
            await tg.send(make_text_update(chat, "hi"))
            await tg.send(make_text_update(chat, "where is my order?"))

        await asyncio.gather(*(shopper(chat) for chat in chats))

        assert fake.throttled_count > 0
        for chat in chats:
            texts = tg.texts(chat)
            assert len(texts) == 2, (chat, texts)
            assert texts[0].startswith(GREETING_START)
            assert texts[1].startswith("Let me look that up for you.")
        delivered = Counter((m["chat_id"], m["text"]) for m in fake.sent_messages())
        assert set(delivered.values()) == {1}
        assert sum(1 for call in fake.calls_to("sendMessage") if call.status == 200) == 2 * len(chats)


async def test_planned_429_is_waited_out_and_sent_once(telegram_server: ServerFactory, mode: str) -> None:
    tg = await telegram_server(mode)
    tg.fake.fail_next("sendMessage", 429, retry_after=0.3, count=2)
    await tg.send(make_text_update(ANN, "hi"))
    calls = tg.fake.calls_to("sendMessage")
    assert [call.status for call in calls] == [429, 429, 200]
    assert calls[2].at - calls[0].at >= 0.55
    assert len(tg.texts(ANN)) == 1


@ONE_MODE
async def test_5xx_is_retried_and_sent_once(telegram_server: ServerFactory, mode: str) -> None:
    tg = await telegram_server(mode)
    tg.fake.fail_next("sendMessage", 502)
    await tg.send(make_text_update(ANN, "hi"))
    assert [call.status for call in tg.fake.calls_to("sendMessage")] == [502, 200]
    assert len(tg.texts(ANN)) == 1


async def test_blocked_user_marks_the_identity_unreachable(telegram_server: ServerFactory, mode: str) -> None:
    tg = await telegram_server(mode)
    await tg.send(make_text_update(ANN, "hi"))
    tg.fake.block_chat(ANN)

    await tg.send(make_text_update(ANN, "where is my order?"))

    identity = await tg.identity(ANN)
    assert identity is not None and identity.unreachable
    assert "blocked" in (identity.unreachable_reason or "")
    assert [call.status for call in tg.fake.calls_to("sendMessage")] == [200, 403]  # tried once, not retried
    # other chats are not affected
    await tg.send(make_text_update(ANN + 1, "hi"))
    assert len(tg.texts(ANN + 1)) == 1
    other = await tg.identity(ANN + 1)
    assert other is not None and not other.unreachable


async def test_long_reply_is_split_and_a_throttled_piece_is_not_repeated(
    telegram_server: ServerFactory,
) -> None:
    async with FakeTelegram(
        token=FAKE_TELEGRAM_TOKEN,
        rate_limit_per_chat=2,
        rate_limit_burst_seconds=0.5,
        fractional_retry_after=True,
    ) as fake:
        tg = await telegram_server("webhook", fake=fake)
        paragraphs = [f"Paragraph {index}: " + "word " * 150 for index in range(12)]
        text = "\n\n".join(paragraphs)
        assert len(text) > 4096 * 2

        await tg.runtime.channel.deliver(str(ANN), [Reply(text, buttons=[Button("OK", "intent:greeting")])])

        sent = fake.sent_messages(ANN)
        assert len(sent) == 3
        assert all(len(message["text"]) <= 4096 for message in sent)
        assert "\n\n".join(message["text"] for message in sent) == text
        assert [message.get("reply_markup") is not None for message in sent] == [False, False, True]
        assert fake.throttled_count >= 1
        assert sum(1 for call in fake.calls_to("sendMessage") if call.status == 200) == 3


@ONE_MODE
async def test_default_pace_is_one_message_per_second_per_chat(
    telegram_server: ServerFactory, mode: str
) -> None:
    tg = await telegram_server(mode, telegram_send_rate=30.0, telegram_send_rate_per_chat=1.0)
    async with tg.store.transaction() as repos:
        customer = await repos.customers.by_email(email="ann@example.com")
    assert customer is not None and customer.id is not None
    token = sign_link(int(customer.id), LINK_SECRET, datetime.now(UTC) + timedelta(days=1))

    await tg.send(make_start_update(ANN, token))

    assert tg.texts(ANN) == [with_disclosure(LINK_OK.format(name=", Ann")), OFFER_TEXT]
    first, second = tg.fake.calls_to("sendMessage")
    assert second.at - first.at >= 0.95
