"""Repository methods the conversation engine added: distinct products, identity+conversation, fast details."""

from __future__ import annotations

import json

from bot.imports.orders import import_orders
from storage.store import Store
from tests.builders import order_line


def _item(sku: str, name: str, category: str) -> dict[str, object]:
    return {"sku": sku, "name": name, "category": category, "quantity": 1, "requires_setup": False}


async def test_distinct_products_once_per_sku_sorted_and_limited(store: Store) -> None:
    lines = [
        order_line(
            "1001", items=[_item("ZZ-1", "Zest Grater", "kitchen"), _item("AA-9", "Apron", "apparel")]
        ),
        order_line("1002", email="bob@example.com", items=[_item("ZZ-1", "Zest Grater", "kitchen")]),
        order_line("1003", email="cy@example.com", items=[_item("MM-5", "Mixing Bowl", "kitchen")]),
    ]
    report = await import_orders(store, [json.dumps(line) for line in lines])
    assert report.rejected == 0
    async with store.transaction() as repos:
        assert await repos.orders.distinct_products() == [
            ("AA-9", "Apron", "apparel"),
            ("MM-5", "Mixing Bowl", "kitchen"),
            ("ZZ-1", "Zest Grater", "kitchen"),
        ]
        assert await repos.orders.distinct_products(limit=1) == [("AA-9", "Apron", "apparel")]


async def test_no_orders_no_products(store: Store) -> None:
    async with store.transaction() as repos:
        assert await repos.orders.distinct_products() == []


async def test_with_identity_reads_identity_and_conversation_together(store: Store) -> None:
    async with store.transaction() as repos:
        assert await repos.conversations.with_identity(channel="web", external_id="v1") == (None, None)
        identity = await repos.identities.get_or_create(channel="web", external_id="v1")
        found, conversation = await repos.conversations.with_identity(channel="web", external_id="v1")
        assert found is not None and found.id == identity.id and conversation is None
        created = await repos.conversations.get_or_create(channel="web", external_id="v1")
        await repos.conversations.get_or_create(channel="telegram", external_id="v1")
        found, conversation = await repos.conversations.with_identity(channel="web", external_id="v1")
        assert found is not None and conversation is not None and conversation.id == created.id


async def test_details_for_number_matches_details_by_number(store: Store) -> None:
    line = order_line(
        "1001", items=[_item("ZZ-1", "Zest Grater", "kitchen"), _item("AA-9", "Apron", "apparel")]
    )
    await import_orders(store, [json.dumps(line)])
    async with store.transaction() as repos:
        fast = await repos.orders.details_for_number(order_number="1001")
        slow = await repos.orders.details_by_number(order_number="1001")
        assert await repos.orders.details_for_number(order_number="9999") is None
    assert fast is not None and slow is not None
    assert fast.customer.email == "ann@example.com"
    assert [i.sku for i in fast.items] == [i.sku for i in slow.items] == ["ZZ-1", "AA-9"]
    assert [s.tracking_number for s in fast.shipments] == [s.tracking_number for s in slow.shipments]
