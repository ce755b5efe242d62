"""Access log lines without query strings (link tokens travel in ``?t=``) or client addresses.

The path is logged as it was sent, percent-encoded (``request.rel_url.raw_path``), so an encoded
CR/LF stays ``%0D%0A``; the root handler's formatter (:mod:`bot.logs`) redacts personal data in it,
encoded or not, and escapes anything else that could break the line.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger


class PathOnlyAccessLogger(AbstractAccessLogger):
    """Logs method, path (encoded, no query), status, size and duration."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        """Write one line per request."""
        self.logger.info(
            "%s %s %s %sB %.1fms",
            request.method,
            request.rel_url.raw_path,
            response.status,
            response.body_length,
            time * 1000,
        )
