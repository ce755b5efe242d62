"""Request bodies: one that never arrives gets 408, a client that leaves mid-body is not a server error."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp import web

from bot.app import build_app
from bot.web.access_log import PathOnlyAccessLogger
from bot.web.body import BODY_READ_SECONDS, BODY_READ_TIMEOUT
from bot.web.metrics import REQUEST_METRICS
from tests.bot.conftest import API_TOKEN, test_settings

PARTIAL = (
    b"POST /api/orders HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-ndjson\r\n"
    b"Authorization: Bearer " + API_TOKEN.encode() + b"\r\nContent-Length: 1000\r\n\r\nhello world"
)


@dataclass
class Served:
    """The app served on loopback as ``doorstep serve`` serves it (``web.AppRunner``)."""

    app: web.Application
    port: int
    handler_cancellation: bool


@pytest.fixture(params=[False, True], ids=["as-served", "handler-cancellation"])
async def server(sqlite_url: str, request: pytest.FixtureRequest) -> AsyncIterator[Served]:
    """The app with a 0.5 s body deadline. ``doorstep serve`` runs aiohttp without handler
    cancellation (a read then fails with ConnectionResetError when the client leaves); with it
    (aiohttp's own test server) the handler is cancelled instead: both are covered."""
    app = build_app(test_settings(sqlite_url), features=[])
    assert app[BODY_READ_TIMEOUT] == BODY_READ_SECONDS == 30.0
    app[BODY_READ_TIMEOUT] = 0.5
    runner = web.AppRunner(app, access_log_class=PathOnlyAccessLogger, handler_cancellation=request.param)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield Served(app, port, request.param)
    await runner.cleanup()


async def test_a_body_that_never_arrives_gets_408_and_the_connection_is_closed(server: Served) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    started = time.monotonic()
    writer.write(PARTIAL)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), timeout=10)  # read() returns once the server closes
    writer.close()
    assert time.monotonic() - started < 5
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 ")
    assert b"Connection: close" in head
    assert body == b'{"error": "the request body did not arrive within 0.5 seconds"}'
    assert server.app[REQUEST_METRICS].counts[("POST", "/api/orders", 408)] == 1


async def test_a_client_leaving_mid_body_is_logged_at_info_without_a_traceback(
    server: Served, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        _, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(PARTIAL)
        await writer.drain()
        await asyncio.sleep(0.1)
        writer.close()
        metrics = server.app[REQUEST_METRICS]
        for _ in range(250):  # up to 5 s for the server to notice
            if metrics.counts:
                break
            await asyncio.sleep(0.02)
    assert dict(metrics.counts) == {("POST", "/api/orders", 499): 1}
    assert [r.levelname for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert not any(r.exc_info for r in caplog.records)
    gone = [r for r in caplog.records if "went away" in r.getMessage()]
    if not server.handler_cancellation:
        assert [(r.levelno, r.getMessage()) for r in gone] == [
            (logging.INFO, "POST /api/orders: the client went away (ConnectionResetError)")
        ]


async def test_a_body_sent_in_time_is_read_by_the_handler(server: Served) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(PARTIAL.replace(b"Content-Length: 1000", b"Content-Length: 12") + b"\n")
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
    writer.close()
    assert head.startswith(b"HTTP/1.1 400 ")  # the import's own answer: "hello world" is not an order
