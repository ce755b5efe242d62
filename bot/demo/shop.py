"""Seeding the demo shop into a database."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time

from bot.demo.history import seed_history
from bot.demo.seed import DemoOrder, demo_orders
from bot.imports.orders import ImportReport, import_orders
from storage.store import Store


async def seed_demo_shop(
    store: Store, *, today: date | None = None, force: bool = False
) -> ImportReport | None:
    """Load the demo orders and 30 days of activity (:mod:`bot.demo.history`) unless the database
    already has orders (then it is reused)."""
    if not force:
        async with store.transaction() as repos:
            if await repos.orders.count() > 0:
                return None
    orders = demo_orders(today)
    report = await import_orders(store, [json.dumps(o.line) for o in orders])
    await seed_history(store, now=None if today is None else datetime.combine(today, time(12), tzinfo=UTC))
    return report


def sample_orders(orders: list[DemoOrder] | None = None, per_state: int = 1) -> list[DemoOrder]:
    """A few demo orders, one per state, for ``doorstep demo --print-orders``."""
    orders = orders if orders is not None else demo_orders()
    seen: dict[str, int] = {}
    picked: list[DemoOrder] = []
    for order in orders:
        if seen.get(order.state, 0) < per_state:
            seen[order.state] = seen.get(order.state, 0) + 1
            picked.append(order)
    return picked
