"""``POST /api/chat``: the REST chat channel (DESIGN.md "Endpoints").

Body ``{"user_id": "web:abc", "text": "..."}`` or ``{"user_id": ..., "payload": "order:1042"}``
(optional ``message_id`` for de-duplication, ``link_token`` for a signed link). Answer
``{"replies": [{"text", "buttons", "links"?}], "intent", "conversation_id"}``. Bad bodies get a
400 with the reason; a user sending faster than ``chat_rate_limit_per_minute`` gets a 429.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from datetime import datetime
from typing import Any

from aiohttp import web

from bot.app_keys import CLOCK
from bot.clock import Clock
from bot.config import Settings
from bot.engine.errors import ConcurrentUpdateError
from bot.integrations.errors import PayloadError
from bot.integrations.jsonread import decode_json
from bot.web.errors import json_error
from handlers.messages import IncomingMessage

log = logging.getLogger(__name__)

CHANNEL = "rest"
MAX_TEXT_CHARS = 2000
MAX_USER_ID_CHARS = 128
MAX_PAYLOAD_CHARS = 200
MAX_ID_CHARS = 200
WINDOW_SECONDS = 60.0
#: forget idle users once this many are tracked
_PRUNE_AT = 10_000


class ChatRateLimiter:
    """At most ``per_minute`` messages per user in any sliding 60-second window."""

    def __init__(self, per_minute: int, clock: Clock) -> None:
        self._limit = per_minute
        self._clock = clock
        self._hits: dict[str, deque[datetime]] = {}

    def retry_after(self, user_id: str) -> float | None:
        """Seconds the user must wait, or None when this message is allowed (it is then counted)."""
        now = self._clock.now()
        hits = self._hits.get(user_id)
        if hits is None:
            if len(self._hits) >= _PRUNE_AT:
                self._prune(now)
            hits = self._hits[user_id] = deque()
        while hits and (now - hits[0]).total_seconds() >= WINDOW_SECONDS:
            hits.popleft()
        if len(hits) >= self._limit:
            return max(0.0, WINDOW_SECONDS - (now - hits[0]).total_seconds())
        hits.append(now)
        return None

    def _prune(self, now: datetime) -> None:
        idle = [
            user
            for user, hits in self._hits.items()
            if not hits or (now - hits[-1]).total_seconds() >= WINDOW_SECONDS
        ]
        for user in idle:
            del self._hits[user]


CHAT_LIMITER: web.AppKey[ChatRateLimiter] = web.AppKey("chat_limiter", ChatRateLimiter)


class BadChatRequest(ValueError):
    """The body is not a chat message; the text is the reason given to the client."""


def _optional_string(body: dict[str, Any], key: str, limit: int) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadChatRequest(f"{key} must be a string")
    if len(value) > limit:
        raise BadChatRequest(f"{key} is too long (at most {limit} characters)")
    return value


def parse_chat_body(raw: bytes, received_at: datetime | None = None) -> tuple[str, IncomingMessage]:
    """The user id and the message in a request body; raises :class:`BadChatRequest`.

    The body is decoded by the shared JSON reader (its nesting and number limits); half of an
    emoji (a lone surrogate) or a NUL becomes U+FFFD, so the message is still answered and stored.
    """
    try:
        body = decode_json(raw, surrogates="replace")
    except PayloadError as exc:
        raise BadChatRequest(f'body must be JSON like {{"user_id": "web:abc", "text": "hi"}} ({exc.reason})') from None
    if not isinstance(body, dict):
        raise BadChatRequest("body must be a JSON object")
    user_id = body.get("user_id")
    if not isinstance(user_id, str) or not user_id.strip():
        raise BadChatRequest("user_id is required (a non-empty string)")
    if len(user_id) > MAX_USER_ID_CHARS:
        raise BadChatRequest(f"user_id is too long (at most {MAX_USER_ID_CHARS} characters)")
    text = _optional_string(body, "text", MAX_TEXT_CHARS) or ""
    payload = _optional_string(body, "payload", MAX_PAYLOAD_CHARS)
    message_id = _optional_string(body, "message_id", MAX_ID_CHARS)
    link_token = _optional_string(body, "link_token", MAX_ID_CHARS)
    if not text.strip() and not payload and not link_token:
        raise BadChatRequest("send text or a payload")
    message = IncomingMessage(
        channel=CHANNEL,
        external_id=user_id,
        text=text,
        payload=payload,
        message_id=message_id,
        link_token=link_token,
        received_at=received_at,
    )
    return user_id, message


async def post_chat(request: web.Request) -> web.Response:
    """Answer one chat message."""
    from bot.engine.feature import ENGINE

    try:
        user_id, message = parse_chat_body(await request.read(), request.app[CLOCK].now())
    except BadChatRequest as exc:
        return json_error(400, str(exc))
    wait = request.app[CHAT_LIMITER].retry_after(user_id)
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        response = web.json_response(
            {
                "error": f"You're sending messages a little too fast. Please wait {seconds} seconds and try again.",
                "retry_after": seconds,
            },
            status=429,
        )
        response.headers["Retry-After"] = str(seconds)
        return response
    try:
        result = await request.app[ENGINE].handle(message)
    except ConcurrentUpdateError:
        return json_error(503, "this conversation is busy with another message; please send it again")
    answer: dict[str, object] = {
        "replies": [reply.to_dict() for reply in result.replies],
        "intent": result.intent,
        "conversation_id": str(result.conversation_id),
    }
    if result.duplicate:
        answer["duplicate"] = True
    return web.json_response(answer)


def add_chat_routes(app: web.Application, settings: Settings) -> None:
    """Register ``POST /api/chat`` and its per-user rate limiter."""
    app[CHAT_LIMITER] = ChatRateLimiter(settings.chat_rate_limit_per_minute, app[CLOCK])
    app.router.add_post("/api/chat", post_chat)
