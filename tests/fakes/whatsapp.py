"""FakeWhatsApp: a small WhatsApp Cloud API (Graph API) server on 127.0.0.1 for driving pywa over HTTP,
and the shopper's side: signed webhook notifications delivered to doorstep.

async with FakeWhatsApp(webhook_url="http://127.0.0.1:8080/whatsapp/webhook") as fake:
    client = WhatsApp(phone_id=fake.phone_number_id, token=fake.token, ...)   # base URL: fake.api_base_url
    await fake.send_text("15550123", "where is my order?")                     # a shopper writes

The fake checks the shape of every ``messages`` call (text, interactive buttons and list,
template, read mark and typing) and records it. Like Meta it refuses free-form messages to a
shopper who has not written within 24 hours (131047; its clock is injectable), templates that are
not approved (132001) or get the wrong number of parameters (132000), and messages to blocked
numbers (131026). ``fail_next`` plans other answers: throughput (130429), HTTP 429, 5xx...
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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
)
from tests.fakes.errors import ApiRejection, FakeServerError
from tests.fakes.whatsapp_payloads import (
    check_message,
    contact,
    encode,
    error_body,
    inbound,
    message_kind,
    notification,
    sign_body,
    status_item,
    template_parameters,
)

DEFAULT_TOKEN = "wa-test-token"
DEFAULT_PHONE_NUMBER_ID = "106540352242922"
DEFAULT_DISPLAY_NUMBER = "15550100"
DEFAULT_APP_SECRET = "wa-app-secret-for-tests"
#: templates approved by default: (name, language) -> number of body parameters
DEFAULT_TEMPLATES = {("order_update", "en_US"): 3, ("order_update", "de"): 3}
WINDOW = timedelta(hours=24)

#: error texts as the Graph API gives them
ERRORS = {
    130429: "Rate limit hit",
    131026: "Message undeliverable",
    131047: "Re-engagement message",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    132000: "Number of parameters does not match the expected number of params",
    132001: "Template name does not exist in the translation",
    131000: "Something went wrong",
    190: "Error validating access token",
}


@dataclass(frozen=True)
class SentMessage:
    """A message the fake accepted: its kind, the recipient, the request body and the id handed out."""

    kind: str
    to: str
    body: dict[str, Any]
    message_id: str
    at: float

    @property
    def text(self) -> str:
        """The text the shopper sees (a text body or an interactive body)."""
        if self.kind == "text":
            return str(self.body["text"]["body"])
        if self.kind.startswith("interactive."):
            return str(self.body["interactive"]["body"]["text"])
        return ""

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(title, id) of the reply buttons, or of the list rows."""
        if self.kind == "interactive.button":
            return [
                (b["reply"]["title"], b["reply"]["id"]) for b in self.body["interactive"]["action"]["buttons"]
            ]
        if self.kind == "interactive.list":
            return [
                (row["title"], row["id"])
                for section in self.body["interactive"]["action"]["sections"]
                for row in section["rows"]
            ]
        return []

    @property
    def template(self) -> tuple[str, str, list[str]] | None:
        """(name, language, body parameters) of a template message."""
        if self.kind != "template":
            return None
        template = self.body["template"]
        return template["name"], template["language"]["code"], template_parameters(template)


