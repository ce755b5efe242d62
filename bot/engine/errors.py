"""Errors raised by the dialogue engine (one root type)."""

from bot.errors import DoorstepError


class EngineError(DoorstepError):
    """Root of every error the dialogue engine raises."""


class ConcurrentUpdateError(EngineError):
    """The conversation changed under us twice in a row (two messages raced); the caller may retry."""


class HandlerSetupError(EngineError):
    """The handler set is inconsistent: two handlers claim the same intent or payload prefix."""
