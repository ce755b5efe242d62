"""The web chat over a real WebSocket (aiohttp client, no browser), against the real engine."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import ClientWebSocketResponse, WSMsgType

from bot.channels.senders import SENDERS
from handlers.messages import Link, Reply
from handlers.support import DEFAULT_DISCLOSURE, with_disclosure
from tests.bot.channels.conftest import StartServer, WebChatServer

ANN = "ann-visitor-0000000001"
ASKS_ORDER_NUMBER = "What's your order number?"


async def hello(
    ws: ClientWebSocketResponse, visitor_id: str | None = ANN, last_seq: int | None = None
) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "hello", "visitor_id": visitor_id}
    if last_seq is not None:
        frame["last_seq"] = last_seq
    await ws.send_json(frame)
    ready = await ws.receive_json(timeout=5)
    assert ready["type"] == "ready"
    return ready


async def exchange(ws: ClientWebSocketResponse, frame: dict[str, Any]) -> list[dict[str, Any]]:
    """Send a frame; the frames that answer it, up to and including done or error."""
    await ws.send_json(frame)
    answer: list[dict[str, Any]] = []
    while True:
        received = await ws.receive_json(timeout=10)
        answer.append(received)
        if received["type"] in ("done", "error"):
            return answer


async def test_hello_keeps_the_pages_visitor_id_or_hands_out_a_fresh_one(
    webchat_server: WebChatServer,
) -> None:
    async with webchat_server.client.ws_connect("/ws") as ws:
        assert await hello(ws) == {"type": "ready", "visitor_id": ANN, "queued": 0, "seq": 0}
    async with webchat_server.client.ws_connect("/ws") as ws:
        fresh = await hello(ws, visitor_id="<bad>")
    assert fresh["visitor_id"] != "<bad>" and len(fresh["visitor_id"]) == 22


async def test_a_message_gets_typing_then_the_reply_then_done(webchat_server: WebChatServer) -> None:
    async with webchat_server.client.ws_connect("/ws") as ws:
        await hello(ws)
        typing, reply, done = await exchange(ws, {"type": "message", "id": "m1", "text": "where is my order"})
    assert typing == {"type": "typing", "id": "m1"}
    assert reply["type"] == "reply" and reply["id"] == "m1" and reply["pushed"] is False
    assert ASKS_ORDER_NUMBER in reply["reply"]["text"]
    assert reply["reply"]["buttons"] == [] and reply["reply"]["links"] == []
    assert done == {"type": "done", "id": "m1", "duplicate": False}


async def test_the_first_reply_says_an_automated_assistant_answers(webchat_server: WebChatServer) -> None:
    async with webchat_server.client.ws_connect("/ws") as ws:
        await hello(ws)
        first = await exchange(ws, {"type": "message", "id": "m1", "text": "where is my order"})
        second = await exchange(ws, {"type": "message", "id": "m2", "text": "1001"})
    assert first[1]["reply"]["text"] == with_disclosure(
        "Let me look that up for you. What's your order number? You'll find it in your order confirmation "
        "email (for example #1042)."
    )
    assert DEFAULT_DISCLOSURE not in second[1]["reply"]["text"]


async def test_the_order_flow_ends_with_the_tracking_link(webchat_server: WebChatServer) -> None:
    async with webchat_server.client.ws_connect("/ws") as ws:
        await hello(ws)
        await exchange(ws, {"type": "message", "id": "m1", "text": "where is my order"})
        asked_email = await exchange(ws, {"type": "message", "id": "m2", "text": "1001"})
        status = await exchange(ws, {"type": "message", "id": "m3", "text": "ann@example.com"})
    assert "email address or phone number" in asked_email[1]["reply"]["text"]
    assert "is on its way." in status[1]["reply"]["text"]
    assert status[1]["reply"]["links"] == [
        {"title": "Track with UPS", "url": "https://track.example.test/1001"}
    ]


async def test_messages_reach_the_engine_as_the_web_channel(webchat_server: WebChatServer) -> None:
    async with webchat_server.client.ws_connect("/ws") as ws:
        await hello(ws)
        await exchange(ws, {"type": "message", "id": "m1", "text": "where is my order"})
    async with webchat_server.store.transaction() as repos:
        conversation = await repos.conversations.get(channel="web", external_id=f"web:{ANN}")
        assert conversation is not None and conversation.id is not None
        lines = await repos.transcript.recent(conversation_id=conversation.id)
    assert [line.direction for line in lines] == ["in", "out"]
    assert lines[0].text == "where is my order"
    assert ASKS_ORDER_NUMBER in lines[1].text


async def test_a_repeated_message_id_is_answered_once(webchat_server: WebChatServer) -> None:
    async with webchat_server.client.ws_connect("/ws") as ws:
        await hello(ws)
        first = await exchange(ws, {"type": "message", "id": "m1", "text": "where is my order"})
        again = await exchange(ws, {"type": "message", "id": "m1", "text": "where is my order"})
    assert [frame["type"] for frame in first] == ["typing", "reply", "done"]
    assert again == [{"type": "typing", "id": "m1"}, {"type": "done", "id": "m1", "duplicate": True}]


async def test_the_same_message_id_from_two_visitors_is_two_messages(webchat_server: WebChatServer) -> None:
    for visitor in (ANN, "bob-visitor-0000000002"):
        async with webchat_server.client.ws_connect("/ws") as ws:
            await hello(ws, visitor)
            answer = await exchange(ws, {"type": "message", "id": "m1", "text": "where is my order"})
        assert [frame["type"] for frame in answer] == ["typing", "reply", "done"]


async def test_bad_frames_get_an_error_frame_and_the_socket_stays_open(webchat_server: WebChatServer) -> None:
    async with webchat_server.client.ws_connect("/ws") as ws:
        await ws.send_json({"type": "message", "id": "m0", "text": "hi"})
        assert await ws.receive_json() == {
            "type": "error",
            "reason": "send hello with your visitor_id first",
            "id": "m0",
        }
        await hello(ws)
        await ws.send_str("{not json")
        assert await ws.receive_json() == {
            "type": "error",
            "reason": "frame is not valid JSON "
            "(malformed JSON at line 1 column 2: Expecting property name enclosed in double quotes)",
            "id": None,
        }
        await ws.send_json({"type": "subscribe", "id": "m1"})
        assert await ws.receive_json() == {
            "type": "error",
            "reason": "unknown frame type 'subscribe'; expected hello, ack, message or button",
            "id": None,
        }
        await ws.send_json({"type": "message", "id": "m2", "text": "x" * 2001})
        assert await ws.receive_json() == {
            "type": "error",
            "reason": "text is longer than 2000 characters",
            "id": "m2",
        }
        await ws.send_bytes(b"\x00\x01")
        assert await ws.receive_json() == {
            "type": "error",
            "reason": "binary frames are not accepted; send JSON text",
            "id": None,
        }
        await ws.send_json({"type": "hello", "visitor_id": ANN})
        assert (await ws.receive_json())["reason"] == "hello was already sent on this connection"
        answer = await exchange(ws, {"type": "message", "id": "m3", "text": "where is my order"})
    assert ASKS_ORDER_NUMBER in answer[1]["reply"]["text"]


async def test_hostile_json_gets_an_error_frame_and_the_socket_stays_open(
    webchat_server: WebChatServer,
) -> None:
    async with webchat_server.client.ws_connect("/ws") as ws:
        await hello(ws)
        for raw, reason in [
            ("[" * 20_000 + "]" * 20_000, "JSON nested too deeply"),
            ('{"type": "message", "id": "m1", "text": "hi", "n": ' + "9" * 5000 + "}", "out of range"),
        ]:
            await ws.send_str(raw)
            refused = await ws.receive_json(timeout=5)
            assert refused["type"] == "error" and reason in refused["reason"]
        answer = await exchange(ws, {"type": "message", "id": "m2", "text": "where is my order \ud83d"})
    assert ASKS_ORDER_NUMBER in answer[1]["reply"]["text"]
    assert answer[-1] == {"type": "done", "id": "m2", "duplicate": False}
    assert ws.close_code == 1000


async def test_a_huge_frame_closes_the_socket_with_1009(webchat_server: WebChatServer) -> None:
    async with webchat_server.client.ws_connect("/ws") as ws:
        await hello(ws)
        await ws.send_str("x" * 70_000)
        closing = await ws.receive(timeout=5)
    assert closing.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING)
    assert ws.close_code == 1009


async def test_too_many_messages_are_refused_with_retry_after(start_webchat: StartServer) -> None:
    server = await start_webchat(chat_rate_limit_per_minute=2)
    async with server.client.ws_connect("/ws") as ws:
        await hello(ws)
        await exchange(ws, {"type": "message", "id": "m1", "text": "hi"})
        await exchange(ws, {"type": "message", "id": "m2", "text": "hi"})
        refused = await exchange(ws, {"type": "message", "id": "m3", "text": "hi"})
    assert refused == [
        {
            "type": "error",
            "reason": "You're sending messages a little too fast. Please wait 30 seconds and try again.",
            "id": "m3",
            "retry_after": 30,
        }
    ]


async def test_the_sender_is_registered_for_the_web_channel(webchat_server: WebChatServer) -> None:
    assert webchat_server.app[SENDERS].get("web") is webchat_server.sender


def pushed(text: str, seq: int, links: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """A stored reply frame as the page receives it."""
    return {
        "type": "reply",
        "id": None,
        "pushed": True,
        "reply": {"text": text, "buttons": [], "links": links or []},
        "seq": seq,
    }


async def test_a_push_reaches_every_open_page_of_the_visitor(webchat_server: WebChatServer) -> None:
    reply = Reply(
        "Your parcel is out for delivery.", links=[Link("Track", "https://track.example.test/1001")]
    )
    async with (
        webchat_server.client.ws_connect("/ws") as first,
        webchat_server.client.ws_connect("/ws") as second,
    ):
        await hello(first)
        await hello(second)
        result = await webchat_server.sender.send(f"web:{ANN}", reply)
        received = [await first.receive_json(timeout=5), await second.receive_json(timeout=5)]
    [stored] = await webchat_server.hub.mailbox.after(ANN, 0, limit=10)
    assert result.provider_message_id == f"web-{stored.id}"
    expected = pushed(
        "Your parcel is out for delivery.", 1, [{"title": "Track", "url": "https://track.example.test/1001"}]
    )
    assert received == [expected, expected]


async def test_a_push_to_an_absent_visitor_arrives_when_the_page_reconnects_once_acknowledged(
    webchat_server: WebChatServer,
) -> None:
    async with webchat_server.client.ws_connect("/ws") as ws:
        await hello(ws)
    assert not webchat_server.hub.is_online(ANN)
    await webchat_server.sender.send(f"web:{ANN}", Reply("Sorry for the wait: Sam from support here."))
    await webchat_server.sender.send(f"web:{ANN}", Reply("Your refund was issued."))
    async with webchat_server.client.ws_connect("/ws") as ws:
        assert await hello(ws) == {"type": "ready", "visitor_id": ANN, "queued": 2, "seq": 0}
        missed = [await ws.receive_json(timeout=5), await ws.receive_json(timeout=5)]
        await ws.send_json({"type": "ack", "seq": 2})
        assert await exchange(ws, {"type": "message", "id": "m1", "text": "thanks"})  # the ack was read first
    assert missed == [
        pushed("Sorry for the wait: Sam from support here.", 1),
        pushed("Your refund was issued.", 2),
    ]
    assert (await webchat_server.hub.mailbox.position(ANN)).acked_seq == 2
    # acknowledged: a page that comes back (even one that forgot what it saw) gets nothing again
    async with webchat_server.client.ws_connect("/ws") as ws:
        assert await hello(ws) == {"type": "ready", "visitor_id": ANN, "queued": 0, "seq": 2}


async def test_a_page_that_saw_messages_it_could_not_acknowledge_does_not_get_them_again(
    webchat_server: WebChatServer,
) -> None:
    for text in ("one", "two", "three"):
        await webchat_server.sender.send(f"web:{ANN}", Reply(text))
    async with webchat_server.client.ws_connect("/ws") as ws:
        # the page showed 1 and 2 before its connection dropped (no ack reached the server)
        assert await hello(ws, last_seq=2) == {"type": "ready", "visitor_id": ANN, "queued": 1, "seq": 2}
        assert await ws.receive_json(timeout=5) == pushed("three", 3)
    async with webchat_server.client.ws_connect("/ws") as ws:
        # a number the server never gave out (its mailbox was reset): start from what it knows
        assert await hello(ws, last_seq=99) == {"type": "ready", "visitor_id": ANN, "queued": 3, "seq": 0}


async def test_pushes_keep_their_order_while_the_page_is_open(webchat_server: WebChatServer) -> None:
    async with webchat_server.client.ws_connect("/ws") as ws:
        await hello(ws)
        for n in range(1, 31):
            await webchat_server.sender.send(f"web:{ANN}", Reply(f"update {n}"))
        received = [await ws.receive_json(timeout=5) for _ in range(30)]
    assert received == [pushed(f"update {n}", n) for n in range(1, 31)]


async def test_an_ack_before_hello_or_with_a_bad_number_gets_an_error_frame(
    webchat_server: WebChatServer,
) -> None:
    async with webchat_server.client.ws_connect("/ws") as ws:
        await ws.send_json({"type": "ack", "seq": 1})
        assert await ws.receive_json(timeout=5) == {
            "type": "error",
            "reason": "send hello with your visitor_id first",
            "id": None,
        }
        await hello(ws)
        await ws.send_json({"type": "ack", "seq": "1"})
        error = await ws.receive_json(timeout=5)
    assert error["type"] == "error" and error["reason"].startswith("seq must be a whole number")
    assert (await webchat_server.hub.mailbox.position(ANN)).acked_seq == 0


async def test_an_answer_whose_page_dropped_before_it_was_written_arrives_on_reconnect(
    start_webchat: StartServer,
) -> None:
    webchat_server = await start_webchat(like_run_app=True)
    async with webchat_server.client.ws_connect("/ws") as ws:
        await hello(ws)
        await ws.send_json({"type": "message", "id": "m1", "text": "where is my order?"})
        ws._conn.transport.abort()  # type: ignore[union-attr]  # the network drops, no close frame
    for _ in range(100):
        if (await webchat_server.hub.mailbox.position(ANN)).last_seq:
            break
        await asyncio.sleep(0.05)
    async with webchat_server.client.ws_connect("/ws") as ws:
        ready = await hello(ws)
        stored = [await ws.receive_json(timeout=5) for _ in range(ready["queued"])]
    assert ready["queued"] >= 1
    assert stored[-1]["id"] == "m1" and stored[-1]["pushed"] is True
    assert ASKS_ORDER_NUMBER in stored[-1]["reply"]["text"]
    assert [frame["seq"] for frame in stored] == list(range(1, len(stored) + 1))


async def test_the_page_and_its_assets_are_served_with_a_strict_policy(webchat_server: WebChatServer) -> None:
    page = await webchat_server.client.get("/?t=abc")
    assert page.status == 200 and page.content_type == "text/html"
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy and "unsafe-inline" not in policy
    assert page.headers["Referrer-Policy"] == "no-referrer"
    html = await page.text()
    assert '<ol id="messages" class="messages" role="log" aria-live="polite"' in html
    assert '<script src="/static/chat.js" defer></script>' in html
    script = await webchat_server.client.get("/static/chat.js")
    assert script.status == 200 and script.content_type == "text/javascript"
    assert "innerHTML" not in await script.text()
    style = await webchat_server.client.get("/static/chat.css")
    assert style.status == 200 and style.content_type == "text/css"
    for missing in ("/static/index.html", "/static/feature.py", "/static/..%2ffeature.py"):
        assert (await webchat_server.client.get(missing)).status == 404


async def test_on_sqlite_a_push_while_away_survives_a_restart_and_arrives_once(
    start_webchat: StartServer,
) -> None:
    before = await start_webchat()
    async with before.client.ws_connect("/ws") as ws:
        await hello(ws)
    await before.sender.send(f"web:{ANN}", Reply("Your parcel is delayed by a day."))
    await before.client.close()  # the server stops; the message stays in the database

    after = await start_webchat()
    async with after.client.ws_connect("/ws") as ws:
        assert await hello(ws) == {"type": "ready", "visitor_id": ANN, "queued": 1, "seq": 0}
        assert await ws.receive_json(timeout=5) == pushed("Your parcel is delayed by a day.", 1)
        await ws.send_json({"type": "ack", "seq": 1})
        await exchange(ws, {"type": "message", "id": "m1", "text": "ok"})
    async with after.client.ws_connect("/ws") as ws:
        assert await hello(ws, last_seq=0) == {"type": "ready", "visitor_id": ANN, "queued": 0, "seq": 1}
