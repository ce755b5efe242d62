"""The console's session cookie: signed, timestamped, short-lived, bound to the current login secret.

The cookie holds ``{"sid", "csrf", "agent"}`` serialized and signed by itsdangerous
(``URLSafeTimedSerializer``: HMAC-SHA1 over a key derived from ``DOORSTEP_SECRET_KEY``, with the
time it was issued). Nothing in it is secret from the browser that holds it; what matters is that
nobody can forge or alter one, and that it stops working after :data:`SESSION_SECONDS`. The
salt includes a fingerprint of the admin password and API token, so changing either logs every
session out. ``csrf`` is the token every form of this session must send back.

itsdangerous (Pallets, the signing under Flask's sessions) is pure Python and small; the
stateless signed cookie needs no session table and works across several server processes.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, replace
from typing import Any

from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer

from bot.clock import Clock

COOKIE_NAME = "doorstep_admin"
#: before login: the login form's CSRF token (a cookie of its own, signed for that purpose only)
LOGIN_COOKIE_NAME = "doorstep_admin_login"
#: how long a login form stays usable
LOGIN_FORM_SECONDS = 3600
#: a login lasts this long (then the console asks for the password again)
SESSION_SECONDS = 8 * 3600
#: the cookie only goes to the console's pages
COOKIE_PATH = "/admin"
#: longest agent name kept (it is shown to shoppers: "<name> (support): ...")
MAX_AGENT_CHARS = 60


@dataclass(frozen=True, slots=True)
class AdminSession:
    """A logged-in console session: its id, its CSRF token and the agent name staff gave."""

    sid: str
    csrf: str
    agent: str = ""

    def with_agent(self, agent: str) -> AdminSession:
        """The same session with another agent name."""
        return replace(self, agent=agent)


class SessionCodec:
    """Issues and reads session cookies (see the module docstring)."""

    def __init__(
        self, secret_key: str, credentials: tuple[str | None, ...], clock: Clock, *, purpose: str = "session"
    ) -> None:
        fingerprint = hashlib.sha256("\x00".join(c or "" for c in credentials).encode()).hexdigest()[:16]

        class ClockSigner(TimestampSigner):
            """Timestamps on the app's clock (tests travel in time)."""

            def get_timestamp(self) -> int:
                return int(clock.now().timestamp())

        self._serializer = URLSafeTimedSerializer(
            secret_key, salt=f"doorstep.admin.{purpose}.{fingerprint}", signer=ClockSigner
        )

    def issue(self, agent: str = "") -> AdminSession:
        """A new session with fresh random id and CSRF token."""
        return AdminSession(sid=secrets.token_urlsafe(16), csrf=secrets.token_urlsafe(24), agent=agent)

    def dump(self, session: AdminSession) -> str:
        """The cookie value of ``session`` (stamped now)."""
        return str(self._serializer.dumps({"sid": session.sid, "csrf": session.csrf, "agent": session.agent}))

    def read(self, value: str | None, *, max_age: int = SESSION_SECONDS) -> AdminSession | None:
        """The session in a cookie value; None when missing, forged, altered or older than ``max_age``."""
        if not value:
            return None
        try:
            data: Any = self._serializer.loads(value, max_age=max_age)
        except (BadData, json.JSONDecodeError, UnicodeDecodeError):
            return None
        if not isinstance(data, dict):
            return None
        sid, csrf, agent = data.get("sid"), data.get("csrf"), data.get("agent", "")
        if not (isinstance(sid, str) and isinstance(csrf, str) and isinstance(agent, str)) or not csrf:
            return None
        return AdminSession(sid=sid, csrf=csrf, agent=agent[:MAX_AGENT_CHARS])
