"""Who may use the console: the login secret, the session cookie, CSRF tokens and the Origin check.

* **Login**: the admin password or the API token, compared in constant time (both sides hashed
  first, so not even the length leaks). Attempts are limited per client address
  (:data:`LOGIN_ATTEMPTS_PER_MINUTE`, a burst then one every few seconds; 429 past that).
* **Pages** need a valid session cookie, else they redirect to the login page.
* **Every POST** needs a valid session (401 without), the session's CSRF token in the form
  (403 without) and an ``Origin`` (or, lacking it, ``Referer``) of this server (403 otherwise).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from urllib.parse import urlsplit

from aiohttp import web

from bot.admin.session import COOKIE_NAME, AdminSession, SessionCodec
from bot.config import Settings

log = logging.getLogger(__name__)

#: login attempts one client address may make per minute (a burst of that many, then one every 60/N s)
LOGIN_ATTEMPTS_PER_MINUTE = 5
CSRF_FIELD = "csrf"


def login_matches(given: str, settings: Settings) -> bool:
    """Whether ``given`` is the admin password or the API token (constant time; False when neither is set)."""
    digest = hashlib.sha256(given.encode("utf-8", "surrogatepass")).digest()
    matched = False
    for expected in (settings.admin_password, settings.api_token):
        if expected:
            matched |= hmac.compare_digest(digest, hashlib.sha256(expected.encode()).digest())
    return matched


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url`` (lower case), or "" when it has none."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}".lower()


def same_origin(request: web.Request, public_url: str) -> bool:
    """Whether a POST comes from a page of this server: its ``Origin`` (or ``Referer``) is this server as
    the request reached it, or as ``PUBLIC_URL`` names it (behind a TLS-terminating proxy)."""
    claimed = request.headers.get("Origin")
    if claimed is None or claimed == "null":
        referer = request.headers.get("Referer")
        claimed = origin_of(referer) if referer else ""
    if not claimed:
        return False
    allowed = {f"{request.scheme}://{request.host}".lower(), origin_of(public_url)}
    return claimed.lower() in allowed


def current_session(request: web.Request, codec: SessionCodec) -> AdminSession | None:
    """The request's valid session, or None (no cookie, forged, altered or expired)."""
    return codec.read(request.cookies.get(COOKIE_NAME))


def csrf_matches(session: AdminSession, sent: object) -> bool:
    """Whether the form's CSRF token is the session's (constant time)."""
    return isinstance(sent, str) and hmac.compare_digest(sent.encode(), session.csrf.encode())


def client_address(request: web.Request) -> str:
    """The address login attempts are counted by (the peer; a proxy in front counts as one client)."""
    return request.remote or "unknown"
