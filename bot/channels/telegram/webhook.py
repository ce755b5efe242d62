"""Webhook mode: ``POST /telegram/webhook`` inside doorstep's aiohttp app.

Telegram sends the secret given to ``setWebhook`` in ``X-Telegram-Bot-Api-Secret-Token``; a
request without it, or with another one, is refused with 401 (compared in constant time). The
update is answered before the request is acknowledged, so Telegram redelivers it if doorstep
fails on the way (the engine's inbox drops the repeat); an answer that takes longer than
``ACK_SECONDS`` (a long 429 wait) finishes after the acknowledgement.
"""

from __future__ import annotations

import asyncio
import hmac
import logging

from aiohttp import web

from bot.channels.telegram.runtime import TELEGRAM
from bot.integrations.errors import PayloadError
from bot.integrations.jsonread import decode_json
from bot.web.errors import json_error

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: Telegram gives up on a webhook call after about a minute; acknowledge well before
ACK_SECONDS = 10.0


def secret_matches(given: str | None, expected: str) -> bool:
    """Whether the request carries the webhook secret (constant-time comparison)."""
    if given is None or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


async def telegram_webhook(request: web.Request) -> web.Response:
    """Check the secret, read the update, answer it, then acknowledge with 200."""
    runtime = request.app[TELEGRAM]
    if not secret_matches(request.headers.get(SECRET_HEADER), runtime.webhook_secret):
        log.warning("telegram webhook call refused: wrong or missing secret token")
        return json_error(401, "wrong or missing X-Telegram-Bot-Api-Secret-Token")
    try:
        # half of an emoji (a lone surrogate) in a name or a text becomes U+FFFD: refusing it, or
        # failing to store it, would make Telegram send the update again and again
        data = decode_json(await request.read(), surrogates="replace")
    except PayloadError as exc:
        return json_error(400, f"the body is not JSON ({exc.reason})")
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        return json_error(400, "the body is not a Telegram update")
    answered = runtime.channel.submit(data)
    if not answered.done():
        # waiting does not cancel the answer when the time is up (it goes on after the 200)
        await asyncio.wait((answered,), timeout=ACK_SECONDS)
    if not answered.done():
        log.warning("telegram update %s still being answered; acknowledged", data["update_id"])
    elif answered.cancelled():  # shutting down: Telegram sends the update again later
        return json_error(503, "shutting down; the update was not answered")
    else:
        answered.result()  # a failure is logged as a 500, and Telegram redelivers the update
    return web.Response(status=200)
