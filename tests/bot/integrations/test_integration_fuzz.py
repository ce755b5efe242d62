"""Fuzzing: truncated, bit-flipped and mistyped bodies only ever raise PayloadError.

Seeded, so a failure reproduces; each case prints its seed in the assertion message.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.integrations import PayloadError, parse_aftership, parse_easypost, parse_normalized, parse_shopify
from bot.integrations.easypost import parse_easypost_tracker
from storage.domain import NormalizedEvent

Parser = Callable[[bytes], object]

# values of every JSON type, plus the awkward ones
WEIRD_VALUES: list[object] = [
    None,
    True,
    False,
    0,
    -1,
    2**63,
    10**30,
    1e308,
    -0.0,
    3.5,
    "",
    " ",
    "x" * 20_000,
    "\u0000",
    "2026-13-45",
    "9999-12-31T23:59:59+23:59",
    "#",
    "é☃",
    [],
    [None],
    [[[]]],
    {},
    {"a": {"b": {}}},
]


def _parsers(
    shopify_body: Callable[[str], bytes],
    easypost_body: Callable[[str], bytes],
    aftership_body: Callable[[str], bytes],
) -> list[tuple[str, bytes, Parser]]:
    shopify = [
        ("orders/create", "order"),
        ("orders/cancelled", "order"),
        ("fulfillments/create", "fulfillment"),
        ("fulfillments/update", "fulfillment"),
        ("fulfillment_events/create", "fulfillment_event"),
        ("refunds/create", "refund"),
    ]
    cases: list[tuple[str, bytes, Parser]] = [
        (f"shopify {topic}", shopify_body(resource), lambda b, t=topic: parse_shopify(t, "w-1", b))
        for topic, resource in shopify
    ]
    cases += [
        ("easypost tracking-webhook", easypost_body("tracking-webhook"), parse_easypost),
        ("easypost post_json_example", easypost_body("post_json_example"), parse_easypost),
        ("easypost tracker", easypost_body("trackers-retrieve"), parse_easypost_tracker),
        ("aftership tracking_update", aftership_body("tracking_update"), parse_aftership),
        ("aftership edd_revise", aftership_body("edd_revise"), parse_aftership),
        (
            "api event",
            json.dumps(
                {
                    "event_id": "e",
                    "source": "api",
                    "occurred_at": "2026-11-22T10:00:00Z",
                    "type": "shipment.updated",
                    "status": "delivered",
                    "eta": "2026-11-22",
                    "data": {"k": [1]},
                }
            ).encode(),
            parse_normalized,
        ),
    ]
    return cases


@pytest.fixture(scope="module")
def cases(shopify_body, easypost_body, aftership_body) -> list[tuple[str, bytes, Parser]]:
    return _parsers(shopify_body, easypost_body, aftership_body)


def _outcome_is_acceptable(parser: Parser, body: bytes, label: str) -> None:
    try:
        result = parser(body)
    except PayloadError as exc:
        assert exc.reason and isinstance(exc.reason, str), label
        return
    except Exception as exc:
        pytest.fail(f"{label}: {type(exc).__name__}: {exc}")
    items = result if isinstance(result, list) else [result]
    assert all(isinstance(item, NormalizedEvent) for item in items), label
    for item in items:
        json.dumps(item.model_dump(mode="json"))  # storable as JSON


def _paths(node: object, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _mutate(document: object, rng: random.Random) -> object:
    mutated = copy.deepcopy(document)
    for _ in range(rng.randint(1, 3)):
        paths = [p for p in _paths(mutated) if p]
        if not paths:
            return rng.choice(WEIRD_VALUES)
        path = rng.choice(paths)
        parent = mutated
        for step in path[:-1]:
            parent = parent[step]
        if isinstance(parent, dict) and rng.random() < 0.3:
            del parent[path[-1]]
        else:
            parent[path[-1]] = copy.deepcopy(rng.choice(WEIRD_VALUES))
    return mutated


def test_fixtures_parse_cleanly(cases) -> None:
    for label, body, parser in cases:
        if label in ("easypost post_json_example",):
            assert parser(body) == []
            continue
        _outcome_is_acceptable(parser, body, label)
        assert parser(body), label


def test_every_truncation(cases) -> None:
    for label, body, parser in cases:
        step = max(1, len(body) // 300)
        for end in range(0, len(body), step):
            _outcome_is_acceptable(parser, body[:end], f"{label} truncated at {end}")


def test_random_byte_flips(cases) -> None:
    for label, body, parser in cases:
        for seed in range(150):
            rng = random.Random(seed)
            damaged = bytearray(body)
            for _ in range(rng.randint(1, 8)):
                damaged[rng.randrange(len(damaged))] = rng.randrange(256)
            _outcome_is_acceptable(parser, bytes(damaged), f"{label} byte flips seed={seed}")


def test_mistyped_fields(cases) -> None:
    for label, body, parser in cases:
        document = json.loads(body)
        for seed in range(400):
            mutated = _mutate(document, random.Random(seed))
            _outcome_is_acceptable(parser, json.dumps(mutated).encode(), f"{label} mutation seed={seed}")


def test_every_single_field_replaced_by_every_weird_value(cases) -> None:
    for label, body, parser in cases:
        document = json.loads(body)
        for path in [p for p in _paths(document) if p][:120]:
            for value in WEIRD_VALUES:
                mutated = copy.deepcopy(document)
                parent = mutated
                for step in path[:-1]:
                    parent = parent[step]
                parent[path[-1]] = copy.deepcopy(value)
                _outcome_is_acceptable(parser, json.dumps(mutated).encode(), f"{label} {path}={value!r:.40}")


@pytest.mark.parametrize("top", [b"null", b"0", b'"x"', b"[]", b"true", b"{}", b"[{}]"])
def test_non_object_or_empty_documents(cases, top: bytes) -> None:
    for label, _body, parser in cases:
        with pytest.raises(PayloadError):
            parser(top)
        assert label


def test_fixture_files_are_where_the_tests_expect(webhook_dir: Path) -> None:
    names = sorted(p.name for p in (webhook_dir / "easypost").glob("*.json"))
    assert names == [
        "event_example.json",
        "events-retrieve.json",
        "post_json_example.json",
        "trackers-retrieve.json",
        "tracking-webhook.json",
    ]
