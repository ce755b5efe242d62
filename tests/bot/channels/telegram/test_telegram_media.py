"""Photos, documents, stickers and other non-text updates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.channels.chat_answers import ATTACHMENT_WITHOUT_CASE_TEXT
from bot.channels.telegram.wording import UNSUPPORTED_TEXT
from bot.engine.engine import HANDOFF_ACK
from bot.links import sign_link
from tests.bot.channels.telegram.conftest import LINK_SECRET, ONE_MODE, ServerFactory, TelegramHarness
from tests.fakes.telegram import make_photo_update, make_sticker_update, make_text_update

ANN = 5001


async def _verify_ann(tg: TelegramHarness) -> int:
    async with tg.store.transaction() as repos:
        customer = await repos.customers.by_email(email="ann@example.com")
    assert customer is not None and customer.id is not None
    await tg.send(
        make_text_update(
            ANN, f"/start {sign_link(int(customer.id), LINK_SECRET, datetime.now(UTC) + timedelta(days=1))}"
        )
    )
    return int(customer.id)


async def _open_case(tg: TelegramHarness, customer_id: int) -> int:
    async with tg.store.transaction() as repos:
        order = await repos.orders.by_number(order_number="1001")
        assert order is not None
        case = await repos.cases.open(
            order_id=int(order.id or 0), customer_id=customer_id, kind="damaged", description="lid cracked"
        )
    return int(case.id or 0)


async def _case_attachments(tg: TelegramHarness, case_id: int) -> list[dict[str, Any]]:
    async with tg.store.transaction() as repos:
        cases = await repos.cases.open_for_order(
            order_id=(await repos.orders.by_number(order_number="1001")).id
        )  # type: ignore[union-attr]
    return next(case.attachments for case in cases if case.id == case_id)


async def test_photo_is_attached_to_the_open_case(telegram_server: ServerFactory, mode: str) -> None:
    tg = await telegram_server(mode)
    customer_id = await _verify_ann(tg)
    case_id = await _open_case(tg, customer_id)

    photo = make_photo_update(ANN, file_id="PHOTO-BIG-1")
    first = await tg.send(photo)
    await tg.send({**photo, "update_id": first["update_id"]})  # redelivered

    assert (
        tg.texts(ANN)[-1]
        == f"Thanks, I've added your photo to case #{case_id}. Our support team will see it."
    )
    assert tg.texts(ANN).count(tg.texts(ANN)[-1]) == 1
    # the largest size, once
    assert await _case_attachments(tg, case_id) == [
        {"kind": "photo", "file_id": "PHOTO-BIG-1", "mime_type": "image/jpeg"}
    ]


@ONE_MODE
async def test_document_is_attached_to_the_open_case(telegram_server: ServerFactory, mode: str) -> None:
    tg = await telegram_server(mode)
    customer_id = await _verify_ann(tg)
    case_id = await _open_case(tg, customer_id)
    update = make_text_update(ANN, "x")
    message = update["message"]
    del message["text"]
    message["document"] = {
        "file_id": "DOC-1",
        "file_unique_id": "UDOC1",
        "file_name": "receipt.pdf",
        "mime_type": "application/pdf",
    }

    await tg.send(update)

    assert (
        tg.texts(ANN)[-1]
        == f"Thanks, I've added your document to case #{case_id}. Our support team will see it."
    )
    assert await _case_attachments(tg, case_id) == [
        {"kind": "document", "file_id": "DOC-1", "file_name": "receipt.pdf", "mime_type": "application/pdf"}
    ]


@ONE_MODE
async def test_photo_without_an_open_case_is_acknowledged(telegram_server: ServerFactory, mode: str) -> None:
    tg = await telegram_server(mode)
    await tg.send(make_photo_update(ANN))
    assert tg.texts(ANN) == [ATTACHMENT_WITHOUT_CASE_TEXT.format(what="photo")]


@ONE_MODE
async def test_photo_during_a_handoff_goes_to_the_handoff(telegram_server: ServerFactory, mode: str) -> None:
    tg = await telegram_server(mode, slack_bot_token="xoxb-test", slack_signing_secret="s")
    await tg.send(make_text_update(ANN, "/agent"))
    await tg.send(make_photo_update(ANN, file_id="PHOTO-HANDOFF"))

    assert tg.texts(ANN)[-1] == HANDOFF_ACK
    async with tg.store.transaction() as repos:
        (handoff,) = await repos.handoffs.list_open()
    assert [item["file_id"] for item in handoff.attachments] == ["PHOTO-HANDOFF"]


@ONE_MODE
async def test_photo_with_a_caption_reporting_damage(telegram_server: ServerFactory, mode: str) -> None:
    tg = await telegram_server(mode)
    customer_id = await _verify_ann(tg)
    case_id = await _open_case(tg, customer_id)
    await tg.send(make_photo_update(ANN, caption="the box arrived crushed", file_id="PHOTO-CAPTION"))
    # the caption is read by the engine; the photo still lands on the open case
    assert len(tg.texts(ANN)) >= 3
    attachments = await _case_attachments(tg, case_id)
    assert [item["file_id"] for item in attachments] == ["PHOTO-CAPTION"]


async def test_sticker_gets_a_friendly_answer_once(telegram_server: ServerFactory, mode: str) -> None:
    tg = await telegram_server(mode)
    sticker = make_sticker_update(ANN)
    first = await tg.send(sticker)
    await tg.send({**sticker, "update_id": first["update_id"]})
    assert tg.texts(ANN) == [UNSUPPORTED_TEXT]


@ONE_MODE
async def test_voice_and_location_get_the_friendly_answer(telegram_server: ServerFactory, mode: str) -> None:
    tg = await telegram_server(mode)
    voice = make_text_update(ANN, "x")
    del voice["message"]["text"]
    voice["message"]["voice"] = {"file_id": "VOICE", "file_unique_id": "UV", "duration": 3}
    location = make_text_update(ANN, "x")
    del location["message"]["text"]
    location["message"]["location"] = {"latitude": 42.35, "longitude": -71.06}

    await tg.send(voice)
    await tg.send(location)

    assert tg.texts(ANN) == [UNSUPPORTED_TEXT, UNSUPPORTED_TEXT]
