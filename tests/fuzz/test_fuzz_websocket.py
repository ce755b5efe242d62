"""Property, over the web chat WebSocket ``/ws`` of the real server, on SQLite and on PostgreSQL:
whatever frames a page sends (valid hello and message frames, the same with parts replaced,
removed or re-typed, any JSON, raw text beyond the decoder's limits, invalid UTF-8, binary frames,
frames over the size limit), the server answers each with a frame or closes the socket with a
protocol code (1000, 1007, 1009), never with 1011 and never with an HTTP 500; and it stays healthy.
"""

from __future__ import annotations

import json

import pytest
from aiohttp import WSMsgType
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.webchat.socket import MAX_FRAME_BYTES
from tests.fuzz.conftest import HostileServer
from tests.fuzz.strategies import FUZZ, json_values, mutated

pytestmark = pytest.mark.asyncio(loop_scope="module")

#: the last frame of every example: its answer says every earlier frame was dealt with
SENTINEL = {"type": "hello", "visitor_id": "fuzz-sentinel-000000"}
PROTOCOL_CLOSE_CODES = {1000, 1007, 1009}

VISITOR_IDS = st.integers(min_value=0, max_value=10**6).map(lambda n: f"fuzz-visitor-{n:010d}")


def hello(visitor_id: str) -> dict[str, object]:
    return {"type": "hello", "visitor_id": visitor_id}


def message(n: int) -> dict[str, object]:
    return {"type": "message", "id": f"m{n}", "text": ["where is my order", "1001", "hi", "agent"][n % 4]}


def button(n: int) -> dict[str, object]:
    return {"type": "button", "id": f"b{n}", "payload": "intent:order_status", "title": "Where is my order?"}


FRAMES = st.integers(min_value=0, max_value=10**6).flatmap(
    lambda n: st.one_of(
        st.just(json.dumps(message(n))),
        st.just(json.dumps(button(n))),
        mutated(message(n)).map(json.dumps),
        mutated(button(n)).map(json.dumps),
        mutated(hello(f"fuzz-visitor-{n:010d}")).map(json.dumps),
        json_values.map(json.dumps),
        st.sampled_from(
            [
                "",
                "{",
                "null",
                "[" * 20_000 + "]" * 20_000,
                '{"type": "message", "id": "m", "text": "hi", "n": ' + "9" * 5000 + "}",
                '{"type": "message", "id": "m", "text": "\\ud800\\u0000"}',
                '{"type": "message", "id": "m", "text": 1e999}',
                "x" * (MAX_FRAME_BYTES + 1),
            ]
        ),
        st.binary(max_size=100),  # sent as a binary frame
        st.binary(min_size=1, max_size=50).map(
            lambda raw: ("text-bytes", raw)
        ),  # maybe invalid UTF-8 in a text frame
    )
)


@FUZZ
@given(
    first=VISITOR_IDS.map(lambda visitor: json.dumps(hello(visitor))) | FRAMES,
    frames=st.lists(FRAMES, max_size=4),
)
async def test_websocket_frames(hostile_server: HostileServer, first: object, frames: list[object]) -> None:
    async with hostile_server.client.ws_connect("/ws", max_msg_size=0) as ws:
        for frame in [first, *frames, json.dumps(SENTINEL)]:
            if ws.closed:
                break
            if isinstance(frame, bytes):
                await ws.send_bytes(frame)
            elif isinstance(frame, tuple):
                await ws.send_frame(frame[1], WSMsgType.TEXT)
            else:
                await ws.send_str(str(frame))
        while True:
            received = await ws.receive(timeout=20)
            if received.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING):
                assert ws.close_code in PROTOCOL_CLOSE_CODES, (ws.close_code, first, frames)
                break
            assert received.type == WSMsgType.TEXT, received
            answer = json.loads(received.data)
            if (
                answer.get("type") == "error"
                and answer.get("reason") == "hello was already sent on this connection"
            ):
                break  # the sentinel's answer: every frame before it was answered
            if answer.get("type") == "ready" and answer.get("visitor_id") == SENTINEL["visitor_id"]:
                break  # the sentinel was the connection's hello
    assert hostile_server.server_errors() == {}


async def test_the_server_is_healthy_after_all_of_it(hostile_server: HostileServer) -> None:
    answer = await hostile_server.send("GET", "/healthz")
    assert answer.status == 200
    assert hostile_server.server_errors() == {}
    async with hostile_server.client.ws_connect("/ws") as ws:  # a page still gets its answers
        await ws.send_json({"type": "hello", "visitor_id": "fuzz-after-000000000"})
        assert (await ws.receive_json(timeout=10))["type"] == "ready"
        await ws.send_json({"type": "message", "id": "m1", "text": "where is my order"})
        answers = [await ws.receive_json(timeout=10) for _ in range(3)]
    assert [a["type"] for a in answers] == ["typing", "reply", "done"]
