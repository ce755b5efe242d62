"""The JSON reader under every parser: decoding limits and typed getters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from bot.integrations import PayloadError
from bot.integrations.jsonread import (
    MAX_BODY_BYTES,
    MAX_DEPTH,
    JsonObject,
    decode_json,
    decode_json_text,
    load_object,
)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty body"),
        (b" " * (MAX_BODY_BYTES + 1), f"body too large ({MAX_BODY_BYTES + 1} bytes, limit {MAX_BODY_BYTES})"),
        (b"\xc3\x28", "body is not UTF-8 text"),
        (
            b"\xef\xbb\xbf{}",
            "malformed JSON at line 1 column 1: Unexpected UTF-8 BOM (decode using utf-8-sig)",
        ),
        (b"[" * 200_000 + b"]" * 200_000, "JSON nested too deeply"),
        (b"1" * 5000, "malformed JSON: a number is out of range"),
        (b"Infinity", "malformed JSON: Infinity is not a JSON number"),
        (b'{"a": "\\ud800"}', "body holds an invalid \\u escape (lone surrogate)"),
        (b'["ok", {"k\\udc00": 1}]', "body holds an invalid \\u escape (lone surrogate)"),
        (b'{"a": "x\\u0000y"}', "body holds a NUL character (\\u0000)"),
        (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), "JSON nested too deeply"),
        (b'{"a": ' * 900 + b"1" + b"}" * 900, "JSON nested too deeply"),
        (b'{"n": ' + b"9" * 33 + b"}", "malformed JSON: a number is out of range"),
        (b'{"n": -' + b"9" * 33 + b"}", "malformed JSON: a number is out of range"),
        (b'{"n": 1e999}', "malformed JSON: a number is out of range"),
        (b" \r\n ", "empty body"),
    ],
)
def test_decode_refusals(body: bytes, reason: str) -> None:
    with pytest.raises(PayloadError) as caught:
        decode_json(body)
    assert caught.value.reason == reason


def test_valid_surrogate_pair_is_fine() -> None:
    assert decode_json(b'{"a": "\\ud83d\\ude00"}') == {"a": "\U0001f600"}


def test_limits_are_inclusive() -> None:
    nested: object = decode_json(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH)
    for _ in range(MAX_DEPTH - 1):
        assert isinstance(nested, list)
        nested = nested[0]
    assert nested == []
    assert decode_json(b'{"n": ' + b"9" * 32 + b', "s": "' + b"9" * 5000 + b'"}')["n"] == 10**32 - 1


def test_chat_channels_get_lone_surrogates_and_nul_replaced() -> None:
    body = b'{"text": "hi \\ud83d!", "na\\udc00me": ["\\u0000", "\\ud83d\\ude00"]}'
    assert decode_json(body, surrogates="replace") == {
        "text": "hi \ufffd!",
        "na\ufffdme": ["\ufffd", "\U0001f600"],
    }
    assert decode_json_text('"\\udfff"', surrogates="replace") == "\ufffd"
    with pytest.raises(PayloadError, match="lone surrogate"):
        decode_json_text('["\\udfff"]')


def test_text_decoding_has_the_same_limits() -> None:
    for text, reason in [
        ("[" * 20_000 + "]" * 20_000, "JSON nested too deeply"),
        ("[" + "1" * 5000 + "]", "malformed JSON: a number is out of range"),
        ("", "empty body"),
    ]:
        with pytest.raises(PayloadError) as caught:
            decode_json_text(text)
        assert caught.value.reason == reason


def test_str_body_is_refused() -> None:
    with pytest.raises(PayloadError, match="body must be bytes"):
        decode_json("{}")  # type: ignore[arg-type]


def test_load_object_needs_an_object() -> None:
    with pytest.raises(PayloadError, match="body: expected a JSON object, got string"):
        load_object(b'"hi"')


def test_getters_and_paths() -> None:
    root = JsonObject(
        {
            "n": 3,
            "b": True,
            "s": "  x  ",
            "blank": " ",
            "o": {
                "deep": {"t": "2026-11-22T10:00:00+02:00", "naive": "2026-11-22T10:00:00", "d": "2026-11-22"}
            },
            "l": [{"a": 1}, {"a": 2}],
            "ts": ["a", None, " ", "b"],
        },
        "",
    )
    assert root.integer("n") == 3
    assert root.boolean("b") is True
    assert root.text("s") == "x"
    assert root.text("blank") is None
    assert root.ident("n") == "3"
    assert root.texts("ts") == ["a", "b"]
    assert [o.integer("a") for o in root.objects("l")] == [1, 2]
    deep = root.required_obj("o").required_obj("deep")
    assert deep.path == "o.deep"
    assert deep.timestamp("t") == datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    assert deep.timestamp("t").utcoffset() == timedelta(hours=2)  # offset kept
    assert deep.timestamp("naive") == datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    assert deep.day("t") == date(2026, 11, 22)
    assert deep.day("d") == date(2026, 11, 22)
    assert root.objects("missing") == [] and root.texts("missing") == []
    assert root.timestamp("missing") is None
    with pytest.raises(PayloadError, match=r"^l\[1\]\.a: expected a string, got number$"):
        root.objects("l")[1].text("a")
    with pytest.raises(PayloadError, match=r"^b: expected an integer, got boolean$"):
        root.integer("b")
    with pytest.raises(PayloadError, match=r"^blank: empty$"):
        root.required_text("blank")
    with pytest.raises(PayloadError, match=r"^missing: missing$"):
        root.required_obj("missing")
    with pytest.raises(PayloadError, match=r"^o\.deep\.t: expected a number, got string$"):
        deep.number("t")


def test_timestamp_keeps_other_offsets() -> None:
    value = JsonObject({"t": "2008-01-10T11:00:00-05:00"}, "").timestamp("t")
    assert value == datetime(2008, 1, 10, 11, 0, tzinfo=timezone(timedelta(hours=-5)))
