"""Errors raised by the provider integrations (one root type).

Every error carries a short, human-readable ``reason`` that the webhook route can send back
as the body of its 4xx answer. Reasons never quote emails, phones or addresses.
"""

from __future__ import annotations


class IntegrationError(Exception):
    """Root of every integration error; ``reason`` is the human-readable cause."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class SignatureError(IntegrationError):
    """The request is not provably from the provider (missing/bad signature, empty body, no secret).

    The route answers 401.
    """


class PayloadError(IntegrationError):
    """The signed body cannot be turned into events (bad JSON, wrong shape, missing field, bad topic).

    The route answers 400 (or 422).
    """
