"""Is a request really from Slack? The signature is checked on the raw bytes, before anything is parsed.

Slack signs ``v0:<timestamp>:<body>`` with the app's signing secret (HMAC-SHA256) and sends the
timestamp and ``v0=<hex digest>`` in ``X-Slack-Request-Timestamp`` / ``X-Slack-Signature``.
slack_sdk's :class:`~slack_sdk.signature.SignatureVerifier` does the arithmetic; this module first
makes sure the headers have the only shapes Slack sends (digits; ``v0=`` and 64 hex digits), so
a hostile header can never raise inside the verifier, and signs the body as bytes, so a body that
is not UTF-8 is refused as unsigned or (when signed) as malformed, never as a crash.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Any

from slack_sdk.signature import SignatureVerifier

TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
SIGNATURE_HEADER = "X-Slack-Signature"
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


class _RawBodyVerifier(SignatureVerifier):
    """slack_sdk's verifier signing the body's bytes exactly as received (no UTF-8 decode)."""

    def generate_signature(self, *, timestamp: str, body: str | bytes) -> str | None:
        """``v0=`` + the hex HMAC-SHA256 of ``v0:<timestamp>:<body>`` (the body as bytes)."""
        raw = body.encode() if isinstance(body, str) else body
        base = b"v0:" + timestamp.encode() + b":" + raw
        digest = hmac.new(self.signing_secret.encode(), base, hashlib.sha256).hexdigest()
        return f"v0={digest}"


class RequestVerifier:
    """Tells whether a raw request was signed by Slack with our signing secret, recently.

    A timestamp more than five minutes from now is refused (slack_sdk's rule), so a captured
    request cannot be replayed later than that; replays within the window are dropped by
    :mod:`bot.channels.slack.replays`.
    """

    def __init__(self, signing_secret: str, *, clock: Any | None = None) -> None:
        """``clock`` is a slack_sdk ``Clock`` (an object with ``now() -> float``); default: time.time."""
        if clock is None:
            self._verifier = _RawBodyVerifier(signing_secret)
        else:
            self._verifier = _RawBodyVerifier(signing_secret, clock=clock)

    def is_signed(self, body: bytes, headers: Mapping[str, str]) -> bool:
        """True when ``body`` carries a valid, fresh Slack signature; False for anything else."""
        timestamp = headers.get(TIMESTAMP_HEADER)
        signature = headers.get(SIGNATURE_HEADER)
        if timestamp is None or signature is None:
            return False
        if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
            return False
        return self._verifier.is_valid(body=body, timestamp=timestamp, signature=signature)
