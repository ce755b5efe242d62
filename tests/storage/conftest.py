"""Fixtures for the storage tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storage.store import Store
from tests.conftest import new_pg_database


@pytest.fixture
async def pg_store(pg_admin_url: str, pg_template: str) -> AsyncIterator[Store]:
    """A Store on a fresh migrated PostgreSQL database only (for what only PostgreSQL does)."""
    url = await new_pg_database(pg_admin_url, pg_template)
    async with Store(url) as store:
        yield store
