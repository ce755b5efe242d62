"""Errors of the operator console and the handoff API (one root type)."""

from __future__ import annotations

from bot.errors import DoorstepError


class AdminError(DoorstepError):
    """Root of every error raised by ``bot.admin``."""


class BadRequest(AdminError):
    """A request refused with 400 and ``reason`` (which names the field, never its value)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
