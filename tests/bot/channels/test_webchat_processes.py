"""Web chat across processes on one PostgreSQL database (real ``doorstep serve`` processes).

A visitor's page is open on process A; a carrier event posted to process B makes B's dispatcher
push a message (A runs no dispatcher), which B stores and announces with NOTIFY, and A delivers.
A visitor who was away during a push and a crash of every process gets it from a new process,
once. Pushes from another process arrive in order.
"""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from bot.channels.webchat.hub import WebChatHub, WebChatSender
from bot.channels.webchat.mailbox import Mailbox
from bot.clock import SystemClock
from handlers.messages import Reply
from storage.models import OutboxMessage
from storage.store import Store
from tests.bot.channels.conftest import API_TOKEN, ServerProcess, StartProcess

ANN_VISITOR = "ann-visitor-0000000001"
TRACKING = "1Z999AA10000001001"  # order 1001's parcel (tests.builders.order_line)


async def ann_follows_on_the_web(url: str) -> None:
    """Ann linked her web chat visitor id (a signed link) and said yes to updates there."""
    async with Store(url) as store, store.transaction() as repos:
        customer = await repos.customers.by_email(email="ann@example.com")
        assert customer is not None and customer.id is not None
        identity = await repos.identities.get_or_create(channel="web", external_id=f"web:{ANN_VISITOR}")
        assert identity.id is not None
        await repos.identities.link(identity_id=identity.id, customer_id=customer.id, at=datetime.now(UTC))
        await repos.identities.set_accepted_updates(identity_id=identity.id, accepted=True)


async def post_delay(server: ServerProcess, event_id: str) -> None:
    """A carrier says Ann's parcel is delayed (an urgent message: no quiet hours)."""
    event = {
        "event_id": event_id,
        "source": "api",
        "occurred_at": datetime.now(UTC).isoformat(),
        "type": "shipment.updated",
        "order_number": "1001",
        "tracking_number": TRACKING,
        "status": "delayed",
        "eta": (datetime.now(UTC) + timedelta(days=5)).date().isoformat(),
    }
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{server.url}/api/events", json=event, headers={"Authorization": f"Bearer {API_TOKEN}"}
        ) as answer,
    ):
        assert answer.status in (200, 202), await answer.text()


async def open_page(
    session: aiohttp.ClientSession, server: ServerProcess, last_seq: int | None = None
) -> tuple[aiohttp.ClientWebSocketResponse, dict[str, Any]]:
    ws = await session.ws_connect(f"{server.url}/ws")
    hello: dict[str, Any] = {"type": "hello", "visitor_id": ANN_VISITOR}
    if last_seq is not None:
        hello["last_seq"] = last_seq
    await ws.send_json(hello)
    ready = await ws.receive_json(timeout=10)
    assert ready["type"] == "ready"
    return ws, ready


async def next_push(ws: aiohttp.ClientWebSocketResponse, within: float = 30.0) -> dict[str, Any]:
    """The next stored (pushed) frame on the page."""
    while True:
        frame = await ws.receive_json(timeout=within)
        if frame.get("seq") is not None:
            return frame


async def sent_by(url: str) -> list[OutboxMessage]:
    async with Store(url) as store, store.transaction() as repos:
        order = await repos.orders.by_number(order_number="1001")
        assert order is not None and order.id is not None
        return [m for m in await repos.outbox.for_order(order_id=order.id) if m.status == "sent"]


async def marked_sent(url: str, within: float = 10.0) -> list[OutboxMessage]:
    """The sent rows once the sender has marked them: the page can show a push a moment before the sending
    process commits the row's "sent" (the push travels by the store's notification, the mark after it)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        sent = await sent_by(url)
        if sent or asyncio.get_running_loop().time() > deadline:
            return sent
        await asyncio.sleep(0.05)


async def test_a_page_on_one_process_gets_a_push_queued_by_another_in_order(
    pg_shop: str, start_process: StartProcess
) -> None:
    await ann_follows_on_the_web(pg_shop)
    a, b = await asyncio.gather(
        start_process("a", pg_shop, dispatcher_enabled="false"),
        start_process("b", pg_shop),
    )
    async with aiohttp.ClientSession() as session:
        page_on_a, ready = await open_page(session, a)
        assert ready["queued"] == 0
        page_on_b, _ = await open_page(session, b)  # a second tab, served by the other process

        await post_delay(b, "evt-delay-1")
        on_a = await next_push(page_on_a)
        on_b = await next_push(page_on_b)
        assert on_a == on_b
        assert (on_a["seq"], on_a["pushed"], on_a["id"]) == (1, True, None)
        assert "delayed" in on_a["reply"]["text"].lower()
        [message] = await marked_sent(pg_shop)
        assert message.claimed_by is not None
        assert message.claimed_by.startswith(f"{socket.gethostname()}:{b.pid}:")  # B sent it, A delivered it

        # thirty more from a third process (this one), as fast as it can store them
        async with Store(pg_shop) as store:
            sender = WebChatSender(WebChatHub(Mailbox(store, SystemClock())))
            for n in range(2, 32):
                await sender.send(f"web:{ANN_VISITOR}", Reply(f"update {n}"))
        received = [await next_push(page_on_a) for _ in range(30)]
        assert [(f["seq"], f["reply"]["text"]) for f in received] == [
            (n, f"update {n}") for n in range(2, 32)
        ]
        await page_on_a.close()
        await page_on_b.close()


async def test_a_push_while_the_visitor_was_away_survives_a_crash_and_arrives_once(
    pg_shop: str, start_process: StartProcess
) -> None:
    await ann_follows_on_the_web(pg_shop)
    a, b = await asyncio.gather(
        start_process("a", pg_shop, dispatcher_enabled="false"),
        start_process("b", pg_shop),
    )
    async with aiohttp.ClientSession() as session:
        page, _ = await open_page(session, a)
        await page.close()  # Ann leaves

        await post_delay(b, "evt-delay-1")
        for _ in range(150):
            if await sent_by(pg_shop):
                break
            await asyncio.sleep(0.2)
        assert await sent_by(pg_shop), "process B did not send the delay message"
        await asyncio.gather(a.kill(), b.kill())  # kill -9: every process of the deployment

        c = await start_process("c", pg_shop, dispatcher_enabled="false")
        page, ready = await open_page(session, c, last_seq=0)
        assert (ready["queued"], ready["seq"]) == (1, 0)
        missed = await next_push(page)
        assert missed["seq"] == 1 and "delayed" in missed["reply"]["text"].lower()
        await page.send_json({"type": "ack", "seq": 1})
        await page.close()

        # back again, on another new process, even from a page that forgot what it showed: nothing twice
        d = await start_process("d", pg_shop, dispatcher_enabled="false")
        for server in (c, d):
            page, ready = await open_page(session, server, last_seq=0)
            assert (ready["queued"], ready["seq"]) == (0, 1)
            with pytest.raises(TimeoutError):
                await next_push(page, within=1.0)
            await page.close()
    assert len(await sent_by(pg_shop)) == 1
