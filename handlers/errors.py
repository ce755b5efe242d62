"""Errors raised by the conversation handlers (one root type)."""


class HandlerError(Exception):
    """Root of every error a conversation handler raises."""


class HandlerConfigError(HandlerError):
    """The handler set is inconsistent (two handlers claim one intent or payload prefix)."""
