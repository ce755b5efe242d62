"""The web chat on PostgreSQL in one process: a message stored by another process while this one's
listening connection was down still reaches the open page, once it listens again."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from bot.channels.webchat.feature import WEBCHAT_LISTENER
from bot.channels.webchat.hub import WebChatHub, WebChatSender
from bot.channels.webchat.mailbox import Mailbox
from bot.clock import SystemClock
from handlers.messages import Reply
from storage.store import Store
from tests.bot.channels.conftest import StartServer

ANN = "ann-visitor-0000000001"


async def test_a_message_stored_while_the_listener_was_down_reaches_the_page_when_it_is_back(
    start_webchat: StartServer, pg_shop: str
) -> None:
    server = await start_webchat(database_url=pg_shop)
    listener = server.app[WEBCHAT_LISTENER]
    assert listener.listening
    async with server.client.ws_connect("/ws") as ws, Store(pg_shop) as other_process:
        await ws.send_json({"type": "hello", "visitor_id": ANN})
        assert (await ws.receive_json(timeout=5))["type"] == "ready"
        assert listener.connection is not None
        pid = listener.connection.get_server_pid()
        async with other_process.engine.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        for _ in range(200):
            if not listener.listening:
                break
            await asyncio.sleep(0.01)
        assert not listener.listening
        sender = WebChatSender(WebChatHub(Mailbox(other_process, SystemClock())))
        await sender.send(f"web:{ANN}", Reply("Stored while nobody listened."))
        frame = await ws.receive_json(timeout=15)
    assert (frame["seq"], frame["reply"]["text"]) == (1, "Stored while nobody listened.")
    assert listener.listening
