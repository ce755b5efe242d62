"""Webhook bodies -> shopper messages and delivery reports (pure)."""

from __future__ import annotations

import pytest

from bot.channels.whatsapp.adapter import InboundKind, parse_webhook
from bot.channels.whatsapp.errors import MalformedWebhook
from tests.fakes.whatsapp import FakeWhatsApp

ANN = "15550123"


@pytest.fixture
def fake() -> FakeWhatsApp:
    return FakeWhatsApp()  # not started: only its payload builders are used


def test_text_button_and_list_reply(fake: FakeWhatsApp) -> None:
    [text] = parse_webhook(fake.text_message(ANN, "  where is my order?  "), fake.phone_number_id).messages
    assert (text.kind, text.wa_id, text.message.text, text.message.payload) == (
        InboundKind.MESSAGE,
        ANN,
        "where is my order?",
        None,
    )
    assert text.message.display_name == "Ann Lee" and text.message_id.startswith("wamid.")
    assert text.message.received_at is not None
    [button] = parse_webhook(fake.button_reply(ANN, "intent:order_status", "Where is my order?")).messages
    assert (button.message.text, button.message.payload) == ("", "intent:order_status")
    [row] = parse_webhook(fake.list_reply(ANN, "prefs:stop:all")).messages
    assert row.message.payload == "prefs:stop:all"


def test_a_link_token_in_the_text_is_taken_out(fake: FakeWhatsApp) -> None:
    token = "AQAAAAAAAAAHaVYh5p5Kk1ZqzV3xq0b9mYw7QpU"
    assert len(token) == 39
    [bare] = parse_webhook(fake.text_message(ANN, token)).messages
    assert (bare.message.text, bare.message.link_token) == ("", token)
    [worded] = parse_webhook(fake.text_message(ANN, f"Hi! {token}")).messages
    assert (worded.message.text, worded.message.link_token) == ("Hi!", token)


def test_files_and_other_types(fake: FakeWhatsApp) -> None:
    [photo] = parse_webhook(fake.media_message(ANN, "image", media_id="M1", caption="broken lid")).messages
    assert photo.message.text == "broken lid"
    assert [(a.kind, a.file_id) for a in photo.message.attachments] == [("photo", "M1")]
    [doc] = parse_webhook(fake.media_message(ANN, "document", media_id="D1", filename="receipt.pdf")).messages
    assert [(a.kind, a.file_name) for a in doc.message.attachments] == [("document", "receipt.pdf")]
    for kind in ("sticker", "audio", "video", "location", "contacts"):
        [other] = parse_webhook(fake.media_message(ANN, kind)).messages
        assert other.kind is InboundKind.UNSUPPORTED and other.type == kind
    assert parse_webhook(fake.media_message(ANN, "reaction")).messages == []


def test_statuses_with_errors(fake: FakeWhatsApp) -> None:
    batch = parse_webhook(fake.status("wamid.X", "failed", errors=[131026]))
    [report] = batch.statuses
    assert (report.provider_message_id, report.status, report.errors) == (
        "wamid.X",
        "failed",
        ((131026, "Message undeliverable"),),
    )
    assert batch.messages == []


def test_another_number_is_skipped_and_non_notifications_refused(fake: FakeWhatsApp) -> None:
    assert parse_webhook(fake.text_message(ANN, "hi"), "someone-else").messages == []
    for body in (None, [], "x", {"object": "page", "entry": []}, {"object": "whatsapp_business_account"}):
        with pytest.raises(MalformedWebhook):
            parse_webhook(body)
