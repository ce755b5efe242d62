"""pywa over aiohttp (GraphSession, AiohttpTransport): the wire, and network failures as send errors."""

from __future__ import annotations

import asyncio
import json
import socket

import httpx
import pytest
from aiohttp import web
from pywa_async import WhatsApp

from bot.channels.base import PermanentFailure, RetryLater
from bot.channels.whatsapp.client import API_VERSION, build_client, translate_error
from bot.channels.whatsapp.sender import WhatsAppSender
from bot.channels.whatsapp.templates import TemplateBook
from bot.channels.whatsapp.transport import AiohttpTransport, GraphSession
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


async def _serve(handler: object) -> tuple[web.AppRunner, str]:
    app = web.Application()
    app.router.add_route("*", "/{path:.*}", handler)  # type: ignore[arg-type]
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


async def test_a_hanging_api_times_out_as_retry_later_on_the_short_path() -> None:
    async def hang(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.json_response({})

    runner, base_url = await _serve(hang)
    session = GraphSession(
        timeout=httpx.Timeout(0.2),
        transport=AiohttpTransport(pool_size=2, connect_timeout=1.0, read_timeout=0.2),
    )
    client = WhatsApp(phone_id="1", token="t", session=session, verify_token="v", app_secret="s")
    session.base_url = f"{base_url}/v26.0"
    try:
        with pytest.raises(httpx.TimeoutException) as error:
            await client.mark_message_as_read(message_id="wamid.1")
    finally:
        await session.aclose()
        await runner.cleanup()
    assert error.value.request.url == f"{base_url}/v26.0/1/messages"
    assert isinstance(translate_error(error.value), RetryLater)


async def test_the_short_path_sends_what_httpx_would_and_reads_errors_in_the_declared_charset() -> None:
    seen: list[tuple[str, str, dict[str, str], bytes]] = []

    async def refuse(request: web.Request) -> web.Response:
        seen.append((request.method, request.path_qs, dict(request.headers), await request.read()))
        if request.method == "GET":
            return web.json_response({"id": "1", "display_phone_number": "15550100"})
        body = '{"error": {"code": 100, "message": "paramètre invalide"}}'.encode("latin-1")
        return web.Response(status=400, body=body, content_type="application/json", charset="latin-1")

    runner, base_url = await _serve(refuse)
    client, session = build_client(_settings(base_url, token="wa-token", number_id="1"))
    sender = WhatsAppSender(
        client,
        store=None,
        clock=SystemClock(),
        templates=TemplateBook({}),
        fallback_link="http://x",  # type: ignore[arg-type]
    )
    try:
        with pytest.raises(PermanentFailure) as refused:
            await sender.send(WA, Reply("héllo"))
        fetched = await session.request(
            "GET", "/1", params={"fields": "display_phone_number"}
        )  # httpx's path
    finally:
        await session.aclose()
        await runner.cleanup()
    assert "paramètre invalide" in str(refused.value)
    cause = refused.value.__cause__
    assert cause is not None and cause.raw_response.request.url.path.endswith("/1/messages")  # type: ignore[attr-defined]
    method, path, headers, body = seen[0]
    assert (method, path) == ("POST", f"/v{API_VERSION}/1/messages")
    assert headers["Authorization"] == "Bearer wa-token"
    assert headers["Content-Type"] == "application/json"
    assert headers["Accept-Encoding"] == "identity"
    assert json.loads(body)["text"]["body"] == "héllo"
    assert body == json.dumps(json.loads(body), ensure_ascii=False, separators=(",", ":")).encode()
    assert fetched.json()["display_phone_number"] == "15550100"
    assert seen[1][0] == "GET" and seen[1][1].startswith(f"/v{API_VERSION}/1?fields=display_phone_number")
    assert seen[1][2]["Authorization"] == "Bearer wa-token"


async def test_the_short_path_follows_a_new_token_and_base_url_and_answers_read_responses() -> None:
    seen: list[tuple[str, str]] = []

    async def accept(request: web.Request) -> web.Response:
        seen.append((request.path, request.headers["Authorization"]))
        return web.json_response({"success": True, "note": "réussi"})

    runner, base_url = await _serve(accept)
    _client, session = build_client(_settings(base_url, token="first-token", number_id="1"))
    try:
        first = await session.request("POST", "/1/messages", json={"status": "read"})
        session.headers["Authorization"] = "Bearer second-token"  # in place, as pywa sets headers
        session.base_url = f"{base_url}/v99.0"
        second = await session.request("POST", "/1/messages", json={"status": "read"})
    finally:
        await session.aclose()
        await runner.cleanup()
    assert seen == [
        (f"/v{API_VERSION}/1/messages", "Bearer first-token"),
        ("/v99.0/1/messages", "Bearer second-token"),
    ]
    for response in (first, second):
        assert response.is_closed and response.is_stream_consumed
        assert response.json() == {"success": True, "note": "réussi"}
        assert json.loads(response.text) == {"success": True, "note": "réussi"}
        assert response.content == response.text.encode("utf-8")
