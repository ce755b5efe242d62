"""The access log keeps link tokens (query strings) out."""

from __future__ import annotations

import logging

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.web.access_log import PathOnlyAccessLogger


async def test_query_string_is_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="hi")

    app = web.Application()
    app.router.add_get("/", hello)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server(access_log_class=PathOnlyAccessLogger)
    async with TestClient(server) as client:
        with caplog.at_level(logging.INFO, logger="aiohttp.access"):
            resp = await client.get("/?t=SECRET-LINK-TOKEN")
            assert resp.status == 200
    assert "GET / 200" in caplog.text
    assert "SECRET-LINK-TOKEN" not in caplog.text
