"""``GET /api/orders/{number}/timeline`` (bearer token): the order's timeline as JSON."""

from __future__ import annotations

from aiohttp import web

from bot.app_keys import STORE
from bot.notify.errors import UnknownOrderError
from bot.notify.timeline import order_timeline
from bot.web.auth import bearer_refusal
from bot.web.errors import json_error


async def get_timeline(request: web.Request) -> web.Response:
    """Every event, scan, decision and message of the order, in time order (404 for an unknown order).

    The number in the path is read as the import format reads it (``%231001%20`` is order ``1001``).
    """
    refusal = bearer_refusal(request)
    if refusal is not None:
        return refusal
    number = request.match_info["number"]
    try:
        async with request.app[STORE].transaction() as repos:
            timeline = await order_timeline(repos, number)
    except UnknownOrderError:
        return json_error(404, "no such order")
    return web.json_response(timeline.to_dict())
