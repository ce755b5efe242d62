"""``GET /api/orders/{number}/links``: the signed chat links of an order's customer (bearer token)."""

from __future__ import annotations

from aiohttp import web

from bot.app_keys import CLOCK, SETTINGS, STORE
from bot.channels.telegram.errors import UnknownOrder
from bot.channels.telegram.order_links import links_for_order
from bot.web.auth import bearer_refusal
from bot.web.errors import json_error
from storage.domain import normalize_order_number


async def get_order_links(request: web.Request) -> web.Response:
    """``{"order_number", "telegram", "web", "expires_at"}``; 404 with a reason for an unknown order."""
    refusal = bearer_refusal(request)
    if refusal is not None:
        return refusal
    number = normalize_order_number(request.match_info["number"])
    app = request.app
    try:
        links = await links_for_order(app[STORE], app[SETTINGS], app[CLOCK], number)
    except UnknownOrder:
        return json_error(404, f"no order with number {number}")
    return web.json_response({"order_number": number, **links.to_dict()})


def add_links_routes(app: web.Application) -> None:
    """Register the links endpoint."""
    app.router.add_get("/api/orders/{number}/links", get_order_links)
