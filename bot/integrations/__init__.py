"""Provider integrations: webhook signature checks and parsing into normalized events.

Pure code (no HTTP, no database). A webhook route does, in order::

    verify_shopify(body, request.headers.get(SHOPIFY_HMAC_HEADER), settings.shopify_webhook_secret)
    events = parse_shopify(topic, webhook_id, body)

and answers 401 on :class:`SignatureError`, 400 on :class:`PayloadError` (``error.reason`` is the
body), 202 "ignored" when a parser returns ``[]`` (EasyPost/AfterShip events doorstep does not
act on), else hands the events to the inbox.
"""

from bot.integrations.aftership import parse_aftership
from bot.integrations.easypost import parse_easypost, parse_easypost_tracker
from bot.integrations.errors import IntegrationError, PayloadError, SignatureError
from bot.integrations.normalized import parse_normalized
from bot.integrations.shopify import SUPPORTED_TOPICS as SHOPIFY_TOPICS
from bot.integrations.shopify import parse_shopify
from bot.integrations.signatures import (
    AFTERSHIP_HMAC_HEADER,
    EASYPOST_HMAC_HEADER,
    SHOPIFY_HMAC_HEADER,
    SHOPIFY_TOPIC_HEADER,
    SHOPIFY_WEBHOOK_ID_HEADER,
    sign_aftership,
    sign_easypost,
    sign_shopify,
    verify_aftership,
    verify_easypost,
    verify_shopify,
)
from bot.integrations.statuses import Provider, map_status

__all__ = [
    "AFTERSHIP_HMAC_HEADER",
    "EASYPOST_HMAC_HEADER",
    "SHOPIFY_HMAC_HEADER",
    "SHOPIFY_TOPICS",
    "SHOPIFY_TOPIC_HEADER",
    "SHOPIFY_WEBHOOK_ID_HEADER",
    "IntegrationError",
    "PayloadError",
    "Provider",
    "SignatureError",
    "map_status",
    "parse_aftership",
    "parse_easypost",
    "parse_easypost_tracker",
    "parse_normalized",
    "parse_shopify",
    "sign_aftership",
    "sign_easypost",
    "sign_shopify",
    "verify_aftership",
    "verify_easypost",
    "verify_shopify",
]
