"""Request bodies arrive in time: read before the handler runs, with a deadline.

A client that announces a body (``Content-Length: 1000``) and sends less would otherwise hold a
connection and a handler for as long as it likes. :func:`body_middleware` reads the whole body
first (handlers then get it from aiohttp's cache); past :data:`BODY_READ_SECONDS` the answer is
408 and the connection is closed. A body over ``MAX_BODY_BYTES`` is still refused with 413 (by
:func:`bot.web.errors.error_middleware`), and a client that leaves mid-body is logged there as
a client disconnect, not a server error.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from bot.web.errors import Handler, json_error

log = logging.getLogger(__name__)

#: seconds a client has to send the body it announced
BODY_READ_SECONDS = 30.0
#: the deadline in force for an app (``build_app`` sets :data:`BODY_READ_SECONDS`; tests shorten it)
BODY_READ_TIMEOUT: web.AppKey[float] = web.AppKey("body_read_timeout", float)


@web.middleware
async def body_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Read the request body within the deadline (408 when it does not arrive), then run the handler."""
    if not request.can_read_body:
        return await handler(request)
    if request.content.is_eof():
        await request.read()  # every byte has arrived (the usual case for a small body): no deadline needed
        return await handler(request)
    seconds = request.app.get(BODY_READ_TIMEOUT, BODY_READ_SECONDS)
    try:
        async with asyncio.timeout(seconds):
            await request.read()
    except TimeoutError:
        log.info("%s %s: the body did not arrive within %g s (408)", request.method, request.path, seconds)
        response = json_error(408, f"the request body did not arrive within {seconds:g} seconds")
        response.force_close()
        await response.prepare(request)
        await response.write_eof()
        # close now: aiohttp would otherwise linger, reading the rest of a body that is not coming
        request.protocol.force_close()
        return response
    return await handler(request)
