"""Fixture loaders for the integration tests.

Provider payloads come from ``tests/fixtures/webhooks`` (copied unchanged from the providers'
public repositories, see ``tests/fixtures/SOURCES.md``) and, for AfterShip, from ``fixtures/`` here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.paths import WEBHOOK_FIXTURES

LOCAL_FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def webhook_dir() -> Path:
    """The providers' webhook fixture directory (inside the repository)."""
    assert WEBHOOK_FIXTURES.is_dir(), f"missing webhook fixtures at {WEBHOOK_FIXTURES}"
    return WEBHOOK_FIXTURES


@pytest.fixture(scope="session")
def shopify_body(webhook_dir: Path) -> Callable[[str], bytes]:
    """``shopify_body("order")``: a webhook body = the REST fixture without its root key."""

    def load(resource: str) -> bytes:
        wrapped = json.loads((webhook_dir / "shopify" / f"api_fixture_{resource}.json").read_text())
        return json.dumps(wrapped[resource]).encode()

    return load


@pytest.fixture(scope="session")
def shopify_resource(shopify_body: Callable[[str], bytes]) -> Callable[[str], dict]:
    """``shopify_resource("order")``: the fixture resource as a dict, to alter in a test."""
    return lambda resource: json.loads(shopify_body(resource))


@pytest.fixture(scope="session")
def easypost_body(webhook_dir: Path) -> Callable[[str], bytes]:
    """``easypost_body("tracking-webhook")``: the raw bytes of an EasyPost fixture."""
    return lambda name: (webhook_dir / "easypost" / f"{name}.json").read_bytes()


@pytest.fixture(scope="session")
def aftership_body() -> Callable[[str], bytes]:
    """``aftership_body("tracking_update")``: the raw bytes of a hand-written AfterShip fixture."""
    return lambda name: (LOCAL_FIXTURES / f"aftership_{name}.json").read_bytes()
