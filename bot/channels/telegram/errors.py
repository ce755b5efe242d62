"""Errors of the Telegram channel (one root type)."""

from __future__ import annotations

from bot.errors import DoorstepError


class TelegramChannelError(DoorstepError):
    """Root of every error raised by the Telegram channel."""


class UnknownOrder(TelegramChannelError):
    """No order has this number (no link can be made for it)."""
