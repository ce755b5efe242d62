"""Access log lines without query strings (link tokens travel in ``?t=``) or client addresses."""

from __future__ import annotations

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger


class PathOnlyAccessLogger(AbstractAccessLogger):
    """Logs method, path (no query), status, size and duration."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        """Write one line per request."""
        self.logger.info(
            "%s %s %s %sB %.1fms",
            request.method,
            request.path,
            response.status,
            response.body_length,
            time * 1000,
        )
