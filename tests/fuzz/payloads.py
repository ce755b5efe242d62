"""Valid payloads of every inbound kind, and how each endpoint signs or authenticates them.

The fuzz tests start from these (structured-but-wrong bodies are mutations of them) and sign a
body the way the real sender does, so the parser behind the signature check is reached too.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from bot.integrations.signatures import (
    AFTERSHIP_HMAC_HEADER,
    EASYPOST_HMAC_HEADER,
    SHOPIFY_HMAC_HEADER,
    SHOPIFY_TOPIC_HEADER,
    SHOPIFY_WEBHOOK_ID_HEADER,
    sign_aftership,
    sign_easypost,
    sign_shopify,
)
from tests.builders import order_line
from tests.fakes.slack_payloads import (
    block_action_payload,
    event_callback,
    make_message_event,
    sign_slack_request,
)
from tests.fakes.telegram_updates import make_callback_update, make_text_update
from tests.fakes.whatsapp_payloads import contact, inbound, notification, sign_body
from tests.fuzz.conftest import (
    AFTERSHIP_SECRET,
    API_TOKEN,
    EASYPOST_SECRET,
    SHOPIFY_SECRET,
    SLACK_SIGNING_SECRET,
    TELEGRAM_SECRET,
)
from tests.paths import REPO_ROOT, WEBHOOK_FIXTURES

AFTERSHIP_FIXTURES = REPO_ROOT / "tests" / "bot" / "integrations" / "fixtures"
SHOPIFY_TOPICS = (
    "orders/create",
    "orders/updated",
    "orders/cancelled",
    "fulfillments/create",
    "fulfillments/update",
    "refunds/create",
    "products/update",
)
TELEGRAM_CHAT = 5001
#: a fixed message date: the same example must build the same payload when Hypothesis replays it
TELEGRAM_DATE = 1_796_000_000
WHATSAPP_SHOPPER = "15550123"


SHOPPER_TEXTS = ("where is my order 1001", "hi", "ann@example.com", "agent", "how do I descale my kettle?")


def chat_body(n: int) -> dict[str, Any]:
    """``POST /api/chat`` from visitor ``n``."""
    return {"user_id": f"web:fuzz-{n}", "text": SHOPPER_TEXTS[n % len(SHOPPER_TEXTS)], "message_id": f"m-{n}"}


def telegram_update(n: int) -> dict[str, Any]:
    """Update ``n``: a typed message, or a pressed button."""
    chat = TELEGRAM_CHAT + n % 7
    if n % 2:
        data = "intent:order_status"
        update = make_callback_update(chat, data, message_id=n, update_id=n, callback_query_id=f"cb{n}")
        update["callback_query"]["message"]["date"] = TELEGRAM_DATE
        return update
    update = make_text_update(chat, SHOPPER_TEXTS[n % len(SHOPPER_TEXTS)], update_id=n, message_id=n)
    update["message"]["date"] = TELEGRAM_DATE
    return update


def whatsapp_notification(phone_number_id: str, display_number: str, n: int = 1) -> dict[str, Any]:
    """A shopper's text message, as Meta posts it (message ``n``)."""
    text = {"body": SHOPPER_TEXTS[n % len(SHOPPER_TEXTS)]}
    message = inbound(WHATSAPP_SHOPPER, f"wamid.fuzz{n}", int(time.time()) // 100 * 100, "text", text=text)
    return notification(
        phone_number_id,
        display_number,
        messages=[message],
        contacts=[contact(WHATSAPP_SHOPPER, "Ann")],
    )


def normalized_event(n: int = 1) -> dict[str, Any]:
    """``POST /api/events`` (README "Normalized event"), event ``n``."""
    return {
        "event_id": f"evt_fuzz_{n}",
        "source": "api",
        "occurred_at": "2026-11-22T10:00:00Z",
        "type": "shipment.updated",
        "order_number": "1001",
        "tracking_number": "1Z999AA10000001001",
        "status": "out_for_delivery",
        "substatus": None,
        "eta": "2026-11-22",
        "location": "Boston, MA",
    }


def order(n: int = 1) -> dict[str, Any]:
    """One line of ``POST /api/orders``: order ``3000 + n``."""
    return order_line(str(3000 + n), email=f"cy{n}@example.com")


def shopify_resources() -> dict[str, dict[str, Any]]:
    """Shopify's own webhook bodies by resource (order, fulfillment, refund)."""
    found = {}
    for resource in ("order", "fulfillment", "refund"):
        wrapped = json.loads((WEBHOOK_FIXTURES / "shopify" / f"api_fixture_{resource}.json").read_text())
        found[resource] = wrapped[resource]
    return found


def easypost_event() -> dict[str, Any]:
    """EasyPost's tracker.updated event."""
    return json.loads((WEBHOOK_FIXTURES / "easypost" / "tracking-webhook.json").read_text())


def aftership_event() -> dict[str, Any]:
    """AfterShip's tracking update."""
    return json.loads((AFTERSHIP_FIXTURES / "aftership_tracking_update.json").read_text())


def slack_event() -> dict[str, Any]:
    """A staff member's message in #support (an ``event_callback``)."""
    return event_callback(make_message_event("C0SUPPORT", "U0STAFF", "hi", "1700000000.000100"))


def slack_click(response_url: str) -> dict[str, Any]:
    """A click on a handoff's button (the ``payload`` of a form post)."""
    return block_action_payload(
        "handoff_claim", "1", "U0STAFF", "C0SUPPORT", "1700000000.000100", response_url=response_url
    )


def slack_command(response_url: str) -> dict[str, str]:
    """``/order 1001`` from staff (a form post)."""
    return {
        "command": "/order",
        "text": "1001",
        "user_id": "U0STAFF",
        "user_name": "bo",
        "team_id": "T0001",
        "channel_id": "C0SUPPORT",
        "trigger_id": "1.2.fuzz",
        "response_url": response_url,
    }


def form(fields: Any) -> bytes:
    """A form body from a mapping of fields (non-string values as JSON)."""
    if not isinstance(fields, dict):
        return urlencode({"payload": json.dumps(fields)}).encode()
    flat = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in fields.items()}
    # a lone surrogate goes out as the bytes it would be (invalid UTF-8, percent-encoded)
    return urlencode(flat, encoding="utf-8", errors="surrogatepass").encode()


