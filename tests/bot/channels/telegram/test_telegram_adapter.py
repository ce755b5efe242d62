"""Update -> Inbound translation (no I/O)."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Update

from bot.channels.telegram.adapter import InboundKind, parse_command, translate
from handlers.messages import Attachment
from tests.fakes.telegram import (
    make_callback_update,
    make_edited_message_update,
    make_photo_update,
    make_start_update,
    make_sticker_update,
    make_text_update,
)

CHAT = 4242


def _inbound(update: dict[str, Any], username: str | None = "doorstep_test_bot") -> Any:
    inbound = translate(update, username)
    # PTB reads the same update the same way (polling once got PTB objects): the same Inbound
    assert translate(Update.de_json(update, None).to_dict(), username) == inbound
    return inbound


def test_text_message() -> None:
    inbound = _inbound(make_text_update(CHAT, "  where is my order?  ", update_id=11, message_id=3))
    assert inbound.kind is InboundKind.MESSAGE
    assert inbound.chat_id == CHAT and inbound.update_id == 11 and inbound.callback_query_id is None
    message = inbound.message
    assert (message.channel, message.external_id, message.text, message.message_id) == (
        "telegram",
        str(CHAT),
        "where is my order?",
        "11",
    )
    assert message.display_name == "Ann" and message.payload is None and message.link_token is None


def test_button_press_carries_payload_and_query_id() -> None:
    inbound = _inbound(
        make_callback_update(CHAT, "intent:order_status", 9, update_id=12, callback_query_id="q1")
    )
    assert inbound.kind is InboundKind.MESSAGE
    assert inbound.callback_query_id == "q1"
    assert inbound.message.payload == "intent:order_status"
    assert inbound.message.text == "" and inbound.message.message_id == "12"


def test_start_with_payload_carries_the_link_token() -> None:
    inbound = _inbound(make_start_update(CHAT, "AbC_-123", update_id=13, message_id=4))
    assert (inbound.kind, inbound.command, inbound.argument) == (InboundKind.COMMAND, "start", "AbC_-123")
    assert inbound.message.link_token == "AbC_-123"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/start", ("start", "")),
        ("/HELP", ("help", "")),
        ("/stop@doorstep_test_bot", ("stop", "")),
        ("/agent  please ", ("agent", "please")),
        ("/start@other_bot abc", None),
        ("hello /start", None),
        ("/", None),
    ],
)
def test_parse_command(text: str, expected: tuple[str, str] | None) -> None:
    assert parse_command(text, "doorstep_test_bot") == expected


def test_photo_takes_the_largest_size_and_caption() -> None:
    inbound = _inbound(
        make_photo_update(CHAT, caption="crushed box", update_id=14, file_id="BIG", message_id=5)
    )
    assert inbound.kind is InboundKind.MESSAGE
    assert inbound.message.text == "crushed box"
    assert inbound.message.attachments == (Attachment(kind="photo", file_id="BIG", mime_type="image/jpeg"),)


def test_document() -> None:
    update = make_text_update(CHAT, "x", update_id=15, message_id=6)
    del update["message"]["text"]
    update["message"]["document"] = {
        "file_id": "D1",
        "file_unique_id": "U",
        "file_name": "r.pdf",
        "mime_type": "application/pdf",
    }
    inbound = _inbound(update)
    assert inbound.message.attachments == (
        Attachment(kind="document", file_id="D1", file_name="r.pdf", mime_type="application/pdf"),
    )
    assert inbound.message.text == ""


def test_sticker_is_unsupported() -> None:
    inbound = _inbound(make_sticker_update(CHAT, update_id=16, message_id=7))
    assert inbound.kind is InboundKind.UNSUPPORTED
    assert inbound.message.message_id == "16" and inbound.message.text == ""


def test_edited_message_is_a_message() -> None:
    inbound = _inbound(make_edited_message_update(CHAT, 7, "1001", update_id=17))
    assert (inbound.kind, inbound.edited, inbound.message.text, inbound.message.message_id) == (
        InboundKind.MESSAGE,
        True,
        "1001",
        "17",
    )


def test_group_chats_and_chatless_updates_are_ignored() -> None:
    assert _inbound(make_text_update(-100123, "hi", update_id=18, message_id=8)).kind is InboundKind.IGNORED
    chatless = {
        "update_id": 19,
        "inline_query": {
            "id": "1",
            "from": {"id": CHAT, "is_bot": False, "first_name": "Ann"},
            "query": "x",
            "offset": "",
        },
    }
    assert _inbound(chatless).kind is InboundKind.IGNORED


def test_full_name_and_last_name() -> None:
    update = make_text_update(CHAT, "hi", update_id=20, message_id=9)
    update["message"]["from"]["last_name"] = "Lee"
    assert _inbound(update).message.display_name == "Ann Lee"


def test_button_without_data_is_ignored_but_keeps_its_chat() -> None:
    update = make_callback_update(CHAT, "x", 9, update_id=21, callback_query_id="q2")
    del update["callback_query"]["data"]
    inbound = _inbound(update)
    assert (inbound.kind, inbound.chat_id, inbound.callback_query_id) == (InboundKind.IGNORED, CHAT, None)


def test_button_on_a_group_message_is_ignored() -> None:
    update = make_callback_update(-100555, "intent:order_status", 9, update_id=22)
    assert _inbound(update).kind is InboundKind.IGNORED


@pytest.mark.parametrize(
    "broken",
    [
        {"update_id": 30, "message": "not an object"},
        {"update_id": 31, "message": {"chat": {"id": "4242", "type": "private"}, "text": "hi"}},
        {"update_id": 32, "message": {"chat": {"id": CHAT}, "text": "hi"}},
        {"update_id": 33, "message": {"chat": None, "text": "hi"}},
        {"update_id": 34, "callback_query": {"id": "q", "data": "x", "message": {"chat": []}}},
        {"update_id": 35, "message_reaction": {"chat": {"id": CHAT, "type": "private"}}},
        {"update_id": "36", "message": {"chat": {"id": CHAT, "type": "private"}, "text": "hi"}},
    ],
)
def test_unreadable_or_foreign_updates_are_ignored(broken: dict[str, Any]) -> None:
    inbound = translate(broken, "doorstep_test_bot")
    assert inbound.kind is InboundKind.IGNORED and inbound.message is None


def test_wrongly_typed_optional_fields_are_left_out() -> None:
    update = make_text_update(CHAT, "hi", update_id=40, message_id=9)
    update["message"]["text"] = 12
    update["message"]["caption"] = "look"
    update["message"]["photo"] = [{"width": 1}, "x", {"file_id": "P", "width": 2, "height": 2}]
    update["message"]["from"] = "nobody"
    inbound = translate(update, "doorstep_test_bot")
    assert (inbound.kind, inbound.message.text, inbound.message.display_name) == (
        InboundKind.MESSAGE,
        "look",
        None,
    )
    assert inbound.message.attachments == (Attachment(kind="photo", file_id="P", mime_type="image/jpeg"),)
