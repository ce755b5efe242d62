"""Shoppers talking to the real python-telegram-bot channel over FakeTelegram, in both modes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.channels.telegram.wording import (
    ACCEPT_UPDATES_PAYLOAD,
    DECLINE_UPDATES_PAYLOAD,
    DECLINED_TEXT,
    OFFER_TEXT,
)
from bot.engine.engine import LINK_BAD, LINK_OK
from bot.links import sign_link
from handlers.support import DEFAULT_DISCLOSURE, with_disclosure
from tests.bot.channels.telegram.conftest import LINK_SECRET, ONE_MODE, ServerFactory, expected_delivery
from tests.fakes.telegram import (
    make_callback_update,
    make_edited_message_update,
    make_start_update,
    make_text_update,
)

ANN = 5001


async def _customer_id(harness: object, email: str) -> int:
    async with harness.store.transaction() as repos:  # type: ignore[attr-defined]
        customer = await repos.customers.by_email(email=email)
    assert customer is not None and customer.id is not None
    return int(customer.id)


def _buttons(message: dict[str, object]) -> list[tuple[str, str]]:
    markup = message.get("reply_markup") or {}
    rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
    return [
        (button["text"], button.get("callback_data") or button.get("url")) for row in rows for button in row
    ]


async def test_wismo_with_order_number_and_email_ends_with_tracking(
    telegram_server: ServerFactory, mode: str
) -> None:
    tg = await telegram_server(mode)

    await tg.send(make_text_update(ANN, "where is my order?"))
    assert "What's your order number?" in tg.texts(ANN)[-1]
    await tg.send(make_text_update(ANN, "1001"))
    assert "email address or phone number you used for order #1001" in tg.texts(ANN)[-1]
    await tg.send(make_text_update(ANN, "ann@example.com"))

    texts = tg.texts(ANN)
    eta = expected_delivery()
    assert texts[2] == (
        f"Your Kettle Pro 200 (order #1001) is on its way. Expected delivery: {eta:%A} {eta.day} {eta:%B}. "
        "UPS tracking number: 1Z999AA10000001001."
    )
    assert _buttons(tg.fake.sent_messages(ANN)[2]) == [("Track with UPS", "https://track.example.test/1001")]
    # verified in chat: the bot offers updates here, once, after the answer
    assert texts[3] == OFFER_TEXT
    assert len(texts) == 4
    for message in tg.fake.sent_messages(ANN):
        assert "parse_mode" not in message
    identity = await tg.identity(ANN)
    assert identity is not None and identity.verified
    assert identity.customer_id == await _customer_id(tg, "ann@example.com")
    assert identity.display_name == "Ann"


@ONE_MODE
async def test_wrong_email_reveals_nothing(telegram_server: ServerFactory, mode: str) -> None:
    tg = await telegram_server(mode)
    await tg.send(make_text_update(ANN, "where is my order 1001?"))
    await tg.send(make_text_update(ANN, "eve@example.com"))
    assert not any("Kettle" in text or "1Z999" in text for text in tg.texts(ANN))
    identity = await tg.identity(ANN)
    assert identity is not None and not identity.verified


async def test_button_press_is_answered_and_gets_the_next_reply(
    telegram_server: ServerFactory, mode: str
) -> None:
    tg = await telegram_server(mode)
    await tg.send(make_text_update(ANN, "hi"))
    assert ("Where is my order?", "intent:order_status") in _buttons(tg.last_message(ANN))

    await tg.send(
        make_callback_update(ANN, "intent:order_status", tg.bot_message_id(ANN), callback_query_id="cbq-1")
    )

    answers = tg.fake.calls_to("answerCallbackQuery")
    assert [(call.params["callback_query_id"], call.status) for call in answers] == [("cbq-1", 200)]
    assert tg.texts(ANN)[-1].startswith("Let me look that up for you. What's your order number?")
    assert len(tg.texts(ANN)) == 2


async def test_deep_link_verifies_without_email(telegram_server: ServerFactory, mode: str) -> None:
    tg = await telegram_server(mode)
    customer_id = await _customer_id(tg, "ann@example.com")
    token = sign_link(customer_id, LINK_SECRET, datetime.now(UTC) + timedelta(days=1))

    await tg.send(make_start_update(ANN, token))
    assert tg.texts(ANN) == [with_disclosure(LINK_OK.format(name=", Ann")), OFFER_TEXT]
    identity = await tg.identity(ANN)
    assert identity is not None and identity.verified and identity.customer_id == customer_id

    await tg.send(make_text_update(ANN, "where is my order?"))
    assert "Your Kettle Pro 200 (order #1001) is on its way." in tg.texts(ANN)[-1]


async def test_tampered_deep_link_verifies_nothing(telegram_server: ServerFactory, mode: str) -> None:
    tg = await telegram_server(mode)
    customer_id = await _customer_id(tg, "ann@example.com")
    token = sign_link(customer_id, LINK_SECRET, datetime.now(UTC) + timedelta(days=1))
    tampered = token[:5] + ("A" if token[5] != "A" else "B") + token[6:]

    await tg.send(make_start_update(ANN, tampered))
    assert tg.texts(ANN) == [with_disclosure(LINK_BAD)]
    identity = await tg.identity(ANN)
    assert identity is not None and not identity.verified and identity.customer_id is None

    await tg.send(make_text_update(ANN, "where is my order?"))
    assert "What's your order number?" in tg.texts(ANN)[-1]


async def test_expired_deep_link_verifies_nothing(telegram_server: ServerFactory, mode: str) -> None:
    tg = await telegram_server(mode)
    customer_id = await _customer_id(tg, "ann@example.com")
    token = sign_link(customer_id, LINK_SECRET, datetime.now(UTC) - timedelta(minutes=1))

    await tg.send(make_start_update(ANN, token))
    assert tg.texts(ANN) == [with_disclosure(LINK_BAD)]
    identity = await tg.identity(ANN)
    assert identity is not None and not identity.verified


async def test_redelivered_update_is_processed_once(telegram_server: ServerFactory, mode: str) -> None:
    tg = await telegram_server(mode)
    first = await tg.send(make_text_update(ANN, "where is my order?"))
    again = await tg.send(make_text_update(ANN, "where is my order?", update_id=first["update_id"]))
    assert again["update_id"] == first["update_id"]
    assert len(tg.texts(ANN)) == 1
    async with tg.store.transaction() as repos:
        conversation = await repos.conversations.get(channel="telegram", external_id=str(ANN))
        assert conversation is not None
        lines = await repos.transcript.recent(conversation_id=int(conversation.id or 0), limit=10)
    assert [line.direction for line in lines].count("in") == 1


async def test_edited_message_is_read_as_a_new_message_once(
    telegram_server: ServerFactory, mode: str
) -> None:
    tg = await telegram_server(mode)
    sent = await tg.send(make_text_update(ANN, "where is my oder"))
    message_id = sent["message"]["message_id"]
    edit = await tg.send(make_edited_message_update(ANN, message_id, "1001"))
    await tg.send(make_edited_message_update(ANN, message_id, "1001", update_id=edit["update_id"]))
    texts = tg.texts(ANN)
    assert len(texts) == 2
    assert "email address or phone number you used for order #1001" in texts[1]


@ONE_MODE
async def test_accepting_the_offer_makes_telegram_the_preferred_channel(
    telegram_server: ServerFactory, mode: str
) -> None:
    tg = await telegram_server(mode)
    customer_id = await _customer_id(tg, "ann@example.com")
    await tg.send(
        make_start_update(ANN, sign_link(customer_id, LINK_SECRET, datetime.now(UTC) + timedelta(days=1)))
    )
    assert _buttons(tg.last_message(ANN)) == [
        ("Yes, send updates here", ACCEPT_UPDATES_PAYLOAD),
        ("No, thanks", DECLINE_UPDATES_PAYLOAD),
    ]

    await tg.send(make_callback_update(ANN, ACCEPT_UPDATES_PAYLOAD, tg.bot_message_id(ANN)))

    assert tg.texts(ANN)[-1] == "From now on your updates come here, on Telegram."
    identity = await tg.identity(ANN)
    assert identity is not None and identity.accepted_updates
    async with tg.store.transaction() as repos:
        preference = await repos.preferences.get(customer_id=customer_id)
    assert preference is not None and preference.preferred_identity_id == identity.id

    # verified again later: no second offer
    await tg.send(
        make_start_update(ANN, sign_link(customer_id, LINK_SECRET, datetime.now(UTC) + timedelta(days=1)))
    )
    assert tg.texts(ANN)[-1] == LINK_OK.format(name=", Ann")


@ONE_MODE
async def test_declining_the_offer_keeps_updates_off(telegram_server: ServerFactory, mode: str) -> None:
    tg = await telegram_server(mode)
    customer_id = await _customer_id(tg, "ann@example.com")
    await tg.send(
        make_start_update(ANN, sign_link(customer_id, LINK_SECRET, datetime.now(UTC) + timedelta(days=1)))
    )
    press = make_callback_update(ANN, DECLINE_UPDATES_PAYLOAD, tg.bot_message_id(ANN))
    first = await tg.send(press)
    await tg.send({**press, "update_id": first["update_id"]})

    assert tg.texts(ANN)[-1] == DECLINED_TEXT
    assert tg.texts(ANN).count(DECLINED_TEXT) == 1
    identity = await tg.identity(ANN)
    assert identity is not None and not identity.accepted_updates


async def test_stop_then_start_turns_updates_off_and_on(telegram_server: ServerFactory, mode: str) -> None:
    tg = await telegram_server(mode)
    customer_id = await _customer_id(tg, "ann@example.com")
    await tg.send(
        make_start_update(ANN, sign_link(customer_id, LINK_SECRET, datetime.now(UTC) + timedelta(days=1)))
    )
    await tg.send(make_callback_update(ANN, ACCEPT_UPDATES_PAYLOAD, tg.bot_message_id(ANN)))

    await tg.send(make_text_update(ANN, "/stop"))
    assert tg.texts(ANN)[-1].startswith("Done: I won't send you any more updates.")
    stopped = await tg.identity(ANN)
    assert stopped is not None and not stopped.accepted_updates
    assert set(stopped.opted_out_categories) == {
        "delays",
        "order_updates",
        "returns_refunds",
        "reviews",
        "setup_guides",
        "shipping_updates",
    }

    await tg.send(make_text_update(ANN, "/start"))
    assert tg.texts(ANN)[-1].startswith("Done: you'll get all our updates again.")
    started = await tg.identity(ANN)
    assert started is not None and started.accepted_updates and started.opted_out_categories == []

    # /start when nothing was stopped is just the greeting
    await tg.send(make_text_update(ANN, "/start"))
    assert tg.texts(ANN)[-1].startswith("Hi Ann! I can track your order")


@ONE_MODE
async def test_help_and_agent_commands(telegram_server: ServerFactory, mode: str) -> None:
    # Slack configured (not started here): a staff channel exists, so /agent opens a handoff
    tg = await telegram_server(mode, slack_bot_token="xoxb-test", slack_signing_secret="s")
    await tg.send(make_text_update(ANN, "/help"))
    assert tg.texts(ANN)[-1].startswith(with_disclosure("Hi! I can track your order"))
    await tg.send(make_text_update(ANN, "/agent@doorstep_test_bot"))
    assert tg.texts(ANN)[-1].startswith("I've passed our conversation to the support team.")
    assert DEFAULT_DISCLOSURE not in tg.texts(ANN)[-1]
    async with tg.store.transaction() as repos:
        handoffs = await repos.handoffs.list_open()
    assert len(handoffs) == 1


@ONE_MODE
async def test_disclosure_is_configurable_and_said_once(telegram_server: ServerFactory, mode: str) -> None:
    tg = await telegram_server(mode, disclosure_text="I'm the shop's bot. Type agent for a human.")
    await tg.send(make_text_update(ANN, "hello"))
    await tg.send(make_text_update(ANN, "hello"))
    first, second = tg.texts(ANN)
    assert first.startswith("I'm the shop's bot. Type agent for a human.\n\nHi! I can track your order")
    assert second.startswith("Hi! I can track your order")


@ONE_MODE
async def test_agent_without_a_staff_channel_says_how_to_reach_a_person(
    telegram_server: ServerFactory, mode: str
) -> None:
    tg = await telegram_server(mode, support_email="help@shop.test")
    await tg.send(make_text_update(ANN, "/agent"))
    answer = tg.texts(ANN)[-1]
    assert "nobody from our support team can reply in this chat" in answer
    assert "please email help@shop.test" in answer
    assert "passed our conversation" not in answer
    async with tg.store.transaction() as repos:
        assert await repos.handoffs.list_open() == []


@ONE_MODE
async def test_command_for_another_bot_is_not_ours(telegram_server: ServerFactory, mode: str) -> None:
    tg = await telegram_server(mode)
    await tg.send(make_text_update(-100, "hello group"))  # group chats are ignored
    await tg.send(make_text_update(ANN, "/help@some_other_bot"))
    assert tg.fake.sent_messages(-100) == []
    assert len(tg.texts(ANN)) == 1  # read as plain text, answered by the fallback


async def test_typing_is_shown_while_the_engine_works(telegram_server: ServerFactory, mode: str) -> None:
    tg = await telegram_server(mode)
    tg.runtime.channel.typing_delay = 0.0
    await tg.send(make_text_update(ANN, "hi"))
    actions = [call for call in tg.fake.calls_to("sendChatAction") if call.params["chat_id"] == ANN]
    assert [call.params["action"] for call in actions] == ["typing"]
    reply = tg.fake.calls_to("sendMessage")[-1]
    assert actions[0].at <= reply.at


@ONE_MODE
async def test_no_typing_for_a_quick_answer(telegram_server: ServerFactory, mode: str) -> None:
    tg = await telegram_server(mode)
    tg.runtime.channel.typing_delay = 5.0
    await tg.send(make_text_update(ANN, "hi"))
    assert tg.fake.calls_to("sendChatAction") == []
    assert len(tg.texts(ANN)) == 1
