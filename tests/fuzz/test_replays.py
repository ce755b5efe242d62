"""Replays of every shopper-facing inbound kind, on the whole server and both databases: each is
answered exactly once, whether it comes again later or several times at the same moment.

Where the other replays are pinned (not repeated here):

- Slack events, button clicks and slash commands, in a row, at once and after a restart:
  ``tests/bot/channels/slack/test_slack_replays.py``;
- every provider webhook topic (Shopify, EasyPost, AfterShip) and every ``POST /api/events`` type,
  once then twice at the same moment: ``tests/bot/integrations/test_replays_apply_once.py``;
  a replayed events file: ``tests/bot/integrations/test_replay_events.py``;
- a Telegram update redelivered in a row (webhook and polling):
  ``tests/bot/channels/telegram/test_telegram_conversation.py``; a WhatsApp notification in a row:
  ``tests/bot/channels/whatsapp/test_whatsapp_conversation.py``; a repeated ``message_id`` on
  ``/api/chat`` and on the WebSocket in a row: ``test_rest_chat.py``, ``test_webchat_socket.py``;
- a handoff reply with the same ``Idempotency-Key``: ``tests/bot/admin/test_handoff_api.py``.

What this module adds: Telegram buttons (callback queries), WhatsApp button replies, and every chat
channel's message delivered several times at the same moment.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from tests.fakes.telegram_updates import make_callback_update, make_text_update
from tests.fuzz import payloads
from tests.fuzz.conftest import HostileServer

pytestmark = pytest.mark.asyncio(loop_scope="module")

#: how many times each inbound is delivered, in a row and then all at once
TIMES = 4


async def deliver_telegram(server: HostileServer, update: dict[str, Any]) -> list[int]:
    """``TIMES`` deliveries in a row, then ``TIMES`` at the same moment; the statuses."""
    body = json.dumps(update).encode()
    headers = {"Content-Type": "application/json", **payloads.telegram_secret("right")}

    async def once() -> int:
        return (await server.send("POST", "/telegram/webhook", data=body, headers=headers)).status

    in_a_row = [await once() for _ in range(TIMES)]
    return in_a_row + list(await asyncio.gather(*(once() for _ in range(TIMES))))


@pytest.mark.parametrize("kind", ["text", "button"])
async def test_a_telegram_update_is_answered_once(hostile_server: HostileServer, kind: str) -> None:
    chat = 7100 if kind == "text" else 7200
    if kind == "text":
        update = make_text_update(chat, "where is my order", update_id=chat, message_id=1)
    else:
        update = make_callback_update(chat, "intent:order_status", message_id=1, update_id=chat)
    assert await deliver_telegram(hostile_server, update) == [200] * (2 * TIMES)
    assert len(hostile_server.telegram.sent_messages(chat)) == 1
    # (the button's spinner may be stopped again on a redelivery: answerCallbackQuery shows the shopper nothing)


async def test_simultaneous_telegram_updates_of_one_chat_are_each_answered_once(
    hostile_server: HostileServer,
) -> None:
    chat = 7300
    updates = [
        make_text_update(chat, text, update_id=chat + i, message_id=i)
        for i, text in enumerate(["hi", "help"])
    ]
    statuses = await asyncio.gather(*(deliver_telegram(hostile_server, update) for update in updates))
    assert all(status == [200] * (2 * TIMES) for status in statuses)
    assert len(hostile_server.telegram.sent_messages(chat)) == 2


@pytest.mark.parametrize("kind", ["text", "button"])
async def test_a_whatsapp_message_is_answered_once(hostile_server: HostileServer, kind: str) -> None:
    fake = hostile_server.whatsapp
    shopper = "1555710" + ("1" if kind == "text" else "2")
    notification = (
        fake.text_message(shopper, "where is my order")
        if kind == "text"
        else fake.button_reply(shopper, "intent:order_status", "Where is my order?")
    )
    in_a_row = [(await fake.deliver(notification))[0] for _ in range(TIMES)]
    at_once = await asyncio.gather(*(fake.deliver(notification) for _ in range(TIMES)))
    assert in_a_row + [status for status, _ in at_once] == [200] * (2 * TIMES)
    assert len([m for m in fake.messages_to(shopper) if not m.kind.startswith(("read", "typing"))]) == 1


async def test_a_chat_message_id_sent_at_once_is_answered_once(hostile_server: HostileServer) -> None:
    body = json.dumps({"user_id": "web:replayed", "text": "where is my order", "message_id": "m-1"}).encode()
    headers = {"Content-Type": "application/json"}
    answers = await asyncio.gather(
        *(hostile_server.send("POST", "/api/chat", data=body, headers=headers) for _ in range(TIMES))
    )
    statuses = sorted(answer.status for answer in answers)
    bodies = [json.loads(answer.body) for answer in answers if answer.status == 200]
    # each copy is answered (or asked to be sent again while the first is busy), and only one gets replies
    assert set(statuses) <= {200, 503} and 200 in statuses
    assert len([b for b in bodies if b["replies"]]) == 1
    assert all(b.get("duplicate") for b in bodies if not b["replies"])


async def test_a_web_chat_frame_sent_from_two_pages_at_once_is_answered_once(
    hostile_server: HostileServer,
) -> None:
    visitor = "replayed-visitor-0001"
    frame = {"type": "message", "id": "m1", "text": "where is my order"}

    async def answers(ws: Any) -> list[dict[str, Any]]:
        """The page's frames about m1, up to its done (or error)."""
        found: list[dict[str, Any]] = []
        while True:
            received = await ws.receive_json(timeout=10)
            if received.get("id") == "m1":
                found.append(received)
                if received["type"] in ("done", "error"):
                    return found

    async with (
        hostile_server.client.ws_connect("/ws") as first,
        hostile_server.client.ws_connect("/ws") as second,
    ):
        for ws in (first, second):
            await ws.send_json({"type": "hello", "visitor_id": visitor})
            assert (await ws.receive_json(timeout=10))["type"] == "ready"
        await asyncio.gather(first.send_json(frame), second.send_json(frame))
        pages = await asyncio.gather(answers(first), answers(second))
    answered = [page for page in pages if any(f["type"] == "reply" for f in page)]
    assert len(answered) == 1  # one page got the replies; the other was told it was a duplicate (or busy)
    assert answered[0][-1] == {"type": "done", "id": "m1", "duplicate": False}
    other = pages[1] if answered[0] is pages[0] else pages[0]
    assert other[-1]["type"] == "error" or other[-1] == {"type": "done", "id": "m1", "duplicate": True}
