"""Bearer-token check for the operator API."""

from __future__ import annotations

import hmac

from aiohttp import web

from bot.app_keys import SETTINGS
from bot.web.errors import json_error


def bearer_refusal(request: web.Request) -> web.Response | None:
    """A 401 answer when the request lacks the right ``Authorization: Bearer`` token, else None."""
    expected = request.app[SETTINGS].api_token
    if not expected:
        return json_error(401, "the API is disabled: set DOORSTEP_API_TOKEN")
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return json_error(401, "missing bearer token")
    if not hmac.compare_digest(token.strip().encode(), expected.encode()):
        return json_error(401, "wrong bearer token")
    return None
