"""Migrations: upgrade from empty, import, upgrade again keeps the rows."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, inspect, select

from bot.imports.orders import import_orders
from storage.migrate import upgrade
from storage.models import Order, Shipment
from storage.store import Store
from tests.builders import order_line
from tests.conftest import new_pg_database


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    return await new_pg_database(request.getfixturevalue("pg_admin_url"), None)


async def test_upgrade_from_empty_then_import_then_upgrade_keeps_rows(empty_url: str) -> None:
    await upgrade(empty_url)
    async with Store(empty_url) as store:
        async with store.engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert {"orders", "shipments", "outbox", "inbox", "conversations", "alembic_version"} <= tables
        await import_orders(
            store, [json.dumps(order_line(str(n), email=f"c{n}@example.com")) for n in range(1001, 1011)]
        )
    await upgrade(empty_url)
    async with Store(empty_url) as store, store.engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(Order))).scalar_one() == 10
        assert (await conn.execute(select(func.count()).select_from(Shipment))).scalar_one() == 10
