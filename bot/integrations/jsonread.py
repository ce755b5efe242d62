"""Typed, path-aware reading of untrusted JSON bodies: the one JSON decoder of every endpoint.

Every HTTP endpoint and the web chat WebSocket decode JSON here, with the same limits: UTF-8
text, no ``NaN``/``Infinity``, nesting at most :data:`MAX_DEPTH` deep, integers that fit in 64
bits, finite decimals, and no lone surrogates (half of a UTF-16 pair, which UTF-8 cannot store
or send). Chat channels ask for lone surrogates to be replaced with U+FFFD so that a message with
a broken emoji is still answered; everything else refuses them.

Every surprise (bad UTF-8, bad JSON, wrong type, missing field, unreadable date) becomes a
:class:`PayloadError` whose reason names the JSON path, e.g. ``result.tracking_code: expected a
string, got number``. Reasons never quote the offending value, so they cannot leak personal data.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, date, datetime
from typing import Literal

from bot.integrations.errors import PayloadError

#: bodies above this size are refused before decoding
MAX_BODY_BYTES = 5 * 1024 * 1024
#: objects and arrays nested deeper than this are refused
MAX_DEPTH = 64
#: integers with more digits than this are refused (ids and amounts need far fewer; parsing
#: and printing huge integers costs time, and Python refuses more than 4,300 digits outright)
MAX_INT_DIGITS = 32
_INT_LIMIT = 10**MAX_INT_DIGITS
#: what to do with a lone surrogate in a string: refuse the body, or replace it with U+FFFD
#: (NUL, which PostgreSQL cannot store, is treated the same way)
SurrogatePolicy = Literal["refuse", "replace"]
REPLACEMENT_CHARACTER = "\ufffd"

#: a JSON escape in U+D800..U+DFFF (maybe half of a surrogate pair, which UTF-8 cannot store)
#: or of NUL (which PostgreSQL text cannot store)
_BAD_ESCAPE = re.compile(r"\\u(?:[dD][89a-fA-F]|0000)")
#: a run of digits long enough to be an integer beyond the limit (or only a long string of digits);
#: ASCII digits only, as in JSON numbers (twice as fast to search as ``\d``, which is any script's)
_LONG_DIGITS = re.compile(rf"[0-9]{{{MAX_INT_DIGITS + 1}}}")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_OUT_OF_RANGE = "malformed JSON: a number is out of range"
_TOO_DEEP = "JSON nested too deeply"

_JSON_TYPE_NAMES: dict[type, str] = {
    dict: "object",
    list: "array",
    str: "string",
    int: "number",
    float: "number",
    bool: "boolean",
    type(None): "null",
}


def _type_name(value: object) -> str:
    return _JSON_TYPE_NAMES.get(type(value), type(value).__name__)


def _refuse_constant(name: str) -> object:
    raise PayloadError(f"malformed JSON: {name} is not a JSON number")


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):  # 1e999 reads as infinity, which JSON cannot carry back out
        raise PayloadError(_OUT_OF_RANGE)
    return value


#: the decoder :func:`json.loads` would build for these options on every call, made once
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float)


def decode_json(body: bytes, *, surrogates: SurrogatePolicy = "refuse") -> object:
    """Decode a raw body into JSON values; any failure is a :class:`PayloadError`."""
    if not isinstance(body, bytes | bytearray):
        raise PayloadError("body must be bytes")
    if len(body) == 0:
        raise PayloadError("empty body")
    if len(body) > MAX_BODY_BYTES:
        raise PayloadError(f"body too large ({len(body)} bytes, limit {MAX_BODY_BYTES})")
    try:
        text = bytes(body).decode("utf-8")
    except UnicodeDecodeError:
        raise PayloadError("body is not UTF-8 text") from None
    return decode_json_text(text, surrogates=surrogates)


def decode_json_text(text: str, *, surrogates: SurrogatePolicy = "refuse") -> object:
    """Decode JSON already read as text (a WebSocket text frame) with the limits of :func:`decode_json`."""
    if not text.strip():
        raise PayloadError("empty body")
    try:
        if text.startswith("\ufeff"):  # as json.loads refuses it
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        value = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise PayloadError(f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise PayloadError(_TOO_DEEP) from None
    except ValueError:  # an integer literal longer than Python's digit limit
        raise PayloadError(_OUT_OF_RANGE) from None
    deep = text.count("[") + text.count("{") > MAX_DEPTH
    unstorable = _BAD_ESCAPE.search(text) is not None
    if deep or unstorable or _LONG_DIGITS.search(text) is not None:
        return _checked(value, surrogates if unstorable else None)
    return value


def _clean(text: str, surrogates: SurrogatePolicy | None) -> str:
    """``text`` without lone surrogates and NUL (replaced with U+FFFD, or refused)."""
    if surrogates is None or _UNSTORABLE.search(text) is None:
        return text
    if surrogates == "replace":
        return _UNSTORABLE.sub(REPLACEMENT_CHARACTER, text)
    if "\x00" in text:
        raise PayloadError("body holds a NUL character (\\u0000)")
    raise PayloadError("body holds an invalid \\u escape (lone surrogate)")


def _checked(value: object, surrogates: SurrogatePolicy | None) -> object:
    """Walk ``value`` without recursion: depth, integer range and lone surrogates (replaced in place)."""
    if isinstance(value, str):
        return _clean(value, surrogates)
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise PayloadError(_TOO_DEEP)
        if isinstance(item, list):
            for index, child in enumerate(item):
                if isinstance(child, str):
                    item[index] = _clean(child, surrogates)
                elif isinstance(child, dict | list):
                    stack.append((child, depth + 1))
                else:
                    _check_number(child)
        elif isinstance(item, dict):
            for key, child in list(item.items()):
                if isinstance(child, str):
                    child = item[key] = _clean(child, surrogates)
                elif isinstance(child, dict | list):
                    stack.append((child, depth + 1))
                else:
                    _check_number(child)
                cleaned = _clean(key, surrogates)
                if cleaned != key:
                    del item[key]
                    item[cleaned] = child
    _check_number(value)
    return value


def _check_number(value: object) -> None:
    if isinstance(value, int) and not -_INT_LIMIT < value < _INT_LIMIT:
        raise PayloadError(_OUT_OF_RANGE)


def load_object(body: bytes) -> JsonObject:
    """Decode a raw body that must be a JSON object."""
    value = decode_json(body)
    if not isinstance(value, dict):
        raise PayloadError(f"body: expected a JSON object, got {_type_name(value)}")
    return JsonObject(value, "")


def parse_datetime_text(text: str, where: str) -> datetime:
    """Parse an ISO 8601 timestamp; a timestamp without offset is taken as UTC."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise PayloadError(f"{where}: not an ISO 8601 date-time") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def parse_date_text(text: str, where: str) -> date:
    """Parse ``YYYY-MM-DD`` or a full timestamp (its calendar date, in its own offset)."""
    stripped = text.strip()
    try:
        if len(stripped) == 10:
            return date.fromisoformat(stripped)
        return datetime.fromisoformat(stripped).date()
    except ValueError:
        raise PayloadError(f"{where}: not an ISO 8601 date") from None


