"""Start-up in each mode, the webhook's secret check, and the channel being off without a token."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_app
from bot.channels.senders import SENDERS
from bot.channels.telegram.errors import TelegramChannelError
from bot.channels.telegram.feature import telegram_feature
from bot.channels.telegram.webhook import SECRET_HEADER, WEBHOOK_PATH
from bot.engine.feature import conversation_feature
from handlers.support import with_disclosure
from tests.bot.channels.telegram.conftest import WEBHOOK_SECRET, ServerFactory, free_port, telegram_settings
from tests.fakes.telegram import FakeTelegram, make_text_update

ANN = 5001


async def test_webhook_mode_registers_the_webhook_with_its_secret(telegram_server: ServerFactory) -> None:
    tg = await telegram_server("webhook")
    (call,) = tg.fake.calls_to("setWebhook")
    assert call.params["url"] == f"http://127.0.0.1:{tg.server.port}{WEBHOOK_PATH}"
    assert call.params["secret_token"] == WEBHOOK_SECRET
    assert call.params["allowed_updates"] == ["message", "edited_message", "callback_query"]
    assert tg.fake.calls_to("deleteWebhook") == []
    assert tg.fake.calls_to("getUpdates") == []
    commands = tg.fake.calls_to("setMyCommands")[0].params["commands"]
    assert [command["command"] for command in commands] == ["start", "help", "stop", "agent"]
    assert "telegram" in tg.app[SENDERS]


async def test_polling_mode_deletes_the_webhook_and_polls(telegram_server: ServerFactory) -> None:
    tg = await telegram_server("polling")
    assert len(tg.fake.calls_to("deleteWebhook")) == 1
    assert tg.fake.calls_to("setWebhook") == []
    await tg.send(make_text_update(ANN, "hi"))
    assert tg.fake.calls_to("getUpdates")
    response = await tg.client.post(WEBHOOK_PATH, json=make_text_update(ANN, "hi", update_id=1))
    assert response.status in (404, 405)


@pytest.mark.parametrize(
    "headers", [{}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: ""}, {SECRET_HEADER: WEBHOOK_SECRET + "x"}]
)
async def test_webhook_without_the_right_secret_is_refused(
    telegram_server: ServerFactory, headers: dict[str, str]
) -> None:
    tg = await telegram_server("webhook")
    response = await tg.client.post(
        WEBHOOK_PATH, json=make_text_update(ANN, "hi", update_id=7, message_id=1), headers=headers
    )
    assert response.status == 401
    assert (await response.json())["error"] == "wrong or missing X-Telegram-Bot-Api-Secret-Token"
    assert tg.fake.sent_messages() == []
    assert await tg.identity(ANN) is None


async def test_webhook_with_the_secret_is_answered(telegram_server: ServerFactory) -> None:
    tg = await telegram_server("webhook")
    response = await tg.client.post(
        WEBHOOK_PATH,
        json=make_text_update(ANN, "hi", update_id=7, message_id=1),
        headers={SECRET_HEADER: WEBHOOK_SECRET},
    )
    assert response.status == 200
    assert len(tg.texts(ANN)) == 1


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", json.dumps({"message": {}}).encode()])
async def test_webhook_refuses_a_body_that_is_not_an_update(
    telegram_server: ServerFactory, body: bytes
) -> None:
    tg = await telegram_server("webhook")
    response = await tg.client.post(
        WEBHOOK_PATH, data=body, headers={SECRET_HEADER: WEBHOOK_SECRET, "Content-Type": "application/json"}
    )
    assert response.status == 400
    assert tg.fake.sent_messages() == []


async def test_an_update_ptb_cannot_read_is_acknowledged_not_redelivered_forever(
    telegram_server: ServerFactory,
) -> None:
    tg = await telegram_server("webhook")
    unreadable = {"update_id": 10, "poll": {"id": "1", "question": "?", "options": []}}
    response = await tg.client.post(WEBHOOK_PATH, json=unreadable, headers={SECRET_HEADER: WEBHOOK_SECRET})
    assert response.status == 200
    assert tg.fake.sent_messages() == []


async def test_updates_without_a_private_chat_are_acknowledged_and_ignored(
    telegram_server: ServerFactory,
) -> None:
    tg = await telegram_server("webhook")
    response = await tg.client.post(
        WEBHOOK_PATH,
        json={"update_id": 9, "my_chat_member": {"chat": {"id": ANN, "type": "private"}}},
        headers={SECRET_HEADER: WEBHOOK_SECRET},
    )
    assert response.status == 200
    assert tg.fake.sent_messages() == []


async def test_wrong_token_stops_start_up_with_one_clear_line(sqlite_url: str) -> None:
    async with FakeTelegram(token="999:OTHER") as fake:
        port = free_port()
        settings = telegram_settings(sqlite_url, fake, "polling", port)
        client = TestClient(
            TestServer(
                build_app(settings, features=[conversation_feature, telegram_feature]),
                host="127.0.0.1",
                port=port,
            )
        )
        with pytest.raises(TelegramChannelError, match="check DOORSTEP_TELEGRAM_TOKEN"):
            await client.start_server()
        await client.close()


async def test_no_token_means_no_telegram(sqlite_url: str, fake_telegram: FakeTelegram) -> None:
    port = free_port()
    settings = telegram_settings(sqlite_url, fake_telegram, "webhook", port, telegram_token=None)
    client = TestClient(
        TestServer(
            build_app(settings, features=[conversation_feature, telegram_feature]),
            host="127.0.0.1",
            port=port,
        )
    )
    await client.start_server()
    try:
        response = await client.post(
            WEBHOOK_PATH, json={"update_id": 1}, headers={SECRET_HEADER: WEBHOOK_SECRET}
        )
        assert response.status in (404, 405)
        assert fake_telegram.calls == []
    finally:
        await client.close()


async def test_shutdown_unregisters_the_sender_and_keeps_the_webhook(telegram_server: ServerFactory) -> None:
    tg = await telegram_server("webhook")
    await tg.client.close()
    assert tg.fake.webhook_url is not None
    assert "telegram" not in tg.app[SENDERS]


async def test_shutdown_stops_polling(telegram_server: ServerFactory) -> None:
    tg = await telegram_server("polling")
    await tg.send(make_text_update(ANN, "hi"))
    await tg.client.close()
    polls = len(tg.fake.calls_to("getUpdates"))
    await asyncio.sleep(0.3)
    assert len(tg.fake.calls_to("getUpdates")) == polls


async def test_an_update_that_fails_is_refused_so_telegram_sends_it_again(
    telegram_server: ServerFactory, sqlite_url: str
) -> None:
    tg = await telegram_server("webhook")
    database = sqlite_url.split("///", 1)[1]
    update = make_text_update(ANN, "hi", update_id=8, message_id=2)
    headers = {SECRET_HEADER: WEBHOOK_SECRET}
    with sqlite3.connect(database) as conn:  # answering now fails: the transcript cannot be written
        conn.execute("ALTER TABLE transcript_messages RENAME TO transcript_away")
    response = await tg.client.post(WEBHOOK_PATH, json=update, headers=headers)
    assert response.status == 500
    assert await response.json() == {"error": "internal error; it has been logged"}
    assert tg.texts(ANN) == []
    with sqlite3.connect(database) as conn:
        conn.execute("ALTER TABLE transcript_away RENAME TO transcript_messages")
    for _ in range(2):  # Telegram's redelivery is answered, once
        response = await tg.client.post(WEBHOOK_PATH, json=update, headers=headers)
        assert response.status == 200
    assert len(tg.texts(ANN)) == 1 and tg.texts(ANN)[0].startswith(with_disclosure("Hi"))


async def test_half_an_emoji_in_a_name_or_a_text_is_answered_once_not_redelivered_forever(
    telegram_server: ServerFactory,
) -> None:
    tg = await telegram_server("webhook")
    update = make_text_update(ANN, "hi \ud83d", update_id=9, message_id=3, first_name="Ann \udc00")
    raw = json.dumps(update).encode()  # ensure_ascii writes the halves as \ud83d and \udc00 escapes
    headers = {SECRET_HEADER: WEBHOOK_SECRET, "Content-Type": "application/json"}
    for _ in range(2):  # answered, and a redelivery is recognised
        response = await tg.client.post(WEBHOOK_PATH, data=raw, headers=headers)
        assert response.status == 200
    assert len(tg.texts(ANN)) == 1 and tg.texts(ANN)[0].startswith(with_disclosure("Hi"))
    identity = await tg.identity(ANN)
    assert identity is not None and identity.display_name == "Ann \ufffd"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"update_id": 1, "message": ' + b"[" * 20_000 + b"]" * 20_000 + b"}", "JSON nested too deeply"),
        (b'{"update_id": ' + b"9" * 5000 + b"}", "a number is out of range"),
    ],
)
async def test_hostile_json_is_refused_with_400_and_the_reason(
    telegram_server: ServerFactory, body: bytes, reason: str
) -> None:
    tg = await telegram_server("webhook")
    response = await tg.client.post(
        WEBHOOK_PATH, data=body, headers={SECRET_HEADER: WEBHOOK_SECRET, "Content-Type": "application/json"}
    )
    assert response.status == 400
    assert reason in (await response.json())["error"]
    assert tg.fake.sent_messages() == []
