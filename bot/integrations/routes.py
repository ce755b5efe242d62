"""Event routes: provider webhooks and ``POST /api/events``.

Each route checks the sender (signature or bearer token) on the raw body, parses it into
normalized events, and hands them to :func:`bot.notify.pipeline.ingest_events` (state change,
journey rules, policy and outbox in one transaction). Answers:

| case | status | body |
| --- | --- | --- |
| bad, missing or unconfigured signature / token | 401 | ``{"error": reason}`` |
| malformed body or event, or an implausible time (see ``check_event_time``) | 400 | ``{"error": reason}`` |
| body over ``max_body_bytes`` | 413 | ``{"error": ...}`` |
| an event kind doorstep does not act on | 202 | ``{"status": "ignored"}`` |
| order or parcel not known yet (kept) | 202 | ``{"status": "held", ...}`` |
| applied / already received | 200 | ``{"status": "applied" or "duplicate", "events": n, ...}`` |
| the database could not store it | 503 | ``{"error": ...}`` (the provider retries) |
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web
from pydantic import ValidationError

from bot.app_keys import CLOCK, SERVICES, SETTINGS, STORE
from bot.config import Settings
from bot.integrations.errors import PayloadError, SignatureError
from bot.integrations.events import PROVIDERS, WebhookProvider, answer_for, read_events
from bot.integrations.jsonread import decode_json
from bot.integrations.normalized import format_validation_error, parse_normalized
from bot.notify.pipeline import ingest_events
from bot.web.auth import bearer_refusal
from bot.web.errors import json_error
from handlers.journey.errors import InvalidEvent
from storage.domain import NormalizedEvent

log = logging.getLogger(__name__)

#: ``app[SERVICES]`` entry the notify feature may set: called after messages were queued
WAKE_DISPATCHER = "wake_dispatcher"
#: most events one ``POST /api/events`` may carry
MAX_EVENTS_PER_REQUEST = 1000

Handler = Callable[[web.Request], Awaitable[web.Response]]


async def _ingest(request: web.Request, events: Sequence[NormalizedEvent], origin: str) -> web.Response:
    app = request.app
    wake = app[SERVICES].get(WAKE_DISPATCHER)
    results = await ingest_events(app[STORE], events, app[CLOCK], app[SETTINGS], on_enqueued=wake)
    answer = answer_for(results)
    log.info(
        "%s: %d event(s) %s -> %d (%s)",
        origin,
        len(events),
        ",".join(sorted({e.type.value for e in events})),
        answer.status,
        ", ".join(f"{r.event_id}={r.status}" for r in results)[:500],
    )
    return web.json_response(answer.body, status=answer.status)


def _webhook_handler(provider: WebhookProvider) -> Handler:
    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        secret = provider.secret(request.app[SETTINGS])
        try:
            provider.verify(body, request.headers.get(provider.signature_header), secret)
        except SignatureError as exc:
            log.warning("%s webhook refused (401): %s", provider.name, exc.reason)
            return json_error(401, exc.reason)
        try:
            events = read_events(provider.parse(body, request.headers), request.app[CLOCK].now())
        except (PayloadError, InvalidEvent) as exc:
            log.warning("%s webhook refused (400): %s", provider.name, exc.reason)
            return json_error(400, exc.reason)
        if not events:
            log.info("%s webhook: nothing doorstep acts on (ignored)", provider.name)
            return web.json_response({"status": "ignored", "events": 0}, status=202)
        return await _ingest(request, events, f"{provider.name} webhook")

    handle.__name__ = f"{provider.name}_webhook"
    return handle


def _api_events(body: bytes) -> list[NormalizedEvent]:
    """One normalized event (a JSON object) or several (a JSON array of them)."""
    value = decode_json(body)
    if isinstance(value, dict):
        return [parse_normalized(body)]
    if not isinstance(value, list) or not value:
        raise PayloadError("body: expected a normalized event object or a non-empty array of them")
    if len(value) > MAX_EVENTS_PER_REQUEST:
        raise PayloadError(f"body: at most {MAX_EVENTS_PER_REQUEST} events per request")
    events = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise PayloadError(f"[{index}]: expected an object")
        try:
            events.append(NormalizedEvent.model_validate(item))
        except ValidationError as exc:
            raise PayloadError(format_validation_error(exc, prefix=f"[{index}].")) from None
    return events


async def post_events(request: web.Request) -> web.Response:
    """``POST /api/events`` (bearer token): normalized events from the shop's own systems."""
    refusal = bearer_refusal(request)
    if refusal is not None:
        return refusal
    body = await request.read()
    if not body.strip():
        return json_error(400, "empty body: send a normalized event as JSON")
    try:
        events = read_events(_api_events(body), request.app[CLOCK].now())
    except (PayloadError, InvalidEvent) as exc:
        log.warning("/api/events refused (400): %s", exc.reason)
        return json_error(400, exc.reason)
    return await _ingest(request, events, "api")


def events_feature(app: web.Application, settings: Settings) -> None:
    """Register the provider webhooks and ``POST /api/events``."""
    for provider in PROVIDERS:
        app.router.add_post(provider.path, _webhook_handler(provider))
    app.router.add_post("/api/events", post_events)