class JsonObject:
    """A JSON object with typed getters; ``path`` locates it in the body for error reasons."""

    __slots__ = ("path", "raw")

    def __init__(self, raw: dict[str, object], path: str) -> None:
        self.raw = raw
        self.path = path

    def where(self, key: str) -> str:
        """The JSON path of ``key`` in this object, for error reasons."""
        return f"{self.path}.{key}" if self.path else key

    def _get(self, key: str, required: bool) -> object:
        value = self.raw.get(key)
        if value is None and required:
            raise PayloadError(f"{self.where(key)}: missing")
        return value

    def _wrong(self, key: str, expected: str, value: object) -> PayloadError:
        return PayloadError(f"{self.where(key)}: expected {expected}, got {_type_name(value)}")

    def has(self, key: str) -> bool:
        """Whether ``key`` is present with a non-null value."""
        return self.raw.get(key) is not None

    def text(self, key: str, *, required: bool = False) -> str | None:
        """A string field; ``None`` when absent, null or blank (blank + required is an error)."""
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self._wrong(key, "a string", value)
        stripped = value.strip()
        if not stripped:
            if required:
                raise PayloadError(f"{self.where(key)}: empty")
            return None
        return stripped

    def required_text(self, key: str) -> str:
        """A string field that must be present and not blank."""
        value = self.text(key, required=True)
        if value is None:  # text(required=True) raises first; this keeps the type exact
            raise PayloadError(f"{self.where(key)}: missing")
        return value

    def ident(self, key: str, *, required: bool = False) -> str | None:
        """An identifier given as a string or an integer (Shopify ids are numbers), as a string."""
        value = self._get(key, required)
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return self.text(key, required=required)

    def integer(self, key: str, *, required: bool = False) -> int | None:
        """An integer field (booleans are not integers here)."""
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._wrong(key, "an integer", value)
        return value

    def number(self, key: str, *, required: bool = False) -> float | None:
        """A JSON number (integer or decimal)."""
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._wrong(key, "a number", value)
        try:
            return float(value)
        except OverflowError:
            raise PayloadError(f"{self.where(key)}: number out of range") from None

    def boolean(self, key: str) -> bool | None:
        """A boolean field."""
        value = self._get(key, False)
        if value is None:
            return None
        if not isinstance(value, bool):
            raise self._wrong(key, "true or false", value)
        return value

    def obj(self, key: str, *, required: bool = False) -> JsonObject | None:
        """A nested object."""
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self._wrong(key, "an object", value)
        return JsonObject(value, self.where(key))

    def required_obj(self, key: str) -> JsonObject:
        """A nested object that must be present."""
        value = self.obj(key, required=True)
        if value is None:  # obj(required=True) raises first; this keeps the type exact
            raise PayloadError(f"{self.where(key)}: missing")
        return value

    def objects(self, key: str) -> list[JsonObject]:
        """An array of objects (absent or null is an empty list)."""
        value = self._get(key, False)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self._wrong(key, "an array", value)
        items: list[JsonObject] = []
        for index, item in enumerate(value):
            where = f"{self.where(key)}[{index}]"
            if not isinstance(item, dict):
                raise PayloadError(f"{where}: expected an object, got {_type_name(item)}")
            items.append(JsonObject(item, where))
        return items

    def texts(self, key: str) -> list[str]:
        """An array of strings (absent or null is an empty list; null or blank entries are skipped)."""
        value = self._get(key, False)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self._wrong(key, "an array", value)
        items: list[str] = []
        for index, item in enumerate(value):
            if item is None:
                continue
            if not isinstance(item, str):
                raise PayloadError(f"{self.where(key)}[{index}]: expected a string, got {_type_name(item)}")
            if item.strip():
                items.append(item.strip())
        return items

    def timestamp(self, key: str, *, required: bool = False) -> datetime | None:
        """An ISO 8601 timestamp field (no offset means UTC)."""
        text = self.text(key, required=required)
        return None if text is None else parse_datetime_text(text, self.where(key))

    def day(self, key: str, *, required: bool = False) -> date | None:
        """A date field given as ``YYYY-MM-DD`` or as a full timestamp."""
        text = self.text(key, required=required)
        return None if text is None else parse_date_text(text, self.where(key))
