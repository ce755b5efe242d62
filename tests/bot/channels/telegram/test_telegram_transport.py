"""The aiohttp transport under a real PTB Bot against FakeTelegram."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter, TimedOut

from bot.channels.telegram.transport import AiohttpRequest
from tests.fakes.fixtures import FAKE_TELEGRAM_TOKEN
from tests.fakes.telegram import FakeTelegram


@pytest.fixture
async def bot(fake_telegram: FakeTelegram) -> AsyncIterator[Bot]:
    bot = Bot(
        FAKE_TELEGRAM_TOKEN,
        base_url=fake_telegram.api_base_url,
        base_file_url=fake_telegram.file_base_url,
        request=AiohttpRequest(read_timeout=1.0),
    )
    async with bot:
        yield bot


async def test_json_call_round_trip(bot: Bot, fake_telegram: FakeTelegram) -> None:
    message = await bot.send_message(chat_id=77, text="héllo ✓")
    assert message.text == "héllo ✓" and message.chat.id == 77
    (call,) = fake_telegram.calls_to("sendMessage")
    assert call.params == {"chat_id": 77, "text": "héllo ✓"}
    assert bot.username == "doorstep_test_bot"


async def test_file_upload_goes_as_multipart(bot: Bot, fake_telegram: FakeTelegram) -> None:
    await bot.send_document(chat_id=77, document=b"%PDF-1.4 receipt", filename="receipt.pdf", caption="here")
    (call,) = fake_telegram.calls_to("sendDocument")
    assert call.status == 200
    assert call.params["caption"] == "here"
    assert (call.params["document"].filename, call.params["document"].data) == (
        "receipt.pdf",
        b"%PDF-1.4 receipt",
    )


async def test_download_a_file(bot: Bot, fake_telegram: FakeTelegram) -> None:
    fake_telegram.add_file("FILE-1", b"\x89PNG fake", "photos/file_1.png")
    file = await bot.get_file("FILE-1")
    assert bytes(await file.download_as_bytearray()) == b"\x89PNG fake"


async def test_errors_become_ptb_errors(bot: Bot, fake_telegram: FakeTelegram) -> None:
    fake_telegram.fail_next("sendMessage", 429, retry_after=3)
    with pytest.raises(RetryAfter) as throttled:
        await bot.send_message(chat_id=77, text="a")
    assert throttled.value._retry_after == timedelta(seconds=3)
    fake_telegram.block_chat(78)
    with pytest.raises(Forbidden):
        await bot.send_message(chat_id=78, text="a")
    with pytest.raises(BadRequest):
        await bot.send_message(chat_id=77, text="")


async def test_a_hanging_call_times_out(bot: Bot, fake_telegram: FakeTelegram) -> None:
    fake_telegram.fail_next("sendMessage", timeout=True)
    with pytest.raises(TimedOut):
        await bot.send_message(chat_id=77, text="a")
