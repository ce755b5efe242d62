"""The report package's errors."""

from __future__ import annotations

from bot.errors import DoorstepError


class ReportError(DoorstepError):
    """Root of the report's errors."""


class BadPeriod(ReportError):
    """A report period that cannot be used (a date that does not parse, since after until, too long)."""
