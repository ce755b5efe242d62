"""Errors of the web chat channel (one root type)."""

from __future__ import annotations

from bot.errors import DoorstepError


class WebChatError(DoorstepError):
    """Root of every web chat error."""


class BadFrame(WebChatError):
    """A frame from the browser that the protocol does not accept; ``reason`` is sent back to it."""

    def __init__(self, reason: str, frame_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        #: the client's message id, when the frame had a usable one
        self.frame_id = frame_id
