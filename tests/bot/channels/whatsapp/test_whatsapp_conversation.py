"""Shoppers talking to the WhatsApp channel: the real pywa client against FakeWhatsApp, signed webhooks."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.channels.telegram.feature import telegram_feature
from bot.channels.whatsapp.feature import whatsapp_feature
from bot.channels.whatsapp.wording import (
    ACCEPT_UPDATES_PAYLOAD,
    DECLINE_UPDATES_PAYLOAD,
    DECLINED_TEXT,
    OFFER_TEXT,
    UNSUPPORTED_TEXT,
)
from bot.engine.engine import LINK_OK, Engine, EngineResult
from bot.engine.feature import conversation_feature
from bot.links import sign_link
from handlers.messages import IncomingMessage
from handlers.preference_requests import CATEGORIES
from handlers.support import with_disclosure
from tests.bot.channels.whatsapp.conftest import ANN, API_TOKEN, LINK_SECRET, ServerFactory, expected_delivery


async def test_wismo_with_verification_and_a_button_press(whatsapp_server: ServerFactory) -> None:
    wa = await whatsapp_server()

    await wa.say(ANN, "hi")
    greeting = wa.fake.messages_to(ANN)[-1]
    assert greeting.kind == "interactive.list"  # the menu has more than three choices
    assert ("Where is my order?", "intent:order_status") in greeting.buttons

    await wa.press(ANN, "intent:order_status", "Where is my order?")
    assert "What's your order number?" in wa.texts(ANN)[-1]
    await wa.say(ANN, "1001")
    assert "email address or phone number you used for order #1001" in wa.texts(ANN)[-1]
    await wa.say(ANN, "ann@example.com")

    eta = expected_delivery()
    answer = next(m for m in wa.fake.messages_to(ANN) if "is on its way" in m.text)
    assert answer.text.startswith(
        f"Your Kettle Pro 200 (order #1001) is on its way. Expected delivery: {eta:%A} {eta.day} {eta:%B}. "
        "UPS tracking number: 1Z999AA10000001001."
    )
    # the tracking link goes in the text
    assert "Track with UPS: https://track.example.test/1001" in answer.text
    # verified: the bot asks once whether to send updates here, as reply buttons
    offer = wa.fake.messages_to(ANN)[-1]
    assert offer.text == OFFER_TEXT
    assert offer.kind == "interactive.button"
    assert [payload for _, payload in offer.buttons] == [ACCEPT_UPDATES_PAYLOAD, DECLINE_UPDATES_PAYLOAD]
    assert all(len(title) <= 20 for title, _ in offer.buttons)

    identity = await wa.identity(ANN)
    assert identity is not None and identity.verified
    assert identity.customer_id == await wa.customer_id("ann@example.com")
    assert identity.display_name == "Ann Lee"
    assert identity.last_message_at is not None

    await wa.press(ANN, ACCEPT_UPDATES_PAYLOAD, "Yes, send updates")
    identity = await wa.identity(ANN)
    assert identity is not None and identity.accepted_updates
    # every shopper message was marked read
    assert len(wa.fake.read_marks()) == 5


async def test_wrong_email_reveals_nothing(whatsapp_server: ServerFactory) -> None:
    wa = await whatsapp_server()
    await wa.say(ANN, "where is my order 1001?")
    await wa.say(ANN, "eve@example.com")
    assert not any("Kettle" in text or "1Z999" in text for text in wa.texts(ANN))
    identity = await wa.identity(ANN)
    assert identity is not None and not identity.verified


async def test_redelivered_message_is_answered_once(whatsapp_server: ServerFactory) -> None:
    wa = await whatsapp_server()
    notification = wa.fake.text_message(ANN, "where is my order?", message_id="wamid.redelivered1")
    assert (await wa.fake.deliver(notification))[0] == 200
    sent = len(wa.fake.sent)
    assert sent == 1
    assert [mark["message_id"] for mark in wa.fake.read_marks()] == ["wamid.redelivered1"]

    for _ in range(2):  # Meta delivers the same notification again
        assert (await wa.fake.deliver(notification))[0] == 200
    assert len(wa.fake.sent) == sent
    assert len(wa.fake.read_marks()) == 1  # marked read once: the answer's turn did it

    sticker = wa.fake.media_message(ANN, "sticker")
    for _ in range(2):
        assert (await wa.fake.deliver(sticker))[0] == 200
    assert wa.texts(ANN)[-1] == UNSUPPORTED_TEXT
    assert wa.texts(ANN).count(UNSUPPORTED_TEXT) == 1


async def test_a_message_the_bot_failed_to_answer_is_not_marked_read(
    whatsapp_server: ServerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    wa = await whatsapp_server()

    async def broken(self: Engine, message: IncomingMessage) -> EngineResult:
        raise RuntimeError("the engine broke")

    monkeypatch.setattr(Engine, "handle", broken)
    notification = wa.fake.text_message(ANN, "where is my order?", message_id="wamid.failed1")
    assert (await wa.fake.deliver(notification))[0] == 500  # Meta delivers it again later
    await asyncio.sleep(0.2)  # a read mark sent anyway would have reached the fake by now
    assert wa.fake.read_marks() == []
    assert wa.fake.sent == []

    monkeypatch.undo()
    assert (await wa.fake.deliver(notification))[0] == 200
    assert [mark["message_id"] for mark in wa.fake.read_marks()] == ["wamid.failed1"]
    assert "What's your order number?" in wa.texts(ANN)[-1]


async def test_wa_me_link_token_verifies_without_email(whatsapp_server: ServerFactory) -> None:
    wa = await whatsapp_server()
    customer_id = await wa.customer_id("ann@example.com")
    token = sign_link(customer_id, LINK_SECRET, datetime.now(UTC) + timedelta(days=1))

    await wa.say(ANN, token)  # the text a wa.me/<number>?text=<token> link types in
    assert wa.texts(ANN) == [with_disclosure(LINK_OK.format(name=", Ann")), OFFER_TEXT]
    identity = await wa.identity(ANN)
    assert identity is not None and identity.verified and identity.customer_id == customer_id

    await wa.say(ANN, "where is my order?")
    assert any("Your Kettle Pro 200 (order #1001) is on its way." in text for text in wa.texts(ANN)[-2:])


async def test_stop_and_unsubscribe_stop_updates_and_start_restarts(whatsapp_server: ServerFactory) -> None:
    wa = await whatsapp_server()
    await wa.say(ANN, "where is my order 1001?")
    await wa.say(ANN, "ann@example.com")
    await wa.press(ANN, ACCEPT_UPDATES_PAYLOAD)
    # in the middle of a question, STOP still stops
    await wa.say(ANN, "I want to return something")
    await wa.say(ANN, "STOP")
    identity = await wa.identity(ANN)
    assert identity is not None and set(CATEGORIES) <= set(identity.opted_out_categories)

    await wa.say(ANN, "start")
    identity = await wa.identity(ANN)
    assert identity is not None and not identity.opted_out_categories

    await wa.say(ANN, "Unsubscribe.")
    identity = await wa.identity(ANN)
    assert identity is not None and set(CATEGORIES) <= set(identity.opted_out_categories)


async def test_declining_the_offer_is_answered_by_the_channel(whatsapp_server: ServerFactory) -> None:
    wa = await whatsapp_server()
    await wa.say(ANN, "where is my order 1001?")
    await wa.say(ANN, "ann@example.com")
    await wa.press(ANN, DECLINE_UPDATES_PAYLOAD, "No, thanks")
    assert wa.texts(ANN)[-1] == DECLINED_TEXT
    identity = await wa.identity(ANN)
    assert identity is not None and not identity.accepted_updates


async def test_phone_match_is_off_by_default_and_verifies_when_on(whatsapp_server: ServerFactory) -> None:
    off = await whatsapp_server()
    await off.say(ANN, "hi")
    identity = await off.identity(ANN)
    assert identity is not None and not identity.verified

    on = await whatsapp_server(whatsapp_phone_match_verifies=True)
    await on.say(ANN, "where is my order?")
    identity = await on.identity(ANN)
    assert identity is not None and identity.verified
    assert identity.customer_id == await on.customer_id("ann@example.com")
    assert any("Your Kettle Pro 200 (order #1001) is on its way." in text for text in on.texts(ANN))
    assert on.texts(ANN)[-1] == OFFER_TEXT

    # a number that matches nobody's phone stays unverified
    await on.say("15559999", "where is my order?")
    stranger = await on.identity("15559999")
    assert stranger is not None and not stranger.verified


async def test_photo_goes_to_the_open_case(whatsapp_server: ServerFactory) -> None:
    wa = await whatsapp_server()
    await wa.say(ANN, "where is my order 1001?")
    await wa.say(ANN, "ann@example.com")
    await wa.say(ANN, "my kettle arrived damaged")
    async with wa.store.transaction() as repos:
        case = await repos.cases.latest_open_for_customer(customer_id=await wa.customer_id("ann@example.com"))
    if case is None:  # the damage flow may ask a question first; answer it
        await wa.say(ANN, "the lid is cracked")
        async with wa.store.transaction() as repos:
            case = await repos.cases.latest_open_for_customer(
                customer_id=await wa.customer_id("ann@example.com")
            )
    assert case is not None
    photo = wa.fake.media_message(ANN, "image", media_id="MEDIA-42")
    assert (await wa.fake.deliver(photo))[0] == 200
    async with wa.store.transaction() as repos:
        case = await repos.cases.latest_open_for_customer(customer_id=await wa.customer_id("ann@example.com"))
    assert case is not None
    assert any(item.get("file_id") == "MEDIA-42" for item in case.attachments)


async def test_link_from_the_api_opens_a_verified_chat(whatsapp_server: ServerFactory) -> None:
    # the links endpoint comes with the Telegram feature, which adds only it while Telegram is off
    wa = await whatsapp_server(features=[conversation_feature, telegram_feature, whatsapp_feature])
    response = await wa.client.get("/api/orders/1001/links", headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert response.status == 200
    link = (await response.json())["whatsapp"]
    assert link.startswith(f"https://wa.me/{wa.fake.display_number}?text=")

    await wa.say(ANN, link.split("?text=")[1])

    identity = await wa.identity(ANN)
    assert identity is not None and identity.verified
    assert identity.customer_id == await wa.customer_id("ann@example.com")
