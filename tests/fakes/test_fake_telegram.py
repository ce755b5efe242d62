"""FakeTelegram driven by the real python-telegram-bot client."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from tests.fakes.errors import FakeServerError
from tests.fakes.fixtures import FAKE_TELEGRAM_TOKEN
from tests.fakes.telegram import (
    FakeTelegram,
    make_callback_update,
    make_edited_message_update,
    make_photo_update,
    make_start_update,
    make_sticker_update,
    make_text_update,
)

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Track order", callback_data="track:1001")]])


def _bot_for(fake: FakeTelegram, **request_kwargs: Any) -> Bot:
    request = HTTPXRequest(**request_kwargs) if request_kwargs else None
    return Bot(
        FAKE_TELEGRAM_TOKEN, base_url=fake.api_base_url, base_file_url=fake.file_base_url, request=request
    )


async def test_get_me_answers_the_bot_named_by_the_token(telegram_bot: Bot) -> None:
    me = await telegram_bot.get_me()

    assert (me.id, me.is_bot, me.username) == (123456, True, "doorstep_test_bot")


async def test_send_message_with_keyboard_is_recorded_and_ids_increase_per_chat(
    fake_telegram: FakeTelegram, telegram_bot: Bot
) -> None:
    first = await telegram_bot.send_message(42, "Your order shipped", reply_markup=KEYBOARD)
    second = await telegram_bot.send_message(42, "Out for delivery")
    other = await telegram_bot.send_message(7, "Hello")

    assert (first.message_id, second.message_id, other.message_id) == (1, 2, 1)
    assert first.text == "Your order shipped"
    assert first.from_user is not None and first.from_user.id == 123456
    assert first.reply_markup == KEYBOARD
    sent = fake_telegram.sent_messages(chat_id=42)
    assert [params["text"] for params in sent] == ["Your order shipped", "Out for delivery"]
    assert sent[0]["chat_id"] == 42
    assert sent[0]["reply_markup"] == {
        "inline_keyboard": [[{"text": "Track order", "callback_data": "track:1001"}]]
    }
    assert len(fake_telegram.sent_messages()) == 3


async def test_html_text_is_rendered_and_broken_markup_rejected(telegram_bot: Bot) -> None:
    message = await telegram_bot.send_message(1, "<b>Kettle</b> &amp; cups", parse_mode="HTML")
    assert message.text == "Kettle & cups"

    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await telegram_bot.send_message(1, "price < 5 <b>now", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)Character '\.' is reserved"):
        await telegram_bot.send_message(1, "Order 1001.", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match=r"(?i)unsupported parse_mode"):
        await telegram_bot.send_message(1, "hi", parse_mode="BBCode")


async def test_text_length_and_emptiness_are_checked(fake_telegram: FakeTelegram, telegram_bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await telegram_bot.send_message(1, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await telegram_bot.send_message(1, "")
    await telegram_bot.send_message(1, "x" * 4096)

    assert [call.status for call in fake_telegram.calls_to("sendMessage")] == [400, 400, 200]


async def test_callback_data_over_64_bytes_is_rejected(
    fake_telegram: FakeTelegram, telegram_bot: Bot
) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="x" * 65)]])

    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await telegram_bot.send_message(1, "hi", reply_markup=markup)

    assert fake_telegram.calls_to("sendMessage")[0].error == "Bad Request: BUTTON_DATA_INVALID"


async def test_unknown_parameter_is_a_bad_request(fake_telegram: FakeTelegram, telegram_bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)unknown parameter colour"):
        await telegram_bot.send_message(1, "hi", api_kwargs={"colour": "red"})

    assert fake_telegram.sent_messages() == []


async def test_planned_429_raises_retry_after_then_recovers(
    fake_telegram: FakeTelegram, telegram_bot: Bot
) -> None:
    fake_telegram.fail_next("sendMessage", status=429, retry_after=3)

    with pytest.raises(RetryAfter) as raised:
        await telegram_bot.send_message(5, "first try")
    await telegram_bot.send_message(5, "second try")

    assert raised.value._retry_after.total_seconds() == 3
    assert fake_telegram.throttled_count == 1
    assert [params["text"] for params in fake_telegram.sent_messages()] == ["second try"]


async def test_planned_403_and_blocked_chat_raise_forbidden(
    fake_telegram: FakeTelegram, telegram_bot: Bot
) -> None:
    fake_telegram.fail_next("sendMessage", status=403, description="Forbidden: bot was blocked by the user")
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await telegram_bot.send_message(5, "hi")

    fake_telegram.block_chat(9)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await telegram_bot.send_message(9, "hi")
    await telegram_bot.send_message(5, "still fine")

    assert [(call.params["chat_id"], call.status) for call in fake_telegram.calls_to("sendMessage")] == [
        (5, 403),
        (9, 403),
        (5, 200),
    ]


async def test_planned_502_raises_network_error(fake_telegram: FakeTelegram, telegram_bot: Bot) -> None:
    fake_telegram.fail_next("sendMessage", status=502, count=2)

    for _ in range(2):
        with pytest.raises(NetworkError, match=r"(?i)Bad Gateway"):
            await telegram_bot.send_message(5, "hi")
    await telegram_bot.send_message(5, "hi")


async def test_planned_timeout_makes_the_client_time_out(fake_telegram: FakeTelegram) -> None:
    fake_telegram.fail_next("sendMessage", timeout=True)

    async with _bot_for(fake_telegram, read_timeout=0.3) as bot:
        started = time.monotonic()
        with pytest.raises(TimedOut):
            await bot.send_message(5, "hi")

    assert time.monotonic() - started < 3
    assert [call.status for call in fake_telegram.calls_to("sendMessage")] == [0]


async def test_invalid_token_is_refused() -> None:
    async with FakeTelegram(token=FAKE_TELEGRAM_TOKEN) as fake:
        bot = Bot("999:WRONG", base_url=fake.api_base_url)
        with pytest.raises(InvalidToken):
            await bot.initialize()


async def test_per_chat_rate_limit_answers_integer_retry_after() -> None:
    async with (
        FakeTelegram(token=FAKE_TELEGRAM_TOKEN, rate_limit_per_chat=1.0) as fake,
        _bot_for(fake) as bot,
    ):
        await bot.send_message(1, "one")
        with pytest.raises(RetryAfter) as raised:
            await bot.send_message(1, "two")
        await bot.send_message(2, "other chat")

        assert raised.value._retry_after.total_seconds() == 1
        assert fake.throttled_count == 1
        assert fake.calls_to("sendMessage")[1].error == "Too Many Requests: retry after 1"


async def test_global_rate_limit_with_fractional_retry_after() -> None:
    async with (
        FakeTelegram(token=FAKE_TELEGRAM_TOKEN, rate_limit_global=4.0, fractional_retry_after=True) as fake,
        _bot_for(fake) as bot,
    ):
        for chat_id in range(4):
            await bot.send_message(chat_id + 1, "hi")
        with pytest.raises(RetryAfter) as raised:
            await bot.send_message(99, "hi")
        wait = raised.value._retry_after.total_seconds()
        await asyncio.sleep(wait + 0.02)
        await bot.send_message(99, "hi")

    assert 0 < wait <= 0.25
    assert [call.status for call in fake.calls_to("sendMessage")] == [200, 200, 200, 200, 429, 200]


async def test_long_poll_returns_a_pushed_update_and_offset_confirms_it(
    fake_telegram: FakeTelegram, telegram_bot: Bot
) -> None:
    poll = asyncio.create_task(telegram_bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    assert not poll.done()
    pushed = fake_telegram.push_update(make_text_update(42, "where is my order?"))
    updates = await asyncio.wait_for(poll, timeout=2)

    assert [update.update_id for update in updates] == [pushed["update_id"]]
    assert updates[0].message is not None and updates[0].message.text == "where is my order?"
    assert await telegram_bot.get_updates(offset=pushed["update_id"] + 1, timeout=0) == ()
    assert fake_telegram.pending_updates == []


async def test_a_second_poller_ends_the_first_long_poll_with_409(
    fake_telegram: FakeTelegram, telegram_bot: Bot
) -> None:
    async with _bot_for(fake_telegram) as other_instance:
        first = asyncio.create_task(telegram_bot.get_updates(timeout=5))
        await asyncio.sleep(0.2)
        second = asyncio.create_task(other_instance.get_updates(timeout=5))
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await asyncio.wait_for(first, timeout=2)
        pushed = fake_telegram.push_update(make_text_update(42, "hello"))
        assert [u.update_id for u in await asyncio.wait_for(second, timeout=2)] == [pushed["update_id"]]
    assert fake_telegram.poll_conflicts == 1


async def test_long_poll_times_out_empty(telegram_bot: Bot) -> None:
    started = time.monotonic()
    updates = await telegram_bot.get_updates(timeout=1)

    assert updates == ()
    assert 0.9 <= time.monotonic() - started < 2


async def test_user_and_bot_messages_share_the_chat_message_ids(
    fake_telegram: FakeTelegram, telegram_bot: Bot
) -> None:
    pushed = fake_telegram.push_update(make_text_update(42, "hi"))
    reply = await telegram_bot.send_message(42, "hello Ann")

    assert pushed["message"]["message_id"] == 1
    assert reply.message_id == 2
    assert reply.chat.first_name == "Ann"


async def test_webhook_delivery_carries_the_secret_token(
    fake_telegram: FakeTelegram, telegram_bot: Bot
) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []

    async def receive(request: web.Request) -> web.Response:
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/telegram/webhook", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        url = f"http://127.0.0.1:{port}/telegram/webhook"
        assert await telegram_bot.set_webhook(url, secret_token="s3cret-token")
        status = await fake_telegram.deliver_webhook(make_text_update(42, "hello"))
        info = await telegram_bot.get_webhook_info()
        with pytest.raises(Conflict, match=r"(?i)webhook is active"):
            await telegram_bot.get_updates()
    finally:
        await runner.cleanup()

    assert status == 200
    assert (fake_telegram.webhook_url, fake_telegram.webhook_secret) == (url, "s3cret-token")
    assert info.url == url
    assert received[0][0] == "s3cret-token"
    assert received[0][1]["message"]["text"] == "hello"
    assert Update.de_json(received[0][1], telegram_bot).effective_chat.id == 42


async def test_deliver_webhook_without_webhook_is_a_test_error(fake_telegram: FakeTelegram) -> None:
    with pytest.raises(FakeServerError, match="no webhook is set"):
        await fake_telegram.deliver_webhook(make_text_update(1, "x"))


async def test_secret_token_characters_are_checked(telegram_bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)unallowed characters"):
        await telegram_bot.set_webhook("http://127.0.0.1:1/hook", secret_token="bad secret!")


async def test_edit_message_text_and_not_modified(fake_telegram: FakeTelegram, telegram_bot: Bot) -> None:
    sent = await telegram_bot.send_message(42, "Choose", reply_markup=KEYBOARD)
    edited = await telegram_bot.edit_message_text("Chosen: track", chat_id=42, message_id=sent.message_id)

    assert isinstance(edited, Message) and edited.text == "Chosen: track"
    assert fake_telegram.chat_messages(42)[0]["text"] == "Chosen: track"
    assert "reply_markup" not in fake_telegram.chat_messages(42)[0]
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await telegram_bot.edit_message_text("Chosen: track", chat_id=42, message_id=sent.message_id)


async def test_answer_callback_query_and_chat_action(fake_telegram: FakeTelegram, telegram_bot: Bot) -> None:
    assert await telegram_bot.answer_callback_query("12345", text="Done")
    assert await telegram_bot.send_chat_action(42, "typing")
    with pytest.raises(BadRequest):
        await telegram_bot.send_chat_action(42, "dancing")

    assert [call.status for call in fake_telegram.calls_to("sendChatAction")] == [200, 400]


async def test_get_file_downloads_registered_bytes(fake_telegram: FakeTelegram, telegram_bot: Bot) -> None:
    fake_telegram.add_file("photo-1", b"\x89PNG fake bytes", "photos/file_1.jpg")

    file = await telegram_bot.get_file("photo-1")
    content = await file.download_as_bytearray()

    assert file.file_path is not None and file.file_path.endswith("/photos/file_1.jpg")
    assert bytes(content) == b"\x89PNG fake bytes"


async def test_uploaded_photo_can_be_downloaded_again(fake_telegram: FakeTelegram, telegram_bot: Bot) -> None:
    message = await telegram_bot.send_photo(42, photo=b"\x89PNG upload", caption="Your parcel")
    file = await message.photo[-1].get_file()

    assert message.caption == "Your parcel"
    assert bytes(await file.download_as_bytearray()) == b"\x89PNG upload"


async def test_json_bodies_are_accepted_and_validated(fake_telegram: FakeTelegram) -> None:
    url = f"{fake_telegram.api_base_url}{FAKE_TELEGRAM_TOKEN}/sendMessage"
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json={"chat_id": 3, "text": "json body"}) as response:
            ok = (response.status, await response.json())
        async with session.post(url, json={"chat_id": 3}) as response:
            missing = (response.status, await response.json())

    assert ok[0] == 200 and ok[1]["result"]["text"] == "json body"
    assert missing == (
        400,
        {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"},
    )


async def test_429_body_has_the_real_shape(fake_telegram: FakeTelegram) -> None:
    fake_telegram.fail_next("sendMessage", retry_after=7)
    url = f"{fake_telegram.api_base_url}{FAKE_TELEGRAM_TOKEN}/sendMessage"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data={"chat_id": "1", "text": "x"}) as response,
    ):
        body = json.loads(await response.read())

    assert response.status == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }


async def test_set_my_commands_checks_command_names(telegram_bot: Bot) -> None:
    assert await telegram_bot.set_my_commands([("start", "Start"), ("stop", "Stop notifications")])
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await telegram_bot.set_my_commands([("Bad Command", "x")])


@pytest.mark.parametrize(
    "update",
    [
        make_text_update(42, "/help", update_id=1, message_id=1),
        make_start_update(42, "link-token", update_id=2, message_id=2),
        make_callback_update(42, "track:1001", message_id=3, update_id=3),
        make_photo_update(42, "broken", update_id=4, message_id=4),
        make_sticker_update(42, update_id=5, message_id=5),
        make_edited_message_update(42, 1, "/help me", update_id=6),
    ],
)
async def test_built_updates_parse_as_ptb_updates(update: dict[str, Any], telegram_bot: Bot) -> None:
    parsed = Update.de_json(update, telegram_bot)

    assert parsed.update_id == update["update_id"]
    assert parsed.effective_chat is not None and parsed.effective_chat.id == 42
    assert parsed.effective_user is not None and parsed.effective_user.first_name == "Ann"


async def test_start_update_carries_payload_and_command_entity(telegram_bot: Bot) -> None:
    parsed = Update.de_json(make_start_update(42, "abc", update_id=1, message_id=1), telegram_bot)

    assert parsed.message is not None
    assert parsed.message.text == "/start abc"
    assert parsed.message.parse_entities(["bot_command"]).popitem()[1] == "/start"
    callback = Update.de_json(make_callback_update(42, "yes", 9, update_id=2), telegram_bot).callback_query
    assert callback is not None and callback.data == "yes" and callback.message.message_id == 9


async def test_ptb_application_polls_the_fake_and_replies(fake_telegram: FakeTelegram) -> None:
    from telegram.ext import Application, ContextTypes, MessageHandler, filters

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None and update.effective_message is not None
        await context.bot.send_message(update.effective_chat.id, f"echo: {update.effective_message.text}")

    application = (
        Application.builder()
        .token(FAKE_TELEGRAM_TOKEN)
        .base_url(fake_telegram.api_base_url)
        .base_file_url(fake_telegram.file_base_url)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, timeout=1)
        fake_telegram.push_update(make_text_update(42, "hello"))
        for _ in range(100):
            if fake_telegram.sent_messages(42):
                break
            await asyncio.sleep(0.05)
        await application.updater.stop()
        await application.stop()

    assert [params["text"] for params in fake_telegram.sent_messages(42)] == ["echo: hello"]
    assert fake_telegram.calls_to("deleteWebhook")[0].status == 200
    assert fake_telegram.pending_updates == []


async def test_reply_markup_edit_and_delete(fake_telegram: FakeTelegram, telegram_bot: Bot) -> None:
    sent = await telegram_bot.send_message(42, "Choose", reply_markup=KEYBOARD)
    await telegram_bot.edit_message_reply_markup(chat_id=42, message_id=sent.message_id)
    without_keyboard = fake_telegram.chat_messages(42)[0]
    assert await telegram_bot.delete_message(42, sent.message_id)

    assert "reply_markup" not in without_keyboard
    assert fake_telegram.chat_messages(42) == []
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await telegram_bot.delete_message(42, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await telegram_bot.edit_message_text("again", chat_id=42, message_id=sent.message_id)


async def test_users_messages_cannot_be_edited(fake_telegram: FakeTelegram, telegram_bot: Bot) -> None:
    pushed = fake_telegram.push_update(make_text_update(42, "hi"))

    with pytest.raises(BadRequest, match=r"(?i)message can't be edited"):
        await telegram_bot.edit_message_text("hacked", chat_id=42, message_id=pushed["message"]["message_id"])


async def test_strict_chats_refuse_unknown_chats() -> None:
    async with FakeTelegram(token=FAKE_TELEGRAM_TOKEN, strict_chats=True) as fake, _bot_for(fake) as bot:
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(42, "hi")
        fake.push_update(make_text_update(42, "hello"))
        await bot.send_message(42, "hi")

        assert [call.status for call in fake.calls_to("sendMessage")] == [400, 200]


async def test_unimplemented_methods_true_or_refused(fake_telegram: FakeTelegram, telegram_bot: Bot) -> None:
    assert await telegram_bot.pin_chat_message(42, 1)
    with pytest.raises(BadRequest, match=r"(?i)method getChat is not implemented"):
        await telegram_bot.get_chat(42)
    with pytest.raises(FakeServerError, match="not a Bot API method"):
        fake_telegram.fail_next("sendMesage")


async def test_negative_offset_keeps_only_the_last_updates(
    fake_telegram: FakeTelegram, telegram_bot: Bot
) -> None:
    for text in ("one", "two", "three"):
        fake_telegram.push_update(make_text_update(42, text))

    updates = await telegram_bot.get_updates(offset=-1)

    assert [update.message.text for update in updates if update.message] == ["three"]
    assert len(fake_telegram.pending_updates) == 1
