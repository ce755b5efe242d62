"""pywa over httpx over aiohttp (AiohttpTransport): the wire, and network failures as send errors."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest
from aiohttp import web

from bot.channels.base import RetryLater
from bot.channels.whatsapp.client import build_client, translate_error
from bot.channels.whatsapp.sender import WhatsAppSender
from bot.channels.whatsapp.templates import TemplateBook
from bot.channels.whatsapp.transport import AiohttpTransport
from bot.clock import SystemClock
from bot.config import Settings
from handlers.messages import Reply
from tests.fakes.whatsapp import FakeWhatsApp

WA = "15550123"


def _settings(base_url: str, token: str = "wa-test-token", number_id: str = "106540352242922") -> Settings:
    return Settings(
        whatsapp_token=token,
        whatsapp_phone_number_id=number_id,
        whatsapp_app_secret="s",
        whatsapp_verify_token="v",
        whatsapp_api_base_url=base_url,
    )


def _sender(settings: Settings) -> tuple[WhatsAppSender, httpx.AsyncClient]:
    client, session = build_client(settings)
    sender = WhatsAppSender(
        client,
        store=None,
        clock=SystemClock(),
        templates=TemplateBook({}),
        fallback_link="http://x",  # type: ignore[arg-type]
    )
    return sender, session


async def test_requests_reach_the_graph_api_with_the_token_over_kept_alive_connections() -> None:
    async with FakeWhatsApp() as fake:
        fake.last_inbound[WA] = fake.clock()
        sender, session = _sender(_settings(fake.api_base_url, fake.token, fake.phone_number_id))
        try:
            ids = [(await sender.send(WA, Reply(f"message {n}"))).provider_message_id for n in range(5)]
        finally:
            await session.aclose()
    assert ids == [m.message_id for m in fake.sent]
    assert [m.text for m in fake.sent] == [f"message {n}" for n in range(5)]


async def test_nothing_listening_is_retry_later() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sender, session = _sender(_settings(f"http://127.0.0.1:{port}"))
    try:
        with pytest.raises(RetryLater) as error:
            await sender.send(WA, Reply("hi"))
    finally:
        await session.aclose()
    assert "whatsapp unavailable" in error.value.reason


async def test_a_hanging_api_times_out_as_retry_later() -> None:
    async def hang(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/{path:.*}", hang)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    transport = AiohttpTransport(pool_size=2, connect_timeout=1.0, read_timeout=0.2)
    try:
        async with httpx.AsyncClient(transport=transport) as client:
            with pytest.raises(httpx.TimeoutException) as error:
                await client.post(f"http://127.0.0.1:{port}/v26.0/1/messages", json={})
        assert isinstance(translate_error(error.value), RetryLater)
    finally:
        await runner.cleanup()
