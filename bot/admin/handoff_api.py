"""The handoff API (bearer token, JSON): the console's inbox for other tools.

* ``GET /api/handoffs?status=open`` (``open`` = still with staff: open or claimed; also
  ``claimed``, ``resolved``, ``returned``, ``all``; ``limit`` 1-500, default 100);
  ``GET /api/handoffs/{id}``: one handoff with its order context and transcript.
* ``POST /api/handoffs/{id}/reply`` ``{"text", "agent"}``: relayed to the shopper as
  ``"<agent> (support): <text>"``; a text starting with ``note:`` is an internal note, kept, never
  sent. An ``Idempotency-Key`` header makes a retry safe: the same key again answers 409.
* ``POST /api/handoffs/{id}/claim`` ``{"agent"}``, ``/resolve`` and ``/release`` (back to the bot)
  with an optional ``{"agent"}``: 409 when the handoff has already moved on.

Errors: 401 (token), 404 (no such handoff), 400 (bad body, with the reason), 409 (ended or
already done), 502 (the shopper's channel refused the reply).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.admin.errors import BadRequest
from bot.admin.staff import (
    API_DESK,
    MAX_AGENT_CHARS,
    MAX_TEXT_CHARS,
    STATUS_FILTERS,
    Verdict,
    change,
    change_verdict,
    first_use,
    reply_verdict,
)
from bot.admin.views import handoff_view
from bot.app_keys import STORE
from bot.handoffs.errors import HandoffNotFound
from bot.handoffs.feature import HANDOFF_SERVICE
from bot.handoffs.service import HandoffService
from bot.integrations.errors import PayloadError
from bot.integrations.jsonread import decode_json
from bot.web.auth import bearer_refusal
from bot.web.errors import json_error

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
#: the agent named for a resolve / release that names none
DEFAULT_AGENT = "support"
MAX_IDEMPOTENCY_KEY_CHARS = 200

HandoffHandler = Callable[[web.Request, int], Awaitable[web.Response]]


def add_handoff_api(app: web.Application) -> None:
    """Mount the handoff API's routes."""
    app.router.add_get("/api/handoffs", list_handoffs)
    app.router.add_get("/api/handoffs/{id}", get_handoff)
    app.router.add_post("/api/handoffs/{id}/reply", post_reply)
    app.router.add_post("/api/handoffs/{id}/claim", post_claim)
    app.router.add_post("/api/handoffs/{id}/resolve", post_resolve)
    app.router.add_post("/api/handoffs/{id}/release", post_release)


def _service(request: web.Request) -> HandoffService:
    return request.app[HANDOFF_SERVICE]


def _handoff_id(request: web.Request) -> int | None:
    raw = request.match_info["id"]
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        return None
    return int(raw)


async def _body(request: web.Request, *, required: bool) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip() and not required:
        return {}
    try:
        body = decode_json(raw)
    except PayloadError as exc:
        raise BadRequest(f"body must be a JSON object ({exc.reason})") from None
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    return body


def _text_field(body: dict[str, Any], name: str, limit: int, *, required: bool) -> str:
    value = body.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"{name} is required (a non-empty string)")
    if len(value) > limit:
        raise BadRequest(f"{name} is too long (at most {limit} characters)")
    if name == "agent" and not value.isprintable():
        raise BadRequest("agent must be one line of printable text")
    return " ".join(value.split()) if name == "agent" else value


def _one_handoff(handler: HandoffHandler) -> Callable[[web.Request], Awaitable[web.Response]]:
    """A route about the handoff ``{id}``: 401 without the token, 404 for an id no handoff has."""

    @functools.wraps(handler)
    async def checked(request: web.Request) -> web.Response:
        refusal = bearer_refusal(request)
        if refusal is not None:
            return refusal
        handoff_id = _handoff_id(request)
        if handoff_id is None:
            return json_error(404, "no such handoff")
        try:
            return await handler(request, handoff_id)
        except HandoffNotFound:
            return json_error(404, "no such handoff")

    return checked


