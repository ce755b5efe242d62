"""Logging that keeps personal data out of the logs and cannot be made to forge a line.

One formatter, :class:`SafeFormatter`, writes every record of every logger (the access log
included, since it propagates to the root handler):

- emails, phone numbers and street addresses are replaced with ``<email>``, ``<phone>`` and
  ``<address>``, also when they arrive URL-encoded (``ann%40example.com``, ``%2B1%20555...``);
- control characters (CR, LF, NUL, ESC ...), Unicode line and paragraph separators, bidi
  overrides and lone surrogates are written as escapes (``\\r``, ``\\n``, ``\\x00``, ``\\u2028``),
  so a value can never start a line of its own;
- a traceback keeps its lines, each indented, so none of them can pass for a record either.

Request bodies are never logged: handlers log what they decided, not what they were sent.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import TextIO
from urllib.parse import unquote

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w+])\+\d[\d ().+-]{6,}\d|\(?\b\d{3}\)?[ .-]\d{3}[ .-]\d{4}\b")
#: street types that are not everyday words, in any case; "Way", "Place", "Court" ... only capitalised
_STREET_TYPES = (
    r"(?i:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|highway|hwy|parkway|pkwy|terrace)"
    r"|Way|Place|Pl|Close|Court|Ct|Square|Sq|Circle|Cir|Crescent|Row|Alley"
)
_ADDRESS = re.compile(
    # "12 Main Street", "221B Baker St.", "1600 Pennsylvania Ave": a number, one to four words, a street type
    rf"\b\d{{1,6}}[A-Za-z]?(?:[ +,]+[A-Za-z][\w'.-]*){{1,4}}?[ +]+(?:{_STREET_TYPES})\b\.?"
    # "Hauptstraße 5", "Kirchweg 12a"
    r"|(?i:\b[a-zà-ÿ][\w-]*(?:straße|strasse|str\.|weg|gasse|platz|allee)[ +]*\d{1,5}[a-z]?\b)"
    # "PO Box 123"
    r"|(?i:\bP\.?[ ]?O\.?[ +]+Box[ +]*\d+)"
)
#: characters that could break a line, hide text or fail to encode: escaped in every record
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: a record needs URL-decoding before redaction only if it holds a percent escape
_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


def _redact_plain(text: str) -> str:
    return _ADDRESS.sub("<address>", _PHONE.sub("<phone>", _EMAIL.sub("<email>", text)))


def redact(text: str) -> str:
    """Replace emails, phone numbers and street addresses with placeholders.

    A text holding URL-encoded personal data (``ann%40example.com``, even encoded twice) is
    returned decoded, with the data replaced; any other text is returned as it was given.
    """
    cleaned = _redact_plain(text)
    if _PERCENT_ESCAPE.search(cleaned) is None:
        return cleaned
    decoded = unquote(unquote(cleaned, errors="replace"), errors="replace")
    redacted = _redact_plain(decoded)
    return redacted if redacted != decoded else cleaned


def _escape_one(match: re.Match[str]) -> str:
    char = match.group()
    short = _SHORT_ESCAPES.get(char)
    if short is not None:
        return short
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """``text`` with every control character, line separator, bidi override and lone surrogate
    written as an escape (``\\r``, ``\\n``, ``\\x1b``, ``\\u2028``)."""
    return _UNSAFE.sub(_escape_one, text)


def clean(text: str) -> str:
    """What may be written to a log line: personal data redacted, control characters escaped."""
    return escape_controls(redact(text))


class SafeFormatter(logging.Formatter):
    """``asctime level logger: message`` with :func:`clean` applied to the message, and tracebacks
    redacted, escaped and indented line by line."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        """One line per record (plus indented traceback lines); never raises on odd values."""
        try:
            message = record.getMessage()
        except Exception:  # a bad format string or argument in someone's log call
            message = f"{record.msg!r} {record.args!r}"
        record.message = clean(message)
        record.asctime = self.formatTime(record, self.datefmt)
        line = self.formatMessage(record)
        blocks: list[str] = []
        if record.exc_info:
            blocks.append(self.formatException(record.exc_info))
        elif record.exc_text:
            blocks.append(record.exc_text)
        if record.stack_info:
            blocks.append(self.formatStack(record.stack_info))
        for block in blocks:
            for text in redact(block).splitlines():
                line += "\n    " + escape_controls(text)
        return line


class RedactingFilter(logging.Filter):
    """Rewrites a record's message with :func:`clean` (for loggers whose handlers are not ours)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Clean the message in place; never drops a record."""
        message = record.getMessage()
        cleaned = clean(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True


def log_handler(stream: TextIO | None = None) -> logging.Handler:
    """The handler every record is written through: ``stream`` (stderr by default), :class:`SafeFormatter`."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(SafeFormatter())
    return handler


def configure_logging(level: str = "INFO") -> None:
    """Log to stderr through :func:`log_handler`: redacted, escaped, one line per record."""
    root = logging.getLogger()
    if not any(isinstance(h.formatter, SafeFormatter) for h in root.handlers):
        root.addHandler(log_handler())
    root.setLevel(level.upper())
    logging.getLogger("alembic").setLevel(logging.WARNING)
