"""Errors of the bot package (one root type)."""


class DoorstepError(Exception):
    """Root of every error raised by the bot package."""


class ConfigError(DoorstepError):
    """A setting is missing or wrong; the message is one line naming it and the fix."""
