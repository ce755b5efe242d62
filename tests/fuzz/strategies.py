"""Hypothesis strategies for hostile request bodies, headers and paths.

- :data:`json_values`: any JSON value, with hostile strings (lone surrogates, NUL, line breaks,
  bidi overrides, personal data, huge ones), huge integers and deep-ish nesting;
- :func:`mutated`: a valid payload with one to three parts replaced, removed or re-typed
  ("structured but wrong");
- :func:`encoded`: a value as bytes the way a broken client might send it (JSON with and without
  ASCII escapes, UTF-16, a BOM, invalid UTF-8, truncated, padded with garbage);
- :data:`raw_bodies`: bodies that are not JSON at all, or JSON beyond the decoder's limits.

:data:`FUZZ` is the settings every fuzz test runs with (``DOORSTEP_FUZZ_EXAMPLES`` examples each,
60 by default, the same examples on every run).
"""

from __future__ import annotations

import copy
import json
import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("DOORSTEP_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)

#: strings that have broken servers before
HOSTILE_STRINGS = (
    "",
    " ",
    "\ud800",
    "half an emoji \ud83d",
    "\udfff\ud800",
    "nul\x00byte",
    "line\r\nbreak",
    "\r\n2026-11-22 10:00:00,000 CRITICAL bot.app: database corrupted",
    "\u2028\u2029\x85",
    "\u202eevil\u202c",
    "\x1b[31mred\x1b[0m",
    "ann@example.com",
    "ann%40example.com",
    "+1 555 0100",
    "12 Market Street",
    "%0D%0A%00",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "{{7*7}}",
    "%s%s%n%d",
    "\\",
    '"',
    "1001",
    "#1001",
    "order:1001",
    "intent:human_agent",
    "9" * 40,
    "x" * 5000,
    "😀" * 300,
    "\ufeff",
    "NaN",
)

_ANY_CHARACTER = st.characters(codec=None, categories=None)

hostile_text = st.one_of(
    st.sampled_from(HOSTILE_STRINGS),
    st.text(max_size=40),
    st.text(_ANY_CHARACTER, max_size=20),
)

json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.integers(min_value=10**31, max_value=10**45),
    st.floats(allow_nan=False, allow_infinity=False),
    hostile_text,
)

json_values = st.recursive(
    json_leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(hostile_text, children, max_size=4),
    ),
    max_leaves=16,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a part of ``value`` (the root is the empty path)."""
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


def _replace(value: Any, path: tuple[Any, ...], new: Any, *, delete: bool = False) -> Any:
    if not path:
        return new
    parent = value
    for step in path[:-1]:
        parent = parent[step]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return value


@st.composite
def mutated(draw: st.DrawFn, template: Any, max_changes: int = 3) -> Any:
    """``template`` with one to ``max_changes`` changes: a text field given a hostile text (most often),
    or any part replaced by any JSON value, removed, wrapped in an array, turned into a string or null."""
    value = copy.deepcopy(template)
    for _ in range(draw(st.integers(min_value=1, max_value=max_changes))):
        paths = _paths(value)
        texts = [path for path in paths if isinstance(_at(value, path), str)]
        action = draw(
            st.sampled_from(["poison", "poison", "replace", "delete", "wrap", "stringify", "nullify"])
        )
        if action == "poison" and texts:  # a text field gets a hostile text: the shape stays valid
            value = _replace(value, draw(st.sampled_from(texts)), draw(st.sampled_from(HOSTILE_STRINGS)))
            continue
        path = draw(st.sampled_from(paths))
        if action == "delete" and path:
            value = _replace(value, path, None, delete=True)
            continue
        current = _at(value, path)
        if action == "wrap":
            new: Any = [current]
        elif action == "stringify":
            new = json.dumps(current)
        elif action == "nullify":
            new = None
        else:
            new = draw(json_values)
        value = _replace(value, path, new)
    return value


#: keys whose values people type: names, texts, addresses (where half an emoji or a NUL lands)
FREE_TEXT_KEYS = frozenset(
    {
        "text",
        "body",
        "name",
        "first_name",
        "last_name",
        "username",
        "title",
        "data",
        "location",
        "city",
        "email",
        "user_id",
        "agent",
        "note",
        "address1",
        "message",
        "description",
        "payload",
    }
)


@st.composite
def poisoned(draw: st.DrawFn, template: Any) -> Any:
    """``template`` (valid) with one text people type replaced by a hostile text, the rest kept valid."""
    value = copy.deepcopy(template)
    texts = [
        path
        for path in _paths(value)
        if path and path[-1] in FREE_TEXT_KEYS and isinstance(_at(value, path), str)
    ]
    if not texts:
        return value
    return _replace(value, draw(st.sampled_from(texts)), draw(st.sampled_from(HOSTILE_STRINGS)))


@st.composite
def encoded(draw: st.DrawFn, value: Any) -> bytes:
    """``value`` as the bytes a client might send: mostly proper JSON, sometimes broken on the way."""
    how = draw(
        st.sampled_from(
            ["json", "json", "json", "utf8", "utf16", "bom", "surrogates", "truncated", "garbage", "latin1"]
        )
    )
    if how == "json":
        return json.dumps(value).encode("ascii")
    text = json.dumps(value, ensure_ascii=False)
    if how == "utf8":
        return text.encode("utf-8", "replace")
    if how == "utf16":
        return text.encode("utf-16", "surrogatepass")
    if how == "bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8", "replace")
    if how == "surrogates":  # surrogates written as UTF-8 bytes: invalid UTF-8
        return text.encode("utf-8", "surrogatepass")
    if how == "latin1":
        return text.encode("latin-1", "replace")
    body = text.encode("utf-8", "replace")
    if how == "truncated":
        return body[: draw(st.integers(min_value=0, max_value=max(0, len(body) - 1)))]
    return body + draw(st.binary(min_size=1, max_size=20))


def _nested(depth: int, opener: str, closer: str, inner: str = "1") -> bytes:
    return (opener * depth + inner + closer * depth).encode()


raw_bodies = st.one_of(
    st.binary(max_size=200),
    st.sampled_from(
        [
            b"",
            b"null",
            b"[]",
            b"{}",
            b'""',
            b"0",
            b"NaN",
            b"Infinity",
            b"-Infinity",
            b"1e999",
            b"9" * 5000,
            b"-" + b"9" * 5000,
            b'{"a": ' + b"9" * 5000 + b"}",
            b"\xef\xbb\xbf{}",
            b"\xff\xfe{\x00}\x00",
            b"\xed\xa0\x80",
            b'"\\ud800"',
            b'{"\\u0000": "\\u0000"}',
            b"{" * 100,
            b"]" * 100,
        ]
    ),
    st.integers(min_value=60, max_value=30_000).map(lambda n: _nested(n, "[", "]")),
    st.integers(min_value=60, max_value=30_000).map(lambda n: _nested(n, '{"a":', "}")),
)


def header_text(max_size: int = 40) -> st.SearchStrategy[str]:
    """Header values a client can send: printable Latin-1, no CR/LF (clients refuse those)."""
    return st.text(
        st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=max_size
    )
