"""Operator endpoints: health check and order import."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.app_keys import CLOCK, SERVICES, SETTINGS, STORE
from bot.imports.held import release_held_events
from bot.imports.orders import import_orders
from bot.web.auth import bearer_refusal
from bot.web.errors import json_error
from storage.errors import StorageError

log = logging.getLogger(__name__)


async def healthz(request: web.Request) -> web.Response:
    """200 when the database answers, 503 when it does not."""
    try:
        await request.app[STORE].ping()
    except StorageError as exc:
        log.error("health check failed: %s", exc)
        return web.json_response({"status": "unhealthy", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok", "database": "ok"})


async def post_orders(request: web.Request) -> web.Response:
    """Import JSON Lines orders (bearer token); answers created/updated/rejected counts."""
    refusal = bearer_refusal(request)
    if refusal is not None:
        return refusal
    body = await request.read()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return json_error(400, "body must be UTF-8 JSON Lines")
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        return json_error(400, "empty body: send one JSON order per line")
    app = request.app
    release = release_held_events(
        app[STORE], app[CLOCK], app[SETTINGS], wake=app[SERVICES].get("wake_dispatcher")
    )
    report = await import_orders(app[STORE], lines, on_created=release)
    if report.created + report.updated == 0:
        first = report.errors[0]
        return web.json_response(
            {"error": f"no valid order: line {first.line}: {first.reason}", **report.to_dict()}, status=400
        )
    log.info(
        "api import: %d created, %d updated, %d rejected", report.created, report.updated, report.rejected
    )
    return web.json_response(report.to_dict())
