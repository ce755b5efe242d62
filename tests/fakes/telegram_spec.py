"""The Telegram Bot API method table (from the machine-readable spec) and request parameter decoding."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.fakes.errors import ApiRejection, FakeServerError
from tests.paths import TELEGRAM_API_SPEC

DEFAULT_SPEC_PATH = TELEGRAM_API_SPEC

_INTEGER_TEXT = re.compile(r"-?\d+")
_TRUE_TEXTS = {"true", "1"}
_FALSE_TEXTS = {"false", "0"}


@dataclass(frozen=True)
class UploadedFile:
    """A file sent in a multipart request."""

    filename: str | None
    content_type: str | None
    data: bytes


@dataclass(frozen=True)
class FieldSpec:
    """One parameter of a Bot API method."""

    name: str
    types: tuple[str, ...]
    required: bool


@dataclass(frozen=True)
class MethodSpec:
    """One Bot API method: its canonical name, parameters and return types."""

    name: str
    fields: dict[str, FieldSpec]
    returns: tuple[str, ...]


def _bad_request(text: str) -> ApiRejection:
    return ApiRejection(400, f"Bad Request: {text}")


class TelegramApiSpec:
    """Methods and types of the Bot API, loaded from the telegram-bot-api-spec JSON file."""

    def __init__(self, methods: dict[str, MethodSpec], types: dict[str, dict[str, FieldSpec]], version: str):
        self._methods = methods
        self._by_lower_name = {name.lower(): spec for name, spec in methods.items()}
        self._types = types
        self.version = version

    @classmethod
    def load(cls, path: Path = DEFAULT_SPEC_PATH) -> TelegramApiSpec:
        """Read the spec file at `path`."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise FakeServerError(f"cannot load the Telegram API spec {path}: {exc}") from exc
        methods = {
            name: MethodSpec(
                name=name,
                fields={field.name: field for field in _fields(entry)},
                returns=tuple(entry.get("returns", ())),
            )
            for name, entry in raw["methods"].items()
        }
        types = {
            name: {field.name: field for field in _fields(entry)} for name, entry in raw["types"].items()
        }
        return cls(methods, types, raw.get("version", "unknown"))

    def method(self, name: str) -> MethodSpec | None:
        """The method called `name` (case-insensitive, like the real API), or None."""
        return self._by_lower_name.get(name.lower())

    def type_fields(self, type_name: str) -> dict[str, FieldSpec]:
        """The fields of the Bot API type `type_name`."""
        return self._types[type_name]

    def decode_params(self, method: MethodSpec, raw: dict[str, Any]) -> dict[str, Any]:
        """Check `raw` request parameters against `method` and decode them to Python values.

        Form values arrive as strings (PTB JSON-dumps every non-string value); JSON bodies carry
        native values. Raises ApiRejection (400) for an unknown parameter, a missing required one,
        or a value that does not parse as the declared type.
        """
        decoded: dict[str, Any] = {}
        for name, value in raw.items():
            if value is None:
                continue
            field = method.fields.get(name)
            if field is None:
                raise _bad_request(f"unknown parameter {name}")
            decoded[name] = _coerce(field, value)
        for field in method.fields.values():
            if field.required and decoded.get(field.name) in (None, ""):
                if field.name == "text" and method.name in {"sendMessage", "editMessageText"}:
                    raise _bad_request("message text is empty")
                raise _bad_request(f"{field.name} is empty")
        return decoded


def _fields(entry: dict[str, Any]) -> list[FieldSpec]:
    return [
        FieldSpec(name=item["name"], types=tuple(item["types"]), required=bool(item["required"]))
        for item in entry.get("fields", ())
    ]


def _coerce(field: FieldSpec, value: Any) -> Any:
    """Decode one parameter value according to its declared types."""
    types = field.types
    if isinstance(value, UploadedFile):
        if "InputFile" in types:
            return value
        raise _bad_request(f"unexpected file upload in parameter {field.name}")
    if "Integer" in types:
        return _coerce_integer(field, value)
    if "Float" in types:
        return _coerce_float(field, value)
    if "Boolean" in types:
        return _coerce_boolean(field, value)
    if "String" in types:
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        raise _bad_request(f"parameter {field.name} must be a String")
    return _coerce_object(field, value)


def _coerce_integer(field: FieldSpec, value: Any) -> int | str:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        if _INTEGER_TEXT.fullmatch(value.strip()):
            return int(value)
        if "String" in field.types:
            return value
    raise _bad_request(f"invalid value for parameter {field.name}: {value!r} is not an Integer")


def _coerce_float(field: FieldSpec, value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise _bad_request(f"invalid value for parameter {field.name}: {value!r} is not a Float")


def _coerce_boolean(field: FieldSpec, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in _TRUE_TEXTS | _FALSE_TEXTS:
        return value.lower() in _TRUE_TEXTS
    raise _bad_request(f"invalid value for parameter {field.name}: {value!r} is not a Boolean")


def _coerce_object(field: FieldSpec, value: Any) -> Any:
    """Objects and arrays: JSON-serialized strings in forms, native in JSON bodies."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise _bad_request(f"can't parse {field.name} JSON object") from exc
    wants_array = all(type_name.startswith("Array of") for type_name in field.types)
    if wants_array and not isinstance(value, list):
        raise _bad_request(f"parameter {field.name} must be an Array")
    if not wants_array and not isinstance(value, dict | list):
        raise _bad_request(f"can't parse {field.name} JSON object")
    return value