def _answer(verdict: Verdict, extra: dict[str, Any]) -> web.Response:
    if verdict.ok:
        return web.json_response({"message": verdict.message, **extra})
    return json_error(verdict.status, verdict.message)


async def list_handoffs(request: web.Request) -> web.Response:
    """Handoffs by status, each with its order context and last transcript lines."""
    refusal = bearer_refusal(request)
    if refusal is not None:
        return refusal
    status = request.query.get("status", "open")
    if status not in STATUS_FILTERS:
        return json_error(400, f"status must be one of {', '.join(STATUS_FILTERS)}")
    raw_limit = request.query.get("limit", str(DEFAULT_LIMIT))
    if not raw_limit.isascii() or not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIMIT:
        return json_error(400, f"limit must be a whole number from 1 to {MAX_LIMIT}")
    found = await _service(request).listed(STATUS_FILTERS[status], limit=int(raw_limit))
    return web.json_response({"status": status, "handoffs": [handoff_view(ctx) for ctx in found]})


@_one_handoff
async def get_handoff(request: web.Request, handoff_id: int) -> web.Response:
    """One handoff with its order context and transcript."""
    ctx = await _service(request).context(handoff_id)
    return web.json_response(handoff_view(ctx))


@_one_handoff
async def post_reply(request: web.Request, handoff_id: int) -> web.Response:
    """Relay a staff reply (or keep a ``note:``); 409 once the handoff ended or for a used Idempotency-Key."""
    try:
        body = await _body(request, required=True)
        text = _text_field(body, "text", MAX_TEXT_CHARS, required=True)
        agent = _text_field(body, "agent", MAX_AGENT_CHARS, required=True)
    except BadRequest as exc:
        return json_error(400, exc.reason)
    key = request.headers.get("Idempotency-Key")
    if key is not None and (not key.strip() or len(key) > MAX_IDEMPOTENCY_KEY_CHARS):
        return json_error(400, f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY_CHARS} characters")
    service = _service(request)
    ctx = await service.context(handoff_id, transcript_lines=0)
    if key is not None and not await first_use(request.app[STORE], handoff_id, key):
        log.info("handoff %d: a reply with a used Idempotency-Key was not sent again", handoff_id)
        return json_error(409, "this Idempotency-Key was already used: the reply was not sent again")
    outcome = await service.reply(handoff_id, text=text, agent=agent, desk=API_DESK)
    verdict = reply_verdict(outcome, ctx.conversation.channel)
    return _answer(verdict, {"result": outcome.result.value, "handoff_id": handoff_id})


@_one_handoff
async def post_claim(request: web.Request, handoff_id: int) -> web.Response:
    """Claim an open handoff for ``agent``."""
    return await _change(request, handoff_id, "claimed", agent_required=True)


@_one_handoff
async def post_resolve(request: web.Request, handoff_id: int) -> web.Response:
    """Resolve the handoff: the conversation goes back to the bot and the shopper is told."""
    return await _change(request, handoff_id, "resolved", agent_required=False)


@_one_handoff
async def post_release(request: web.Request, handoff_id: int) -> web.Response:
    """Give the conversation back to the bot without resolving; the shopper is told."""
    return await _change(request, handoff_id, "returned", agent_required=False)


async def _change(
    request: web.Request, handoff_id: int, status: str, *, agent_required: bool
) -> web.Response:
    try:
        body = await _body(request, required=agent_required)
        agent = _text_field(body, "agent", MAX_AGENT_CHARS, required=agent_required) or DEFAULT_AGENT
    except BadRequest as exc:
        return json_error(400, exc.reason)
    outcome = await change(_service(request), handoff_id, status, agent=agent, desk=API_DESK)
    verdict = change_verdict(outcome, status)
    return _answer(
        verdict,
        {"result": status, "handoff_id": handoff_id, "status": outcome.handoff.status},
    )
