"""``GET /admin/orders?number=``: an order's timeline, as ``doorstep explain`` prints it."""

from __future__ import annotations

from aiohttp import web

from bot.admin.access import page
from bot.admin.session import AdminSession
from bot.admin.web import render
from bot.app_keys import STORE
from bot.notify.errors import UnknownOrderError
from bot.notify.timeline import order_timeline

#: longest order number looked up (the import format's limit)
MAX_NUMBER_CHARS = 64


@page
async def order_page(request: web.Request, session: AdminSession) -> web.StreamResponse:
    """The search form, and the timeline of the order named (404 with a sentence for an unknown one)."""
    number = request.query.get("number", "").strip()[:MAX_NUMBER_CHARS]
    timeline = None
    status = 200
    if number:
        try:
            async with request.app[STORE].transaction() as repos:
                timeline = await order_timeline(repos, number)
        except UnknownOrderError:
            status = 404
    return render(
        request,
        "order.html",
        session=session,
        nav="orders",
        number=number,
        timeline=timeline,
        http_status=status,
    )
