"""Typed, path-aware reading of untrusted JSON webhook bodies.

Every surprise (bad UTF-8, bad JSON, wrong type, missing field, unreadable date) becomes a
:class:`PayloadError` whose reason names the JSON path, e.g. ``result.tracking_code: expected a
string, got number``. Reasons never quote the offending value, so they cannot leak personal data.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

from bot.integrations.errors import PayloadError

#: bodies above this size are refused before decoding
MAX_BODY_BYTES = 5 * 1024 * 1024

#: a JSON escape in U+D800..U+DFFF: maybe half of a surrogate pair, which UTF-8 cannot store
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")

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


def decode_json(body: bytes) -> object:
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
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise PayloadError(f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise PayloadError("JSON nested too deeply") from None
    except ValueError:  # e.g. an integer literal longer than Python's digit limit
        raise PayloadError("malformed JSON: a number is out of range") from None
    if _SURROGATE_ESCAPE.search(text):
        _refuse_lone_surrogates(value)
    return value


def _refuse_lone_surrogates(value: object) -> None:
    """Refuse strings holding half a surrogate pair: they cannot be stored or sent as UTF-8."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise PayloadError("body holds an invalid \\u escape (lone surrogate)") from None
    except RecursionError:
        raise PayloadError("JSON nested too deeply") from None


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
