"""Fixtures for testing the aiohttp app over real HTTP on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import Feature, build_app
from bot.config import Settings

API_TOKEN = "test-token-123"
ClientFactory = Callable[..., Awaitable[TestClient]]


@pytest.fixture
async def make_client() -> AsyncIterator[ClientFactory]:
    """Start ``build_app(settings)`` on 127.0.0.1 and return an HTTP client for it."""
    clients: list[TestClient] = []

    async def factory(settings: Settings, features: list[Feature] | None = None) -> TestClient:
        client = TestClient(TestServer(build_app(settings, features=features), host="127.0.0.1"))
        await client.start_server()
        clients.append(client)
        return client

    yield factory
    for client in clients:
        await client.close()


def test_settings(database_url: str, **overrides: object) -> Settings:
    """Settings for a test server: the given database, the test API token, no channels."""
    values: dict[str, object] = {"database_url": database_url, "api_token": API_TOKEN}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


test_settings.__test__ = False  # type: ignore[attr-defined]
