"""The access log keeps link tokens (query strings) out."""

from __future__ import annotations

import logging

import pytest
import yarl
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


async def test_the_path_is_logged_as_sent_so_encoded_line_breaks_stay_encoded(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = web.Application()
    server = TestServer(app, host="127.0.0.1")
    await server.start_server(access_log_class=PathOnlyAccessLogger)
    async with TestClient(server) as client:
        with caplog.at_level(logging.INFO, logger="aiohttp.access"):
            forged = "/nothing%0D%0A2026-11-22%2010:00:00,000%20CRITICAL%20bot.app:%20database%20corrupted%00"
            resp = await client.get(yarl.URL(forged, encoded=True))
            assert resp.status == 404
    (record,) = [r for r in caplog.records if r.name == "aiohttp.access"]
    assert record.getMessage().startswith(f"GET {forged} 404 ")
    assert "\r" not in caplog.text and "\x00" not in caplog.text
