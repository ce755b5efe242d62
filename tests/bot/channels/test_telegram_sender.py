"""TelegramSender over python-telegram-bot against FakeTelegram: rendering, splitting, error mapping."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.channels.base import PermanentFailure, RetryLater, Unreachable
from bot.channels.telegram.sender import MAX_TEXT, TelegramSender, split_text
from handlers.messages import Button, Link, Reply
from tests.fakes.fixtures import FAKE_TELEGRAM_TOKEN, fake_telegram, telegram_bot
from tests.fakes.telegram import FakeTelegram

__all__ = ["fake_telegram", "telegram_bot"]
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
def sender(telegram_bot: Bot) -> TelegramSender:
    return TelegramSender(telegram_bot)


def test_split_text_prefers_paragraphs_then_lines_then_words() -> None:
    paragraph = "word " * 300  # 1500 characters
    text = "\n\n".join([paragraph.strip()] * 4)
    pieces = split_text(text, limit=4096)
    assert [len(p) for p in pieces] == [3000, 3000]  # two paragraphs of 1499 characters each
    assert "\n\n".join(pieces) == text
    lines = "\n".join(f"line {n}" for n in range(1000))
    assert "\n".join(split_text(lines, limit=100)) == lines
    assert all(len(p) <= 100 for p in split_text(lines, limit=100))
    words = " ".join(["abcdefghij"] * 50)
    assert " ".join(split_text(words, limit=64)) == words
    assert split_text("x" * 10, limit=4) == ["xxxx", "xxxx", "xx"]


def test_split_text_counts_utf16_units_like_telegram() -> None:
    emoji = "📦" * 3000  # 2 UTF-16 units each
    pieces = split_text(emoji, limit=MAX_TEXT)
    assert [len(p) for p in pieces] == [2048, 952]


async def test_plain_text_with_buttons_and_link_buttons(
    sender: TelegramSender, fake_telegram: FakeTelegram
) -> None:
    reply = Reply(
        text="Your order 1001 is out for delivery *today* <b>",
        buttons=[Button("Talk to us", "human_agent")],
        links=[Link("Track parcel", "https://track.example.test/1Z1")],
    )
    result = await sender.send("42", reply)

    [params] = fake_telegram.sent_messages(42)
    assert params["text"] == "Your order 1001 is out for delivery *today* <b>"
    assert "parse_mode" not in params
    assert params["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "Talk to us", "callback_data": "human_agent"}],
            [{"text": "Track parcel", "url": "https://track.example.test/1Z1"}],
        ]
    }
    assert result.provider_message_id == "1"


async def test_long_text_is_split_and_the_keyboard_goes_last(
    sender: TelegramSender, fake_telegram: FakeTelegram
) -> None:
    text = "\n\n".join(["a" * 3000, "b" * 3000])
    result = await sender.send("42", Reply(text=text, buttons=[Button("OK", "ok")]))

    sent = fake_telegram.sent_messages(42)
    assert [p["text"] for p in sent] == ["a" * 3000, "b" * 3000]
    assert (
        "reply_markup" not in sent[0]
        and sent[1]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "ok"
    )
    assert result.provider_message_id == "2"


async def test_oversized_button_payload_is_refused_before_calling_telegram(
    sender: TelegramSender, fake_telegram: FakeTelegram
) -> None:
    with pytest.raises(PermanentFailure, match="longer than 64 bytes"):
        await sender.send("42", Reply(text="hi", buttons=[Button("Go", "é" * 33)]))
    assert fake_telegram.calls_to("sendMessage") == []


async def test_flood_control_is_retry_later_with_retry_after(
    sender: TelegramSender, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.fail_next("sendMessage", 429, retry_after=7)
    with pytest.raises(RetryLater) as caught:
        await sender.send("42", Reply(text="hi"))
    assert caught.value.retry_after == 7.0


async def test_blocked_chat_is_unreachable(sender: TelegramSender, fake_telegram: FakeTelegram) -> None:
    fake_telegram.block_chat(42)
    with pytest.raises(Unreachable, match="blocked by the user"):
        await sender.send("42", Reply(text="hi"))


async def test_bad_request_is_permanent_but_a_missing_chat_is_unreachable(
    sender: TelegramSender, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.fail_next("sendMessage", 400, description="Bad Request: can't parse entities")
    with pytest.raises(PermanentFailure, match=r"(?i)can't parse entities"):
        await sender.send("42", Reply(text="hi"))
    fake_telegram.fail_next("sendMessage", 400, description="Bad Request: chat not found")
    with pytest.raises(Unreachable, match=r"(?i)chat not found"):
        await sender.send("42", Reply(text="hi"))


@pytest.mark.parametrize("status", [500, 502, 504])
async def test_server_errors_are_retry_later(
    sender: TelegramSender, fake_telegram: FakeTelegram, status: int
) -> None:
    fake_telegram.fail_next("sendMessage", status)
    with pytest.raises(RetryLater) as caught:
        await sender.send("42", Reply(text="hi"))
    assert caught.value.retry_after is None


@pytest.fixture
async def impatient_bot(fake_telegram: FakeTelegram) -> AsyncIterator[Bot]:
    request = HTTPXRequest(read_timeout=0.3)
    bot = Bot(FAKE_TELEGRAM_TOKEN, base_url=fake_telegram.api_base_url, request=request)
    async with bot:
        yield bot


async def test_a_timeout_is_retry_later(impatient_bot: Bot, fake_telegram: FakeTelegram) -> None:
    fake_telegram.fail_next("sendMessage", timeout=True)
    with pytest.raises(RetryLater, match="timed out"):
        await TelegramSender(impatient_bot).send("42", Reply(text="hi"))
