"""JSON error answers: every failure is a status with a reason, never a traceback."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
#: the status counted when the client left before its answer (nginx's "client closed request");
#: nobody receives it, but /metrics tells it apart from server errors
CLIENT_CLOSED_REQUEST = 499


def json_error(status: int, reason: str) -> web.Response:
    """An error answer with a one-line reason."""
    return web.json_response({"error": reason}, status=status)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn HTTP exceptions into JSON reasons and unexpected ones into a logged 500 without details.

    A connection error while the client's connection is gone (it left mid-body or before the
    answer) is the client's doing: logged at INFO without a traceback and counted as 499.
    """
    try:
        return await handler(request)
    except web.HTTPRequestEntityTooLarge:
        log.warning("%s %s: body too large", request.method, request.path)
        return json_error(413, "request body too large")
    except web.HTTPException as exc:
        if exc.status < 400 or exc.content_type == "application/json":
            raise
        return json_error(exc.status, exc.reason)
    except Exception as exc:
        if isinstance(exc, ConnectionError) and client_left(request):
            log.info("%s %s: the client went away (%s)", request.method, request.path, type(exc).__name__)
            return web.Response(status=CLIENT_CLOSED_REQUEST)
        log.exception("%s %s failed", request.method, request.path)
        return json_error(500, "internal error; it has been logged")


def client_left(request: web.Request) -> bool:
    """Whether the client's connection is gone (so a connection error is theirs, not ours)."""
    transport = request.transport
    return transport is None or transport.is_closing()
