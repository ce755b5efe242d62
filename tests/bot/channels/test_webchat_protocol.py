"""The web chat frames: what the page may send, and how it becomes an IncomingMessage."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.channels.webchat.errors import BadFrame
from bot.channels.webchat.protocol import (
    MAX_SEQ,
    Ack,
    ChatFrame,
    Hello,
    external_id_for,
    is_visitor_id,
    new_visitor_id,
    parse_client_frame,
    reply_frame,
    to_incoming,
    visitor_of,
)
from handlers.messages import Button, IncomingMessage, Link, Reply

VISITOR = "AbCdEfGhIjKlMnOpQrStUv"
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def frame(**fields: object) -> str:
    return json.dumps(fields)


def test_hello_keeps_a_well_formed_visitor_id_and_drops_a_bad_one() -> None:
    assert parse_client_frame(frame(type="hello", visitor_id=VISITOR)) == Hello(VISITOR)
    assert parse_client_frame(frame(type="hello", visitor_id="short")) == Hello(None)
    assert parse_client_frame(frame(type="hello", visitor_id="x" * 20 + "<script>")) == Hello(None)
    assert parse_client_frame(frame(type="hello")) == Hello(None)


def test_hello_keeps_the_last_number_shown_when_it_is_a_whole_number() -> None:
    assert parse_client_frame(frame(type="hello", visitor_id=VISITOR, last_seq=7)) == Hello(VISITOR, 7)
    assert parse_client_frame(frame(type="hello", visitor_id=VISITOR, last_seq=0)) == Hello(VISITOR, 0)
    for bad in (-1, 1.5, "7", True, None, MAX_SEQ + 1, [7]):
        assert parse_client_frame(frame(type="hello", visitor_id=VISITOR, last_seq=bad)) == Hello(VISITOR)


def test_ack_frames_name_a_number_from_1() -> None:
    assert parse_client_frame(frame(type="ack", seq=3)) == Ack(3)
    assert parse_client_frame(frame(type="ack", seq=MAX_SEQ)) == Ack(MAX_SEQ)
    for bad in (0, -2, 2.0, "3", False, MAX_SEQ + 1, None):
        with pytest.raises(BadFrame) as refused:
            parse_client_frame(frame(type="ack", seq=bad))
        assert refused.value.reason == f"seq must be a whole number from 1 to {MAX_SEQ}"


def test_message_and_button_frames() -> None:
    assert parse_client_frame(frame(type="message", id="m1", text="  where is my order \n")) == ChatFrame(
        id="m1", text="where is my order"
    )
    assert parse_client_frame(
        frame(type="button", id="m2", payload="order:1001", title="#1001", link_token="abc.def")
    ) == ChatFrame(id="m2", text="", payload="order:1001", link_token="abc.def")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("not json", "frame is not valid JSON (malformed JSON at line 1 column 1: Expecting value)"),
        ("[" * 20_000 + "]" * 20_000, "frame is not valid JSON (JSON nested too deeply)"),
        ("[1, 2]", "frame must be a JSON object"),
        (frame(type="shout", id="m1"), "unknown frame type 'shout'; expected hello, ack, message or button"),
        (frame(text="hi", id="m1"), "unknown frame type 'None'; expected hello, ack, message or button"),
        (
            frame(type="message", text="hi"),
            "id must be 1-64 characters of letters, digits, '_', '-', '.' or ':'",
        ),
        (
            frame(type="message", id="a b", text="hi"),
            "id must be 1-64 characters of letters, digits, '_', '-', '.' or ':'",
        ),
        (frame(type="message", id="m1", text=5), "text must be a string"),
        (frame(type="message", id="m1", text="   "), "text is empty"),
        (frame(type="message", id="m1", text="a" * 2001), "text is longer than 2000 characters"),
        (frame(type="button", id="m1"), "payload must be a non-empty string"),
        (frame(type="button", id="m1", payload="p" * 201), "payload is longer than 200 characters"),
        (frame(type="button", id="m1", payload="p", title=3), "title must be a string"),
        (
            frame(type="message", id="m1", text="hi", link_token="a b"),
            "link_token must be printable ASCII without spaces",
        ),
    ],
)
def test_bad_frames_are_refused_with_a_reason(raw: str, reason: str) -> None:
    with pytest.raises(BadFrame) as refused:
        parse_client_frame(raw)
    assert refused.value.reason == reason


def test_a_bad_frame_with_an_id_names_it() -> None:
    with pytest.raises(BadFrame) as refused:
        parse_client_frame(frame(type="message", id="m7", text="a" * 2001))
    assert refused.value.frame_id == "m7"


def test_exactly_2000_characters_is_accepted() -> None:
    parsed = parse_client_frame(frame(type="message", id="m1", text="é" * 2000))
    assert isinstance(parsed, ChatFrame) and len(parsed.text) == 2000


def test_to_incoming_is_channel_web_with_the_message_id_namespaced_by_visitor() -> None:
    chat = ChatFrame(id="m1", text="", payload="order:1001", link_token="tok")
    assert to_incoming(chat, VISITOR, NOW) == IncomingMessage(
        channel="web",
        external_id=f"web:{VISITOR}",
        text="",
        payload="order:1001",
        message_id=f"{VISITOR}/m1",
        received_at=NOW,
        link_token="tok",
    )


def test_visitor_ids_round_trip_through_external_ids() -> None:
    fresh = new_visitor_id()
    assert is_visitor_id(fresh) and fresh != new_visitor_id()
    assert external_id_for(fresh) == f"web:{fresh}"
    assert visitor_of(f"web:{fresh}") == fresh
    assert visitor_of(f"telegram:{fresh}") is None
    assert visitor_of("web:short") is None
    assert visitor_of(fresh) is None


def test_reply_frame_always_carries_buttons_and_links() -> None:
    reply = Reply(
        "Shipped.\nArrives Tuesday.", [Button("Didn't get it?", "problem")], [Link("Track", "https://t/1")]
    )
    assert reply_frame(reply, in_reply_to="m1") == {
        "type": "reply",
        "id": "m1",
        "pushed": False,
        "reply": {
            "text": "Shipped.\nArrives Tuesday.",
            "buttons": [{"title": "Didn't get it?", "payload": "problem"}],
            "links": [{"title": "Track", "url": "https://t/1"}],
        },
    }
    assert reply_frame(Reply("Hello"), pushed=True) == {
        "type": "reply",
        "id": None,
        "pushed": True,
        "reply": {"text": "Hello", "buttons": [], "links": []},
    }
