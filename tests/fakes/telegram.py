"""FakeTelegram: a small Telegram Bot API server on 127.0.0.1 for driving python-telegram-bot over HTTP.

async with FakeTelegram(token="123:ABC") as fake:
    bot = telegram.Bot("123:ABC", base_url=fake.api_base_url, base_file_url=fake.file_base_url)
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
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
from tests.fakes.telegram_methods import BotApiMethods, ChatKey, StoredFile, chat_key
from tests.fakes.telegram_spec import DEFAULT_SPEC_PATH, MethodSpec, TelegramApiSpec, UploadedFile
from tests.fakes.telegram_updates import (
    DEFAULT_BOT_FIRST_NAME,
    DEFAULT_BOT_ID,
    DEFAULT_BOT_USERNAME,
    make_callback_update,
    make_edited_message_update,
    make_photo_update,
    make_start_update,
    make_sticker_update,
    make_text_update,
)

__all__ = [
    "Call",
    "FakeTelegram",
    "StoredFile",
    "WebhookDelivery",
    "make_callback_update",
    "make_edited_message_update",
    "make_photo_update",
    "make_start_update",
    "make_sticker_update",
    "make_text_update",
]

BLOCKED_DESCRIPTION = "Forbidden: bot was blocked by the user"
WEBHOOK_CONFLICT = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: BLOCKED_DESCRIPTION,
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
    504: "Gateway Timeout",
}
FIRST_UPDATE_ID = 100000001
MESSAGE_UPDATE_KEYS = ("message", "edited_message", "channel_post", "edited_channel_post")


@dataclass(frozen=True)
class WebhookDelivery:
    """One update POSTed to the registered webhook by `deliver_webhook`, and the status it got."""

    update: dict[str, Any]
    status: int
    at: float


def _is_sending(method: str) -> bool:
    """Methods that put a message into a chat: rate limited, and refused for chats that blocked the bot."""
    return (method.startswith("send") and method != "sendChatAction") or method in {
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
    }


class FakeTelegram(FakeHttpServer):
    """A fake Telegram Bot API server (`/bot<token>/<method>` and `/file/bot<token>/<path>`).

    Args:
        token: if set, requests with another token get 401 Unauthorized; None accepts any token.
        rate_limit_global: sends per second over all chats (None = unlimited).
        rate_limit_per_chat: sends per second per chat (None = unlimited).
        rate_limit_burst_seconds: bucket size in seconds of rate (at least one request).
        fractional_retry_after: announce float retry_after (e.g. 0.05) instead of integer seconds >= 1.
        hang_seconds: how long `fail_next(..., timeout=True)` holds a request open.
        strict_chats: sending to a chat never seen in an update answers "Bad Request: chat not found".
        spec_path: the Bot API spec JSON used to validate parameter names and required fields.
    """

    def __init__(
        self,
        token: str | None = None,
        *,
        rate_limit_global: float | None = None,
        rate_limit_per_chat: float | None = None,
        rate_limit_burst_seconds: float = 1.0,
        fractional_retry_after: bool = False,
        hang_seconds: float = 30.0,
        strict_chats: bool = False,
        bot_username: str = DEFAULT_BOT_USERNAME,
        spec_path: Path = DEFAULT_SPEC_PATH,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(host=host, port=port)
        self.token = token
        prefix = token.split(":", 1)[0] if token else ""
        self.bot_id = int(prefix) if prefix.isdigit() else DEFAULT_BOT_ID
        self.bot_user: dict[str, Any] = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": DEFAULT_BOT_FIRST_NAME,
            "username": bot_username,
        }
        self.spec = TelegramApiSpec.load(spec_path)
        self.state = BotApiMethods(self.spec, self.bot_user, strict_chats=strict_chats)
        self.calls: list[Call] = []
        self.throttled_count = 0
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.hang_seconds = hang_seconds
        self.fractional_retry_after = fractional_retry_after
        self._global_limiter = make_limiter(rate_limit_global, rate_limit_burst_seconds)
        self._chat_limiter = make_limiter(rate_limit_per_chat, rate_limit_burst_seconds)
        self._failures = FailurePlans()
        self._blocked: set[ChatKey] = set()
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = FIRST_UPDATE_ID
        self._updates_changed = asyncio.Event()
        #: bumped by every getUpdates: a long poll still waiting when another one arrives is ended with 409
        self._poll_generation = 0
        #: getUpdates calls ended with 409 because another poller came (two bot instances polling)
        self.poll_conflicts = 0
        self._allowed_updates: list[str] | None = None
        self._client: aiohttp.ClientSession | None = None
        self._handlers: dict[str, Callable[[dict[str, Any]], Any]] = {
            "getMe": self.state.get_me,
            "sendMessage": self.state.send_message,
            "sendPhoto": self.state.send_photo,
            "sendDocument": self.state.send_document,
            "editMessageText": self.state.edit_message_text,
            "editMessageReplyMarkup": self.state.edit_message_reply_markup,
            "deleteMessage": self.state.delete_message,
            "answerCallbackQuery": self.state.answer_callback_query,
            "sendChatAction": self.state.send_chat_action,
            "getFile": self.state.get_file,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": lambda params: self.state.get_webhook_info(len(self._updates)),
            "setMyCommands": self.state.set_my_commands,
        }

    # ---- URLs ----------------------------------------------------------------------------------

    @property
    def api_base_url(self) -> str:
        """Pass as PTB's `base_url` (PTB appends the token): `http://127.0.0.1:<port>/bot`."""
        return f"{self.base_url}/bot"

    @property
    def file_base_url(self) -> str:
        """Pass as PTB's `base_file_url`: `http://127.0.0.1:<port>/file/bot`."""
        return f"{self.base_url}/file/bot"

    # ---- behaviour controls --------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int = 429,
        *,
        retry_after: float = 1,
        count: int = 1,
        description: str | None = None,
        timeout: bool = False,
    ) -> None:
        """Make the next `count` calls of `method` fail.

        status 429 answers with `parameters.retry_after`; 403 defaults to "bot was blocked by the
        user"; any other status answers its usual description. `timeout=True` holds the request open
        for `hang_seconds` (or until stop) so the client times out; such calls are recorded with status 0.
        """
        spec = self.spec.method(method)
        if spec is None:
            raise FakeServerError(f"fail_next: {method!r} is not a Bot API method")
        canonical = spec.name
        self._failures.add(
            canonical,
            PlannedFailure(
                status=status, count=count, retry_after=retry_after, description=description, timeout=timeout
            ),
        )

    def block_chat(self, chat_id: int | str) -> None:
        """From now on every send to `chat_id` answers 403 "Forbidden: bot was blocked by the user"."""
        self._blocked.add(chat_key(chat_id))

    def unblock_chat(self, chat_id: int | str) -> None:
        """Undo `block_chat`."""
        self._blocked.discard(chat_key(chat_id))

    def add_file(self, file_id: str, content: bytes, file_path: str | None = None) -> StoredFile:
        """Register a file getFile will describe and `/file/bot<token>/<file_path>` will serve."""
        return self.state.add_file(file_id, content, file_path)

    def reset_calls(self) -> None:
        """Forget recorded calls, webhook deliveries and the throttled count (state is kept)."""
        self.calls.clear()
        self.webhook_deliveries.clear()
        self.throttled_count = 0

    # ---- inspection ----------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        """Every recorded call of `method` (any outcome), in arrival order."""
        canonical = self._canonical(method)
        return [call for call in self.calls if call.method == canonical]

    def sent_messages(self, chat_id: int | str | None = None) -> list[dict[str, Any]]:
        """Decoded params of successful sendMessage calls (optionally to one chat), in order.

        `chat_id` is an int for numeric ids; `reply_markup` is a dict.
        """
        wanted = None if chat_id is None else chat_key(chat_id)
        return [
            dict(call.params)
            for call in self.calls
            if call.method == "sendMessage"
            and call.status == 200
            and (wanted is None or chat_key(call.params.get("chat_id")) == wanted)
        ]

    def chat_messages(self, chat_id: int | str) -> list[dict[str, Any]]:
        """Current Message objects in a chat (bot messages after edits/deletions, and user messages pushed)."""
        key = chat_key(chat_id)
        found = [message for (chat, _), message in self.state.messages.items() if chat == key]
        return sorted(found, key=lambda message: message["message_id"])

    @property
    def webhook_url(self) -> str | None:
        """The URL registered by setWebhook, or None."""
        return self.state.webhook.url if self.state.webhook else None

    @property
    def webhook_secret(self) -> str | None:
        """The secret_token registered by setWebhook, or None."""
        return self.state.webhook.secret_token if self.state.webhook else None

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates queued for getUpdates and not yet confirmed."""
        return list(self._updates)

    # ---- updates -------------------------------------------------------------------------------

    def prepare_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """A copy of `update` with missing update_id / message_id filled in; its chat is remembered."""
        prepared = copy.deepcopy(update)
        if prepared.get("update_id") is None:
            prepared["update_id"] = self._next_update_id
        self._next_update_id = max(self._next_update_id, prepared["update_id"]) + 1
        for key in MESSAGE_UPDATE_KEYS:
            message = prepared.get(key)
            if isinstance(message, dict):
                if message.get("message_id") is None:
                    message["message_id"] = self.state.next_message_id(chat_key(message["chat"]["id"]))
                self.state.note_message(message)
        callback_message = prepared.get("callback_query", {}).get("message")
        if isinstance(callback_message, dict) and isinstance(callback_message.get("chat"), dict):
            self.state.chats.setdefault(chat_key(callback_message["chat"]["id"]), callback_message["chat"])
        return prepared

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates; returns it with its ids filled in."""
        prepared = self.prepare_update(update)
        self._updates.append(prepared)
        self._updates.sort(key=lambda item: item["update_id"])
        self._wake_pollers()
        return prepared

    async def deliver_webhook(self, update: dict[str, Any]) -> int:
        """POST `update` to the webhook URL as Telegram does (JSON, secret token header); returns the status."""
        webhook = self.state.webhook
        if webhook is None:
            raise FakeServerError("no webhook is set: call setWebhook first")
        if self._client is None:
            raise FakeServerError("FakeTelegram is not started")
        prepared = self.prepare_update(update)
        headers = {"Content-Type": "application/json"}
        if webhook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = webhook.secret_token
        async with self._client.post(webhook.url, data=json.dumps(prepared), headers=headers) as response:
            await response.read()
            status = response.status
        if status != 200:
            webhook.last_error_date = int(time.time())
            webhook.last_error_message = f"Wrong response from the webhook: {status} {response.reason}"
        self.webhook_deliveries.append(WebhookDelivery(update=prepared, status=status, at=self._now()))
        return status

    def _wake_pollers(self) -> None:
        self._updates_changed.set()
        self._updates_changed = asyncio.Event()

    def _confirm_below(self, offset: int) -> None:
        self._updates = [item for item in self._updates if item["update_id"] >= offset]

    def _select_updates(self, offset: int | None, limit: int) -> list[dict[str, Any]]:
        if offset is not None and offset < 0:
            self._updates = self._updates[offset:]
        elif offset is not None:
            self._confirm_below(offset)
        if self._allowed_updates:
            allowed = set(self._allowed_updates)
            self._updates = [item for item in self._updates if allowed & (set(item) - {"update_id"})]
        return self._updates[:limit]

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.state.webhook is not None:
            raise ApiRejection(409, WEBHOOK_CONFLICT)
        if "allowed_updates" in params:
            self._allowed_updates = params["allowed_updates"] or None
        limit = min(max(params.get("limit", 100), 1), 100)
        offset = params.get("offset")
        deadline = self._now() + max(params.get("timeout", 0), 0)
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()  # an older long poll still waiting is ended (as Telegram does)
        while True:
            if generation != self._poll_generation:
                self.poll_conflicts += 1
                raise ApiRejection(409, DEFAULT_DESCRIPTIONS[409])
            batch = self._select_updates(offset, limit)
            remaining = deadline - self._now()
            if batch or remaining <= 0 or self._stopping.is_set():
                return copy.deepcopy(batch)
            changed = self._updates_changed
            try:
                await asyncio.wait_for(changed.wait(), timeout=remaining)
            except TimeoutError:
                pass

    def _set_webhook(self, params: dict[str, Any]) -> bool:
        result = self.state.set_webhook(params)
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._wake_pollers()
        return result

    def _delete_webhook(self, params: dict[str, Any]) -> bool:
        result = self.state.delete_webhook(params)
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return result

    # ---- HTTP ----------------------------------------------------------------------------------

    def _build_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY_BYTES)
        self._add_control_routes(app)
        app.router.add_post("/_fake/updates", self._handle_push_update)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        return app

    async def _on_start(self) -> None:
        self._client = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))

    async def _on_stop(self) -> None:
        self._wake_pollers()
        if self._client is not None:
            await self._client.close()
            self._client = None

    def _canonical(self, method: str) -> str:
        spec = self.spec.method(method)
        return spec.name if spec else method

    async def _handle_push_update(self, request: web.Request) -> web.Response:
        """`POST /_fake/updates` with an update dict: `push_update` for a fake running in another process."""
        return web.json_response(self.push_update(await request.json()))

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if self.token is not None and request.match_info["token"] != self.token:
            return _error_response(401, "Unauthorized")
        stored = self.state.files_by_path.get(request.match_info["path"])
        if stored is None:
            return _error_response(404, "Not Found")
        return web.Response(body=stored.content, content_type="application/octet-stream")

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        arrived = self._now()
        method_name = request.match_info["method"]
        spec = self.spec.method(method_name)
        name = spec.name if spec else method_name
        params: dict[str, Any] = {}
        try:
            if self.token is not None and request.match_info["token"] != self.token:
                raise ApiRejection(401, "Unauthorized")
            if spec is None:
                raise ApiRejection(404, "Not Found")
            params = await _read_params(request, spec)
            params = self.spec.decode_params(spec, params)
            failure = self._failures.take(name)
            if failure is not None and failure.timeout:
                self.calls.append(Call(name, params, arrived, 0, "timeout"))
                await self._hang(self.hang_seconds)
                return _error_response(504, DEFAULT_DESCRIPTIONS[504])
            if failure is not None:
                raise _planned_rejection(failure)
            self._check_chat_gates(name, params, arrived)
            result = await self._dispatch(spec, params)
        except ApiRejection as rejection:
            if rejection.status == 429:
                self.throttled_count += 1
            self.calls.append(Call(name, params, arrived, rejection.status, rejection.description))
            return _error_response(rejection.status, rejection.description, rejection.retry_after)
        self.calls.append(Call(name, params, arrived, 200))
        return web.json_response({"ok": True, "result": result})

    def _check_chat_gates(self, method: str, params: dict[str, Any], now: float) -> None:
        """Blocked chats and rate limits, for methods that send into a chat."""
        if not (_is_sending(method) or method == "sendChatAction") or "chat_id" not in params:
            return
        key = chat_key(params["chat_id"])
        if key in self._blocked:
            raise ApiRejection(403, BLOCKED_DESCRIPTION)
        if not _is_sending(method):
            return
        waits = [
            limiter.wait_needed(limiter_key, now)
            for limiter, limiter_key in ((self._chat_limiter, key), (self._global_limiter, "global"))
            if limiter is not None
        ]
        wait = max(waits, default=0.0)
        if wait > 0:
            retry_after = retry_after_value(wait, fractional=self.fractional_retry_after)
            raise ApiRejection(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)
        if self._chat_limiter is not None:
            self._chat_limiter.consume(key, now)
        if self._global_limiter is not None:
            self._global_limiter.consume("global", now)

    async def _dispatch(self, spec: MethodSpec, params: dict[str, Any]) -> Any:
        if spec.name == "getUpdates":
            return await self._get_updates(params)
        handler = self._handlers.get(spec.name)
        if handler is not None:
            return handler(params)
        if spec.returns in {("Boolean",), ("True",)}:
            return True
        raise ApiRejection(400, f"Bad Request: method {spec.name} is not implemented by FakeTelegram")


