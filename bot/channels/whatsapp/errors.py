"""Errors of the WhatsApp channel (one root type), and the send error for Meta's 24-hour rule."""

from __future__ import annotations

from bot.channels.base import PermanentFailure, RetryLater
from bot.errors import DoorstepError


class WhatsAppChannelError(DoorstepError):
    """Root of every error raised by the WhatsApp channel (send errors excepted: those are
    :class:`~bot.channels.base.SendError`, which every sender raises)."""


class MalformedWebhook(WhatsAppChannelError):
    """A signed webhook body that is not a WhatsApp Business Account notification (answered 400)."""


class OutsideWindow(RetryLater):
    """A free-form message cannot go now: the shopper last wrote more than 24 hours ago (or never)
    and no approved template is mapped for the message. Tried again later, when the gate holds or
    reroutes it."""


class WindowClosed(PermanentFailure):
    """WhatsApp refused a free-form message because the 24-hour window is closed (error 131047:
    re-engagement required); only a template may go."""
