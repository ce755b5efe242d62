"""Signed, expiring link tokens that tie a chat to a customer.

A shop puts a link with a token in its order e-mails (``t.me/<bot>?start=<token>``,
``<public_url>/?t=<token>`` or ``wa.me/<number>?text=<token>``); the chat that opens it is
verified for that customer without asking for an e-mail address.

The token is base64url (no padding) of::

    version (1 byte) | customer id (8 bytes, big endian) | expiry (4 bytes, unix seconds) | MAC (16 bytes)

where MAC is HMAC-SHA256 over the first 13 bytes, keyed with a key derived from the server
secret, truncated to 128 bits. That is 39 characters of ``[A-Za-z0-9_-]``: it fits a Telegram
``/start`` payload (at most 64 such characters). A changed byte, another secret or an expired
token verifies nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import struct
from dataclasses import dataclass
from datetime import UTC, datetime

#: format version carried in the token's first byte
TOKEN_VERSION = 1
#: length of a token in characters
TOKEN_CHARS = 39
_BODY = struct.Struct(">BQI")
_MAC_BYTES = 16
_KEY_LABEL = b"doorstep/link-token/v1"
_TOKEN_PATTERN = re.compile(rf"[A-Za-z0-9_-]{{{TOKEN_CHARS}}}")
_MAX_EXPIRY = 2**32 - 1


class LinkError(ValueError):
    """A link token cannot be made from these values (bad customer id or expiry)."""


def _key(secret: str) -> bytes:
    """A key used only for link tokens, derived from the server secret."""
    return hmac.new(secret.encode("utf-8"), _KEY_LABEL, hashlib.sha256).digest()


def _mac(secret: str, body: bytes) -> bytes:
    return hmac.new(_key(secret), body, hashlib.sha256).digest()[:_MAC_BYTES]


def _unix(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def sign_link(customer_id: int, secret: str, expires_at: datetime) -> str:
    """A token naming ``customer_id``, valid until ``expires_at`` (naive times are taken as UTC).

    Raises :class:`LinkError` for a customer id outside 1..2**63-1 or an expiry outside the
    32-bit unix time range, and for an empty secret.
    """
    if not secret:
        raise LinkError("the link secret must not be empty")
    if not 0 < customer_id < 2**63:
        raise LinkError(f"customer id out of range: {customer_id}")
    expiry = _unix(expires_at)
    if not 0 < expiry <= _MAX_EXPIRY:
        raise LinkError(f"expiry out of range: {expires_at.isoformat()}")
    body = _BODY.pack(TOKEN_VERSION, customer_id, expiry)
    return base64.urlsafe_b64encode(body + _mac(secret, body)).rstrip(b"=").decode("ascii")


def verify_link(token: str, secret: str, now: datetime) -> int | None:
    """The customer id the token names, or None when it is malformed, tampered with or expired.

    The MAC is compared in constant time; a token is valid up to and including its expiry second.
    """
    if not secret or not isinstance(token, str) or _TOKEN_PATTERN.fullmatch(token) is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) != _BODY.size + _MAC_BYTES:
        return None
    # the last character carries 2 unused bits: only the canonical spelling is valid
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != token:
        return None
    body, mac = raw[: _BODY.size], raw[_BODY.size :]
    if not hmac.compare_digest(mac, _mac(secret, body)):
        return None
    version, customer_id, expiry = _BODY.unpack(body)
    if version != TOKEN_VERSION or customer_id <= 0:
        return None
    if _unix(now) > expiry:
        return None
    return int(customer_id)


@dataclass(frozen=True, slots=True)
class CustomerLinks:
    """The links a shop sends a customer: Telegram deep link, web chat link and, when the shop has a
    WhatsApp number, the WhatsApp link, with their expiry."""

    telegram: str
    web: str
    expires_at: datetime
    whatsapp: str | None = None

    def to_dict(self) -> dict[str, str]:
        """JSON form (``GET /api/orders/{number}/links``); ``whatsapp`` only when there is one."""
        out = {"telegram": self.telegram, "web": self.web, "expires_at": self.expires_at.isoformat()}
        if self.whatsapp is not None:
            out["whatsapp"] = self.whatsapp
        return out


def whatsapp_link(number: str, token: str) -> str:
    """``https://wa.me/<number>?text=<token>``: opens a chat with the shop's number, the token typed in.

    ``number`` is the business number with country code (digits; ``+``, spaces and dashes are
    dropped). The token is URL-safe as it is.
    """
    digits = "".join(ch for ch in number if ch.isdigit())
    return f"https://wa.me/{digits}?text={token}"


def find_link_token(text: str) -> str | None:
    """The first word of ``text`` shaped like a link token (a wa.me link's text), or None.

    Only the shape is checked here; :func:`verify_link` decides whether it is valid.
    """
    for word in text.split():
        if _TOKEN_PATTERN.fullmatch(word):
            return word
    return None


def customer_links(
    customer_id: int,
    *,
    secret: str,
    bot_username: str,
    public_url: str,
    expires_at: datetime,
    whatsapp_number: str | None = None,
) -> CustomerLinks:
    """``https://t.me/<bot>?start=<token>``, ``<public_url>/?t=<token>`` and, with a WhatsApp number,
    ``https://wa.me/<number>?text=<token>`` for ``customer_id``."""
    token = sign_link(customer_id, secret, expires_at)
    return CustomerLinks(
        telegram=f"https://t.me/{bot_username.lstrip('@')}?start={token}",
        web=f"{public_url.rstrip('/')}/?t={token}",
        expires_at=datetime.fromtimestamp(_unix(expires_at), UTC),
        whatsapp=whatsapp_link(whatsapp_number, token) if whatsapp_number else None,
    )
