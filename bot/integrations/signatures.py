"""Webhook signature schemes of Shopify, EasyPost and AfterShip, checked in constant time.

Each ``verify_*`` takes the raw request body (exactly the bytes received, before any JSON
decoding), the value of the provider's signature header (``None`` when absent) and the
configured webhook secret, and raises :class:`SignatureError` unless the signature matches.
The ``sign_*`` helpers compute the header value a genuine provider would send; tests and the
fake senders use them.

- Shopify: ``X-Shopify-Hmac-Sha256`` = base64(HMAC-SHA256(secret, body)).
- EasyPost: ``X-Hmac-Signature`` = ``hmac-sha256-hex=`` + hex(HMAC-SHA256(NFKD(secret), body)).
- AfterShip: ``aftership-hmac-sha256`` = base64(HMAC-SHA256(secret, body)).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import unicodedata

from bot.integrations.errors import SignatureError

SHOPIFY_HMAC_HEADER = "X-Shopify-Hmac-Sha256"
SHOPIFY_TOPIC_HEADER = "X-Shopify-Topic"
SHOPIFY_WEBHOOK_ID_HEADER = "X-Shopify-Webhook-Id"
SHOPIFY_SHOP_DOMAIN_HEADER = "X-Shopify-Shop-Domain"
EASYPOST_HMAC_HEADER = "X-Hmac-Signature"
AFTERSHIP_HMAC_HEADER = "aftership-hmac-sha256"

EASYPOST_SIGNATURE_PREFIX = "hmac-sha256-hex="

NO_SECRET_REASON = "webhook secret not configured"


def _hmac_sha256(key: bytes, body: bytes) -> bytes:
    return hmac.new(key, body, hashlib.sha256).digest()


def _check_inputs(body: bytes, header_value: str | None, secret: str | None) -> tuple[bytes, str, str]:
    """Common preconditions; returns (body, stripped header value, secret)."""
    if not secret:
        raise SignatureError(NO_SECRET_REASON)
    if not isinstance(body, bytes | bytearray) or len(body) == 0:
        raise SignatureError("empty body")
    if header_value is None or not header_value.strip():
        raise SignatureError("missing signature header")
    return bytes(body), header_value.strip(), secret


def _same(expected: str, received: str) -> bool:
    # compare bytes: compare_digest refuses non-ASCII str, and a header may carry anything
    return hmac.compare_digest(expected.encode("ascii"), received.encode("utf-8", "surrogatepass"))


def sign_shopify(body: bytes, secret: str) -> str:
    """The ``X-Shopify-Hmac-Sha256`` value Shopify sends for ``body``."""
    return base64.b64encode(_hmac_sha256(secret.encode("utf-8"), body)).decode("ascii")


def verify_shopify(body: bytes, header_value: str | None, secret: str | None) -> None:
    """Raise :class:`SignatureError` unless ``header_value`` is Shopify's signature of ``body``."""
    raw, received, key = _check_inputs(body, header_value, secret)
    if not _same(sign_shopify(raw, key), received):
        raise SignatureError("signature mismatch")


def sign_easypost(body: bytes, secret: str) -> str:
    """The full ``X-Hmac-Signature`` value EasyPost sends for ``body`` (``hmac-sha256-hex=<hex>``)."""
    key = unicodedata.normalize("NFKD", secret).encode("utf-8")
    return EASYPOST_SIGNATURE_PREFIX + _hmac_sha256(key, body).hex()


def verify_easypost(body: bytes, header_value: str | None, secret: str | None) -> None:
    """Raise :class:`SignatureError` unless ``header_value`` is EasyPost's signature of ``body``."""
    raw, received, key = _check_inputs(body, header_value, secret)
    if not _same(sign_easypost(raw, key), received):
        raise SignatureError("signature mismatch")


def sign_aftership(body: bytes, secret: str) -> str:
    """The ``aftership-hmac-sha256`` value AfterShip sends for ``body``."""
    return base64.b64encode(_hmac_sha256(secret.encode("utf-8"), body)).decode("ascii")


def verify_aftership(body: bytes, header_value: str | None, secret: str | None) -> None:
    """Raise :class:`SignatureError` unless ``header_value`` is AfterShip's signature of ``body``."""
    raw, received, key = _check_inputs(body, header_value, secret)
    if not _same(sign_aftership(raw, key), received):
        raise SignatureError("signature mismatch")
