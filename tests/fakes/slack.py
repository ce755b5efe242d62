"""FakeSlack: a small Slack Web API server on 127.0.0.1 for driving slack_sdk / slack_bolt over HTTP.

async with FakeSlack(token="xoxb-test") as fake:
    client = AsyncWebClient(token="xoxb-test", base_url=fake.api_base_url)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from tests.fakes._server import (
    MAX_BODY_BYTES,
    Call,
    FailurePlans,
    FakeHttpServer,
    PlannedFailure,
    make_limiter,
    retry_after_value,
)
from tests.fakes.errors import ApiRejection, FakeServerError
from tests.fakes.slack_methods import SlackIdentity, SlackWorkspace, decode_structured, slack_error
from tests.fakes.slack_payloads import (
    DEFAULT_BOT_ID,
    DEFAULT_BOT_USER_ID,
    DEFAULT_TEAM_DOMAIN,
    DEFAULT_TEAM_ID,
    FORM_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    make_app_mention_event,
    make_block_action_body,
    make_event_callback,
    make_message_event,
    make_slash_command_body,
    make_url_verification_body,
    sign_slack_request,
)

__all__ = [
    "FORM_CONTENT_TYPE",
    "JSON_CONTENT_TYPE",
    "Call",
    "FakeSlack",
    "ResponsePost",
    "make_app_mention_event",
    "make_block_action_body",
    "make_event_callback",
    "make_message_event",
    "make_slash_command_body",
    "make_url_verification_body",
    "sign_slack_request",
]

RATE_LIMITED_METHODS = frozenset({"chat.postMessage"})
DEFAULT_ERRORS = {429: "ratelimited", 500: "internal_error", 502: "fatal_error", 503: "service_unavailable"}


@dataclass(frozen=True)
class ResponsePost:
    """One POST to a response_url served by the fake (`body` is the decoded JSON or form)."""

    response_id: str
    body: dict[str, Any]
    at: float


class FakeSlack(FakeHttpServer):
    """A fake Slack Web API (`/api/<method>`) plus response_url endpoints (`/response/<id>`).

    Args:
        token: the bot token clients must send (`Authorization: Bearer` or a `token` param).
        rate_limit_per_channel: chat.postMessage per second per channel (None = unlimited).
        rate_limit_burst_seconds: bucket size in seconds of rate (at least one request).
        hang_seconds: how long `fail_next(..., timeout=True)` holds a request open.
        first_ts: the seconds part of the first message ts the fake hands out.
    """

    def __init__(
        self,
        token: str = "xoxb-test-token",
        *,
        team_id: str = DEFAULT_TEAM_ID,
        team_name: str = "Doorstep Test",
        bot_user_id: str = DEFAULT_BOT_USER_ID,
        bot_id: str = DEFAULT_BOT_ID,
        rate_limit_per_channel: float | None = None,
        rate_limit_burst_seconds: float = 1.0,
        hang_seconds: float = 30.0,
        first_ts: int = 1700000000,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(host=host, port=port)
        self.token = token
        self.identity = SlackIdentity(
            team_id=team_id,
            team_name=team_name,
            team_domain=DEFAULT_TEAM_DOMAIN,
            bot_user_id=bot_user_id,
            bot_id=bot_id,
            bot_name="doorstep",
        )
        self.workspace = SlackWorkspace(self.identity, first_ts)
        self.calls: list[Call] = []
        self.responses: list[ResponsePost] = []
        self.throttled_count = 0
        self.hang_seconds = hang_seconds
        self._channel_limiter = make_limiter(rate_limit_per_channel, rate_limit_burst_seconds)
        self._failures = FailurePlans()
        workspace = self.workspace
        self._handlers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "auth.test": workspace.auth_test,
            "chat.postMessage": workspace.chat_post_message,
            "chat.update": workspace.chat_update,
            "chat.postEphemeral": workspace.chat_post_ephemeral,
            "chat.delete": workspace.chat_delete,
            "users.info": workspace.users_info,
            "conversations.replies": workspace.conversations_replies,
            "conversations.info": workspace.conversations_info,
            "conversations.open": workspace.conversations_open,
            "reactions.add": workspace.reactions_add,
        }

    # ---- URLs ----------------------------------------------------------------------------------

    @property
    def api_base_url(self) -> str:
        """Pass as slack_sdk's `base_url`: `http://127.0.0.1:<port>/api/` (with the trailing slash)."""
        return f"{self.base_url}/api/"

    def response_url(self, response_id: str) -> str:
        """A response_url for slash commands / actions whose POSTs the fake captures under `response_id`."""
        return f"{self.base_url}/response/{response_id}"

    # ---- workspace set-up ----------------------------------------------------------------------

    def add_user(self, user_id: str, real_name: str, display_name: str | None = None, **extra: Any) -> None:
        """Register a user for users.info (display_name defaults to the first word of real_name)."""
        self.workspace.add_user(user_id, real_name, display_name, **extra)

    def add_channel(self, channel_id: str, name: str) -> None:
        """Register a channel (so `#name` resolves and conversations.info describes it)."""
        self.workspace.add_channel(channel_id, name)

    def add_message(self, channel: str, text: str, *, user: str, thread_ts: str | None = None) -> str:
        """Record a message a human posted (e.g. a staff reply in a thread); returns its ts."""
        return self.workspace.store_message(channel, user=user, text=text, thread_ts=thread_ts, extra={})[
            "ts"
        ]

    def next_ts(self) -> str:
        """A fresh unique message ts from the fake's sequence (for building events that must not collide)."""
        return self.workspace.next_ts()

    # ---- behaviour controls --------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int = 429,
        *,
        retry_after: int = 1,
        count: int = 1,
        error: str | None = None,
        timeout: bool = False,
    ) -> None:
        """Make the next `count` calls of `method` fail.

        429 answers HTTP 429 with `Retry-After: <retry_after>` and error "ratelimited"; status 200
        answers `{"ok": false, "error": error}` (e.g. error="channel_not_found"); other statuses answer
        that HTTP status. `timeout=True` holds the request open (recorded with status 0).
        """
        if method not in self._handlers:
            raise FakeServerError(f"fail_next: FakeSlack does not serve {method!r}")
        self._failures.add(
            method,
            PlannedFailure(
                status=status, count=count, retry_after=retry_after, description=error, timeout=timeout
            ),
        )

    def reset_calls(self) -> None:
        """Forget recorded calls, response_url posts and the throttled count (workspace state is kept)."""
        self.calls.clear()
        self.responses.clear()
        self.throttled_count = 0

    # ---- inspection ----------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        """Every recorded call of `method` (any outcome), in arrival order."""
        return [call for call in self.calls if call.method == method]

    def posted_messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Params of successful chat.postMessage calls (optionally to one channel), in order."""
        return [
            dict(call.params)
            for call in self.calls
            if call.method == "chat.postMessage"
            and call.status == 200
            and call.error is None
            and (channel is None or call.params.get("channel") == channel)
        ]

    def thread(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """The stored messages of a thread: parent first, then replies in ts order."""
        return self.workspace.conversations_replies({"channel": channel, "ts": thread_ts})["messages"]

    def responses_to(self, response_id: str) -> list[dict[str, Any]]:
        """Bodies posted to `response_url(response_id)`, in order."""
        return [post.body for post in self.responses if post.response_id == response_id]

    # ---- HTTP ----------------------------------------------------------------------------------

    def _build_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY_BYTES)
        self._add_control_routes(app)
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/response/{response_id}", self._handle_response_url)
        return app

    async def _handle_response_url(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        if request.content_type == JSON_CONTENT_TYPE:
            body = json.loads(raw) if raw else {}
        else:
            body = dict(parse_qsl(raw.decode()))
            if "payload" in body:
                body = json.loads(body["payload"])
        self.responses.append(ResponsePost(request.match_info["response_id"], body, self._now()))
        return web.Response(text="ok")

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        arrived = self._now()
        method = request.match_info["method"]
        params: dict[str, Any] = {}
        try:
            params, token = await _read_params(request)
            self._check_token(token)
            handler = self._handlers.get(method)
            if handler is None:
                raise slack_error("unknown_method")
            params = decode_structured(params)
            failure = self._failures.take(method)
            if failure is not None and failure.timeout:
                self.calls.append(Call(method, params, arrived, 0, "timeout"))
                await self._hang(self.hang_seconds)
                return web.json_response({"ok": False, "error": "request_timeout"}, status=504)
            if failure is not None:
                raise _planned_rejection(failure)
            self._check_rate_limit(method, params, arrived)
            result = handler(params)
        except ApiRejection as rejection:
            return self._reject(method, params, arrived, rejection)
        self.calls.append(Call(method, params, arrived, 200))
        return web.json_response({"ok": True, **result})

    def _reject(
        self, method: str, params: dict[str, Any], arrived: float, rejection: ApiRejection
    ) -> web.Response:
        self.calls.append(Call(method, params, arrived, rejection.status, rejection.description))
        headers: dict[str, str] = {}
        if rejection.status == 429:
            self.throttled_count += 1
            headers["Retry-After"] = str(rejection.retry_after)
        body: dict[str, Any] = {"ok": False, "error": rejection.description}
        if rejection.description == "unknown_method":
            body["req_method"] = method
        return web.json_response(body, status=rejection.status, headers=headers)

    def _check_token(self, token: str | None) -> None:
        if not token:
            raise slack_error("not_authed")
        if token != self.token:
            raise slack_error("invalid_auth")

    def _check_rate_limit(self, method: str, params: dict[str, Any], now: float) -> None:
        if self._channel_limiter is None or method not in RATE_LIMITED_METHODS:
            return
        channel = params.get("channel")
        wait = self._channel_limiter.wait_needed(channel, now)
        if wait > 0:
            raise ApiRejection(429, "ratelimited", retry_after=retry_after_value(wait, fractional=False))
        self._channel_limiter.consume(channel, now)


def _planned_rejection(failure: PlannedFailure) -> ApiRejection:
    if failure.status == 429:
        return ApiRejection(
            429, failure.description or "ratelimited", retry_after=int(failure.retry_after or 1)
        )
    error = failure.description or DEFAULT_ERRORS.get(failure.status, "fatal_error")
    return ApiRejection(failure.status, error)


async def _read_params(request: web.Request) -> tuple[dict[str, Any], str | None]:
    """Merged query, form and JSON params (minus `token`) and the token from the header or params."""
    params: dict[str, Any] = dict(request.query)
    if request.content_type == JSON_CONTENT_TYPE:
        raw = await request.read()
        if raw:
            try:
                decoded = json.loads(raw)
            except ValueError as exc:
                raise slack_error("invalid_json") from exc
            if not isinstance(decoded, dict):
                raise slack_error("invalid_json")
            params.update(decoded)
    elif request.content_type in {FORM_CONTENT_TYPE, "multipart/form-data"}:
        form = await request.post()
        params.update({key: value for key, value in form.items() if isinstance(value, str)})
    token = params.pop("token", None)
    authorization = request.headers.get("Authorization", "")
    if authorization.startswith("Bearer "):
        token = authorization[len("Bearer ") :]
    return params, token
