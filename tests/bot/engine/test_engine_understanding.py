"""Reading messages: button payloads and NLU results become an Understanding."""

from __future__ import annotations

from bot.engine.understanding import MAX_TEXT_CHARS, from_payload, understand
from handlers.messages import Attachment, IncomingMessage
from tests.handlers.conversation_kit import shared_nlu


def test_intent_and_order_payloads() -> None:
    assert from_payload("intent:return_request").intent == "return_request"
    assert from_payload("order:1042").order_numbers == ("1042",)
    assert from_payload("order:other").order_numbers == ()
    plain = from_payload("return:item:KT-200")
    assert plain.intent is None and plain.payload == "return:item:KT-200"


def test_payload_wins_over_text() -> None:
    message = IncomingMessage(
        channel="web", external_id="v1", text="where is my order", payload="confirm:yes"
    )
    understood = understand(message, shared_nlu())
    assert understood.payload == "confirm:yes" and understood.intent is None and understood.text == ""


def test_text_goes_through_the_nlu() -> None:
    message = IncomingMessage(
        channel="web", external_id="v1", text="my kettle from order #1001 arrived broken"
    )
    understood = understand(message, shared_nlu())
    assert understood.intent == "delivery_problem"
    assert understood.order_numbers == ("1001",)
    assert understood.skus == ("KT-200",) and understood.products[0].name == "Kettle Pro 200"


def test_long_text_is_cut_and_attachments_kept() -> None:
    photo = Attachment(kind="photo", file_id="f1")
    message = IncomingMessage(channel="web", external_id="v1", text="a" * 5000, attachments=(photo,))
    understood = understand(message, shared_nlu())
    assert len(understood.text) == MAX_TEXT_CHARS and understood.attachments == (photo,)