# ---------------------------------------------------------------- authentication, right or wrong
def bearer(kind: str) -> dict[str, str]:
    """``Authorization`` for the operator API: right, wrong, malformed or missing."""
    return {
        "right": {"Authorization": f"Bearer {API_TOKEN}"},
        "wrong": {"Authorization": "Bearer not-the-token"},
        "malformed": {"Authorization": "Basic Zm9vOmJhcg=="},
        "missing": {},
    }[kind]


def telegram_secret(kind: str) -> dict[str, str]:
    """``X-Telegram-Bot-Api-Secret-Token``."""
    return {
        "right": {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
        "wrong": {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET + "x"},
        "malformed": {"X-Telegram-Bot-Api-Secret-Token": "é" * 3},
        "missing": {},
    }[kind]


def slack_signature(kind: str, body: bytes) -> dict[str, str]:
    """``X-Slack-Signature`` and ``X-Slack-Request-Timestamp``: right, wrong, stale, malformed, missing."""
    if kind == "right":
        return sign_slack_request(SLACK_SIGNING_SECRET, body)
    if kind == "wrong":
        return sign_slack_request("another-secret", body)
    if kind == "stale":
        return sign_slack_request(SLACK_SIGNING_SECRET, body, int(time.time()) - 3600)
    if kind == "malformed":
        return {"X-Slack-Signature": "v0=é", "X-Slack-Request-Timestamp": "yesterday"}
    return {}


def provider_signature(provider: str, kind: str, body: bytes) -> dict[str, str]:
    """The provider's signature header for ``body``: right, wrong, malformed or missing."""
    header, sign, secret = {
        "shopify": (SHOPIFY_HMAC_HEADER, sign_shopify, SHOPIFY_SECRET),
        "easypost": (EASYPOST_HMAC_HEADER, sign_easypost, EASYPOST_SECRET),
        "aftership": (AFTERSHIP_HMAC_HEADER, sign_aftership, AFTERSHIP_SECRET),
    }[provider]
    if kind == "right":
        return {header: sign(body, secret)}
    if kind == "wrong":
        return {header: sign(body, secret + "x")}
    if kind == "malformed":
        return {header: "é=="}
    return {}


def shopify_headers(topic: str, webhook_id: str) -> dict[str, str]:
    """The topic and delivery id Shopify sends beside the signature."""
    return {SHOPIFY_TOPIC_HEADER: topic, SHOPIFY_WEBHOOK_ID_HEADER: webhook_id}


def whatsapp_signature(kind: str, body: bytes, app_secret: str) -> dict[str, str]:
    """``X-Hub-Signature-256``."""
    if kind == "right":
        return {"X-Hub-Signature-256": sign_body(body, app_secret)}
    if kind == "wrong":
        return {"X-Hub-Signature-256": sign_body(body, app_secret + "x")}
    if kind == "malformed":
        return {"X-Hub-Signature-256": "sha256=é"}
    return {}
