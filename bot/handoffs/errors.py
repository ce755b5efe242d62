"""Errors of the handoff service (one root type)."""

from __future__ import annotations

from bot.errors import DoorstepError


class HandoffError(DoorstepError):
    """Root of every error of the handoff service."""


class HandoffNotFound(HandoffError):
    """No handoff with this id exists (or its conversation is gone)."""
