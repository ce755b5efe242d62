"""Errors of the notification package (one root type)."""

from __future__ import annotations

from bot.errors import DoorstepError


class NotifyError(DoorstepError):
    """Root of every error raised by ``bot.notify``."""


class UnknownOrderError(NotifyError):
    """The order number asked for (explain, timeline) does not exist."""

    def __init__(self, order_number: str) -> None:
        super().__init__(f"no order {order_number!r}")
        self.order_number = order_number


class NoSenderError(NotifyError):
    """No sender is registered for a message's channel (the channel is off)."""
