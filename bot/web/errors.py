"""JSON error answers: every failure is a status with a reason, never a traceback."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def json_error(status: int, reason: str) -> web.Response:
    """An error answer with a one-line reason."""
    return web.json_response({"error": reason}, status=status)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn HTTP exceptions into JSON reasons and unexpected ones into a logged 500 without details."""
    try:
        return await handler(request)
    except web.HTTPRequestEntityTooLarge:
        log.warning("%s %s: body too large", request.method, request.path)
        return json_error(413, "request body too large")
    except web.HTTPException as exc:
        if exc.status < 400 or exc.content_type == "application/json":
            raise
        return json_error(exc.status, exc.reason)
    except Exception:
        log.exception("%s %s failed", request.method, request.path)
        return json_error(500, "internal error; it has been logged")
