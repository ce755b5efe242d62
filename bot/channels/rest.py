"""``POST /api/chat``: the REST chat channel (DESIGN.md "Endpoints").

Body ``{"user_id": "web:abc", "text": "..."}`` or ``{"user_id": ..., "payload": "order:1042"}``
(optional ``message_id`` for de-duplication, ``link_token`` for a signed link). Answer
``{"replies": [{"text", "buttons", "links"?}], "intent", "conversation_id"}``. Bad bodies get a
400 with the reason; a user sending faster than ``chat_rate_limit_per_minute`` gets a 429.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiohttp import web

from bot.app_keys import CLOCK
from bot.clock import Clock, SystemClock
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
#: users tracked at most; past this a flood of fresh ids pushes out the least recent ones
#: (which then start afresh) instead of growing the table
MAX_TRACKED_USERS = 100_000

#: ``retry_after(user_id)``: seconds to wait, or None when the message is allowed
Check = Callable[[str], float | None]


def seconds_of(clock: Clock) -> Callable[[], float]:
    """A fast reading in seconds that follows ``clock``.

    The system clock is read as ``time.monotonic`` (a sixth of the cost of an aware datetime);
    any other clock (a test's fake one) through its ``now()``.
    """
    if isinstance(clock, SystemClock):
        return time.monotonic
    return lambda: clock.now().timestamp()


class ChatRateLimiter:
    """At most ``per_minute`` messages per user per minute: a burst of that many, then one every
    ``60 / per_minute`` seconds (GCRA, the generic cell rate algorithm).

    Each user costs one float, the time their allowance is used up to ("theoretical arrival
    time"), so a check is a dict look-up and a store whatever the number of users. Users live in
    two generations: new ones go into the current one; when a new user arrives a minute after the
    last turn (or the current generation holds half of ``max_users``), the previous generation is
    dropped whole and the current one becomes the previous. A user seen again in the previous
    generation moves back to the current one. A minute after a user's last message their entry
    means nothing any more (they would start afresh), so a turn drops only users who have been
    idle that long, unless a flood of fresh ids hits the bound first: the table never holds more
    than ``max_users`` and never scans.
    """

    __slots__ = ("_tracked", "retry_after")

    def __init__(self, per_minute: int, clock: Clock, *, max_users: int = MAX_TRACKED_USERS) -> None:
        self.retry_after: Check
        self._tracked: Callable[[], int]
        self.retry_after, self._tracked = _gcra(WINDOW_SECONDS / per_minute, seconds_of(clock), max_users)

    def __len__(self) -> int:
        """Users currently tracked (both generations)."""
        return self._tracked()


def _gcra(interval: float, seconds: Callable[[], float], max_users: int) -> tuple[Check, Callable[[], int]]:
    """The check of :class:`ChatRateLimiter` and its size, as closures over the two generations.

    Closures rather than methods: local cells are read faster than instance attributes, which
    keeps a check within twice the cost of a bare dict look-up (``bench/chat_ratelimit``).
    """
    slack = WINDOW_SECONDS - interval  # how far ahead of now the allowance may already be used
    cap = max(1, max_users // 2)
    current: dict[str, float] = {}
    previous: dict[str, float] = {}
    turn_at = seconds() + WINDOW_SECONDS

    def retry_after(user_id: str) -> float | None:
        nonlocal current, previous, turn_at
        now = seconds()
        tat = current.get(user_id)
        if tat is None:
            tat = previous.pop(user_id, None)
            if tat is None:  # a new user: a turn of the generations is due only now
                if now >= turn_at or len(current) >= cap:
                    previous, current, turn_at = current, {}, now + WINDOW_SECONDS
                current[user_id] = now + interval
                return None
        if tat > now + slack:
            current[user_id] = tat  # a refused message is not counted
            return tat - slack - now
        current[user_id] = (tat if tat > now else now) + interval
        return None

    def tracked() -> int:
        return len(current) + len(previous)

    return retry_after, tracked


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
