"""Errors of the journey package (one root type)."""

from __future__ import annotations


class JourneyError(Exception):
    """Root of every error raised by journey code."""


class InvalidEvent(JourneyError):
    """A normalized event lacks what its type needs (e.g. ``order.created`` without ``data.order``).

    ``reason`` is a short, PII-free sentence a route can answer with (400).
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)
