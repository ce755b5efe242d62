"""``GET`` and ``POST /whatsapp/webhook``: Meta's subscription check and the signed notifications.

- ``GET``: Meta checks the endpoint with ``hub.mode=subscribe``, ``hub.verify_token`` and
  ``hub.challenge``; the challenge is echoed when the token is ``DOORSTEP_WHATSAPP_VERIFY_TOKEN``
  (compared in constant time), 403 otherwise.
- ``POST``: ``X-Hub-Signature-256`` must be ``sha256=`` + the HMAC-SHA256 of the raw body keyed with
  the app secret (checked by pywa, in constant time) before anything is parsed: missing or wrong
  gives 401. A signed body that is not a WhatsApp notification gives 400 with the reason.
  Delivery reports are applied to the outbox; shopper messages are answered before the
  notification is acknowledged, so Meta delivers it again if doorstep fails on the way (the
  engine's inbox drops the repeat); an answer that takes longer than ``ACK_SECONDS`` finishes
  after the acknowledgement.
"""

from __future__ import annotations

import asyncio
import hmac
import logging

from aiohttp import web
from pywa import utils as pywa_utils

from bot.app_keys import CLOCK, SERVICES, STORE
from bot.channels.whatsapp.adapter import parse_webhook
from bot.channels.whatsapp.errors import MalformedWebhook
from bot.channels.whatsapp.runtime import WHATSAPP
from bot.channels.whatsapp.statuses import apply_statuses
from bot.integrations.errors import PayloadError
from bot.integrations.jsonread import decode_json
from bot.web.errors import json_error

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/whatsapp/webhook"
#: Meta waits a few seconds for the answer before it retries; acknowledge well before
ACK_SECONDS = 10.0
#: the longest challenge echoed (Meta's are short numbers)
MAX_CHALLENGE = 256
#: ``app[SERVICES]`` key of the dispatcher's wake-up (published by the notify feature)
WAKE_DISPATCHER = "wake_dispatcher"


def token_matches(given: str | None, expected: str) -> bool:
    """Whether ``given`` is the verify token (constant-time comparison)."""
    if given is None or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


def signature_valid(body: bytes, header: str | None, app_secret: str) -> bool:
    """Whether ``header`` is ``sha256=<HMAC-SHA256 of body with app_secret>`` (pywa's check)."""
    if not header or not app_secret or not header.isascii() or not header.startswith("sha256="):
        return False
    return pywa_utils.webhook_updates_validator(
        app_secret=app_secret, request_body=body, x_hub_signature=header
    )


async def whatsapp_subscription(request: web.Request) -> web.Response:
    """Meta's subscription check: echo ``hub.challenge`` for the right verify token."""
    runtime = request.app[WHATSAPP]
    query = request.query
    if query.get("hub.mode") != "subscribe" or not token_matches(
        query.get(pywa_utils.HUB_VT), runtime.verify_token
    ):
        log.warning("whatsapp subscription check refused: wrong hub.mode or hub.verify_token")
        return json_error(403, "wrong or missing hub.verify_token")
    challenge = query.get(pywa_utils.HUB_CH, "")
    if not challenge or len(challenge) > MAX_CHALLENGE:
        return json_error(400, "hub.challenge is missing or too long")
    return web.Response(text=challenge, content_type="text/plain")


async def whatsapp_webhook(request: web.Request) -> web.Response:
    """Check the signature, read the notification, apply its reports, answer its messages, then 200."""
    app = request.app
    runtime = app[WHATSAPP]
    body = await request.read()
    if not signature_valid(body, request.headers.get(pywa_utils.HUB_SIG), runtime.app_secret):
        log.warning("whatsapp webhook call refused: wrong or missing X-Hub-Signature-256")
        return json_error(401, "wrong or missing X-Hub-Signature-256")
    try:
        # half of an emoji (a lone surrogate) or a NUL in a name or a text becomes U+FFFD: failing
        # to store it would make Meta deliver the notification again and again
        data = decode_json(body, surrogates="replace")
    except PayloadError as exc:
        log.warning("whatsapp webhook refused (400): %s", exc.reason)
        return json_error(400, "the body is not JSON")
    try:
        batch = parse_webhook(data, runtime.phone_number_id)
    except MalformedWebhook as exc:
        return json_error(400, str(exc))
    if batch.statuses:
        requeued = await apply_statuses(app[STORE], batch.statuses, app[CLOCK].now())
        wake = app[SERVICES].get(WAKE_DISPATCHER)
        if requeued and wake is not None:
            wake()
    answers = [runtime.channel.submit(inbound) for inbound in batch.messages]
    if not answers:
        return web.Response(status=200)
    # waiting does not cancel the answers when the time is up (they go on after the 200)
    done, pending = await asyncio.wait(answers, timeout=ACK_SECONDS)
    if pending:
        log.warning("whatsapp: %d message(s) still being answered; acknowledged", len(pending))
    if any(task.cancelled() for task in done):  # shutting down: Meta sends the notification again later
        return json_error(503, "shutting down; the messages were not answered")
    for task in done:
        task.result()  # a failure is logged as a 500, and Meta delivers the notification again
    return web.Response(status=200)