class FakeWhatsApp(FakeHttpServer):
    """A fake Graph API (``/v<version>/<phone_number_id>/messages``) and a fake WhatsApp user base.

    Args:
        token: the access token clients must send (``Authorization: Bearer``).
        phone_number_id, display_number: the business number.
        app_secret: signs the webhook notifications (``X-Hub-Signature-256``).
        webhook_url: where :meth:`deliver` posts notifications.
        templates: approved (name, language) -> body parameter count.
        clock: the time for the 24-hour window (default: the wall clock).
        enforce_window: refuse free-form messages outside the window with 131047.
        rate_limit_per_second: the number's throughput (130429 beyond it; None = unlimited).
        pair_rate_per_second: messages per second to one shopper (131056 beyond it; None = unlimited).
    """

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        phone_number_id: str = DEFAULT_PHONE_NUMBER_ID,
        display_number: str = DEFAULT_DISPLAY_NUMBER,
        app_secret: str = DEFAULT_APP_SECRET,
        webhook_url: str | None = None,
        templates: dict[tuple[str, str], int] | None = None,
        clock: Callable[[], datetime] | None = None,
        enforce_window: bool = True,
        rate_limit_per_second: float | None = None,
        pair_rate_per_second: float | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(host=host, port=port)
        self.token = token
        self.phone_number_id = phone_number_id
        self.display_number = display_number
        self.app_secret = app_secret
        self.webhook_url = webhook_url
        self.templates = dict(DEFAULT_TEMPLATES if templates is None else templates)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.enforce_window = enforce_window
        self.calls: list[Call] = []
        self.sent: list[SentMessage] = []
        self.throttled_count = 0
        self.blocked: set[str] = set()
        self.last_inbound: dict[str, datetime] = {}
        self.deliveries: list[tuple[dict[str, Any], int]] = []
        self._failures = FailurePlans()
        self._throughput = make_limiter(rate_limit_per_second, 1.0)
        self._pair = make_limiter(pair_rate_per_second, 1.0)
        self._ids = itertools.count(1)
        self._client: aiohttp.ClientSession | None = None

    # ---- URLs and set-up -----------------------------------------------------------------------
    @property
    def api_base_url(self) -> str:
        """Pass as ``DOORSTEP_WHATSAPP_API_BASE_URL`` (the client adds ``/v<version>``)."""
        return self.base_url

    def block(self, wa_id: str) -> None:
        """The shopper blocked the business (or the number is not on WhatsApp): sends get 131026."""
        self.blocked.add(wa_id)

    def fail_next(
        self, kind: str = "*", *, code: int | None = None, status: int = 400, count: int = 1
    ) -> None:
        """Make the next ``count`` calls of ``kind`` (``text``, ``interactive``, ``template``,
        ``read``, or ``*`` for any) fail with error ``code`` and HTTP ``status`` (a 5xx or 429
        without a code answers a generic error)."""
        self._failures.add(kind, PlannedFailure(status=status, count=count, description=str(code or "")))

    def limit_throughput(self, per_second: float | None, *, per_recipient: float | None = None) -> None:
        """Change the number's throughput (130429 beyond it) and the pair rate (131056); None = unlimited."""
        self._throughput = make_limiter(per_second, 1.0)
        self._pair = make_limiter(per_recipient, 1.0)

    def reset(self) -> None:
        """Forget recorded calls and sent messages."""
        self.calls.clear()
        self.sent.clear()
        self.throttled_count = 0

    # ---- inspection ----------------------------------------------------------------------------
    def messages_to(self, wa_id: str, kind: str | None = None) -> list[SentMessage]:
        """Accepted messages to ``wa_id`` (optionally of one kind prefix: ``text``, ``interactive``, ``template``)."""
        return [m for m in self.sent if m.to == wa_id and (kind is None or m.kind.startswith(kind))]

    def texts(self, wa_id: str) -> list[str]:
        """What ``wa_id`` read, in order (template messages as ``template:<name>``)."""
        return [
            m.text if m.kind != "template" else f"template:{m.body['template']['name']}"
            for m in self.messages_to(wa_id)
        ]

    def read_marks(self) -> list[dict[str, Any]]:
        """Bodies of accepted read marks (with or without typing)."""
        return [
            call.params for call in self.calls if call.method in ("read", "typing") and call.status == 200
        ]

    # ---- the shopper's side: webhook notifications ---------------------------------------------
    def next_message_id(self) -> str:
        """A fresh ``wamid``."""
        return f"wamid.HBgL{next(self._ids):012d}"

    def _inbound(
        self, wa_id: str, kind: str, name: str, message_id: str | None, **content: Any
    ) -> dict[str, Any]:
        now = self.clock()
        self.last_inbound[wa_id] = now
        item = inbound(wa_id, message_id or self.next_message_id(), int(now.timestamp()), kind, **content)
        return notification(
            self.phone_number_id, self.display_number, messages=[item], contacts=[contact(wa_id, name)]
        )

    def text_message(
        self, wa_id: str, body: str, *, name: str = "Ann Lee", message_id: str | None = None
    ) -> dict[str, Any]:
        """A notification: ``wa_id`` typed ``body``."""
        return self._inbound(wa_id, "text", name, message_id, text={"body": body})

    def button_reply(
        self, wa_id: str, payload: str, title: str = "", *, name: str = "Ann Lee"
    ) -> dict[str, Any]:
        """A notification: ``wa_id`` pressed a reply button."""
        reply = {"type": "button_reply", "button_reply": {"id": payload, "title": title or payload[:20]}}
        return self._inbound(wa_id, "interactive", name, None, interactive=reply)

    def list_reply(
        self, wa_id: str, payload: str, title: str = "", *, name: str = "Ann Lee"
    ) -> dict[str, Any]:
        """A notification: ``wa_id`` chose a list row."""
        reply = {"type": "list_reply", "list_reply": {"id": payload, "title": title or payload[:24]}}
        return self._inbound(wa_id, "interactive", name, None, interactive=reply)

    def media_message(
        self,
        wa_id: str,
        kind: str,
        *,
        media_id: str = "1234567890",
        caption: str | None = None,
        filename: str | None = None,
        name: str = "Ann Lee",
    ) -> dict[str, Any]:
        """A notification: ``wa_id`` sent an image, document, sticker, audio... (``kind``)."""
        media: dict[str, Any] = {
            "id": media_id,
            "mime_type": "image/jpeg" if kind == "image" else "application/pdf",
        }
        if caption is not None:
            media["caption"] = caption
        if filename is not None:
            media["filename"] = filename
        return self._inbound(wa_id, kind, name, None, **{kind: media})

    def status(self, message_id: str, status: str, *, errors: Iterable[int] = ()) -> dict[str, Any]:
        """A notification: delivery report ``status`` for a message the fake accepted."""
        sent = next((m for m in self.sent if m.message_id == message_id), None)
        recipient = sent.to if sent is not None else "0"
        item = status_item(
            message_id,
            status,
            recipient,
            int(self.clock().timestamp()),
            [(code, ERRORS.get(code, "Error")) for code in errors],
        )
        return notification(self.phone_number_id, self.display_number, statuses=[item])

    def signature(self, body: bytes) -> str:
        """``X-Hub-Signature-256`` for ``body`` with the fake's app secret."""
        return sign_body(body, self.app_secret)

    async def deliver(
        self, payload: dict[str, Any] | bytes, *, signature: str | None = "auto", url: str | None = None
    ) -> tuple[int, str]:
        """POST ``payload`` to the webhook as Meta does (signed unless ``signature`` is None or given);
        returns the HTTP status and body."""
        target = url or self.webhook_url
        if target is None or self._client is None:
            raise FakeServerError("FakeWhatsApp needs a webhook_url and to be started to deliver")
        body = payload if isinstance(payload, bytes) else encode(payload)
        if isinstance(payload, dict):
            self._note_senders(payload)
        headers = {"Content-Type": "application/json"}
        if signature == "auto":
            headers["X-Hub-Signature-256"] = self.signature(body)
        elif signature is not None:
            headers["X-Hub-Signature-256"] = signature
        async with self._client.post(target, data=body, headers=headers) as response:
            text = await response.text()
            if isinstance(payload, dict):
                self.deliveries.append((payload, response.status))
            return response.status, text

    def _note_senders(self, payload: dict[str, Any]) -> None:
        """Whoever wrote in a delivered notification opened their 24-hour window (as Meta sees it)."""
        for entry in payload.get("entry") or []:
            for change in (entry.get("changes") or []) if isinstance(entry, dict) else []:
                value = change.get("value") if isinstance(change, dict) else None
                messages = value.get("messages") if isinstance(value, dict) else None
                for item in messages if isinstance(messages, list) else []:
                    sender = item.get("from") if isinstance(item, dict) else None
                    if isinstance(sender, str) and sender.isdigit():
                        self.last_inbound[sender] = self.clock()

    async def send_text(self, wa_id: str, body: str, **kw: Any) -> tuple[int, str]:
        """The shopper types ``body``; delivered to the webhook."""
        return await self.deliver(self.text_message(wa_id, body, **kw))

    async def press(self, wa_id: str, payload: str, title: str = "") -> tuple[int, str]:
        """The shopper presses a reply button; delivered to the webhook."""
        return await self.deliver(self.button_reply(wa_id, payload, title))

    # ---- the Graph API -------------------------------------------------------------------------
    def _build_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY_BYTES)
        self._add_control_routes(app)
        app.router.add_post("/{version}/{phone_id}/messages", self._handle_messages)
        return app

    async def _on_start(self) -> None:
        self._client = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))

    async def _on_stop(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    def _record(self, kind: str, params: dict[str, Any], status: int, error: str | None = None) -> None:
        self.calls.append(Call(kind, params, self._now(), status, error))

    def _error(
        self, kind: str, params: dict[str, Any], status: int, code: int, message: str | None = None
    ) -> web.Response:
        text = message or ERRORS.get(code, "Error")
        self._record(kind, params, status, f"{code}: {text}")
        return web.json_response(error_body(code, text), status=status)

    async def _handle_messages(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return self._error("auth", {}, 401, 190)
        if request.match_info["phone_id"] != self.phone_number_id:
            return self._error("auth", {}, 400, 100, "Unsupported post request: unknown phone number id")
        try:
            body = json.loads(await request.read())
        except ValueError:
            return self._error("invalid", {}, 400, 100, "the body is not JSON")
        try:
            check_message(body)
        except ApiRejection as rejection:
            kind = str(body.get("type", "invalid")) if isinstance(body, dict) else "invalid"
            return self._error(kind, body if isinstance(body, dict) else {}, 400, 100, rejection.description)
        kind = message_kind(body)
        planned = self._failures.take(kind.split(".")[0]) or self._failures.take("*")
        if planned is not None:
            return self._planned(kind, body, planned)
        if kind in ("read", "typing"):
            self._record(kind, body, 200)
            return web.json_response({"success": True})
        refusal = self._refusal(kind, body)
        if refusal is not None:
            return refusal
        message_id = self.next_message_id()
        self.sent.append(SentMessage(kind, body["to"], body, message_id, self._now()))
        self._record(kind, body, 200)
        answer: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": body["to"], "wa_id": body["to"]}],
            "messages": [{"id": message_id}],
        }
        if kind == "template":
            answer["messages"][0]["message_status"] = "accepted"
        await asyncio.sleep(0)
        return web.json_response(answer)

    def _planned(self, kind: str, body: dict[str, Any], planned: PlannedFailure) -> web.Response:
        code = (
            int(planned.description) if planned.description else (130429 if planned.status == 429 else 131000)
        )
        if planned.status == 429 or code == 130429:
            self.throttled_count += 1
        return self._error(kind, body, planned.status, code)

    def _refusal(self, kind: str, body: dict[str, Any]) -> web.Response | None:
        to = body["to"]
        now = self._now()
        if self._throughput is not None:
            if self._throughput.wait_needed("number", now) > 0:
                self.throttled_count += 1
                return self._error(kind, body, 400, 130429)
            self._throughput.consume("number", now)
        if self._pair is not None:
            if self._pair.wait_needed(to, now) > 0:
                self.throttled_count += 1
                return self._error(kind, body, 400, 131056)
            self._pair.consume(to, now)
        if to in self.blocked:
            return self._error(kind, body, 400, 131026)
        if kind == "template":
            template = body["template"]
            key = (template["name"], template["language"]["code"])
            if key not in self.templates:
                return self._error(kind, body, 404, 132001)
            if len(template_parameters(template)) != self.templates[key]:
                return self._error(kind, body, 400, 132000)
            return None
        last = self.last_inbound.get(to)
        if self.enforce_window and (last is None or self.clock() >= last + WINDOW):
            return self._error(kind, body, 400, 131047)
        return None