def _planned_rejection(failure: PlannedFailure) -> ApiRejection:
    if failure.status == 429:
        retry_after = failure.retry_after if failure.retry_after is not None else 1
        return ApiRejection(
            429,
            failure.description or f"Too Many Requests: retry after {retry_after}",
            retry_after=retry_after,
        )
    description = failure.description or DEFAULT_DESCRIPTIONS.get(failure.status, f"Error {failure.status}")
    return ApiRejection(failure.status, description)


def _error_response(status: int, description: str, retry_after: float | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if status == 429 and retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=status)


async def _read_params(request: web.Request, spec: MethodSpec) -> dict[str, Any]:
    """Query string plus a JSON, urlencoded or multipart body; `attach://name` files are resolved."""
    raw: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        body = await request.read()
        if body:
            try:
                decoded = json.loads(body)
            except ValueError as exc:
                raise ApiRejection(400, "Bad Request: can't parse JSON object") from exc
            if not isinstance(decoded, dict):
                raise ApiRejection(400, "Bad Request: can't parse JSON object")
            raw.update(decoded)
    elif request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                raw[key] = UploadedFile(value.filename, value.content_type, value.file.read())
            else:
                raw[key] = value
    attachments = {
        key: value for key, value in raw.items() if isinstance(value, UploadedFile) and key not in spec.fields
    }
    for key in attachments:
        del raw[key]
    for key, value in raw.items():
        if (
            isinstance(value, str)
            and value.startswith("attach://")
            and value[len("attach://") :] in attachments
        ):
            raw[key] = attachments[value[len("attach://") :]]
    return raw
