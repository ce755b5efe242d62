"""Cases: one open case per problem; asking again updates it."""

from __future__ import annotations

from tests.handlers.conversation_kit import Harness, harness, shop_template

__all__ = ["harness", "shop_template"]


async def test_a_late_case_reported_lost_later_becomes_the_lost_case(harness: Harness) -> None:
    async with harness.store.transaction() as repos:
        order = await repos.orders.by_number(order_number="1004")
        assert order is not None and order.id is not None
        opened = await repos.cases.report(
            order_id=order.id, customer_id=None, kind="late", description="late"
        )
        lost = await repos.cases.report(order_id=order.id, customer_id=None, kind="lost", description="lost")
        damaged = await repos.cases.report(
            order_id=order.id, customer_id=None, kind="damaged", description="x"
        )
        cases = await repos.cases.open_for_order(order_id=order.id)
    assert opened.created and not lost.created and damaged.created
    assert lost.case.id == opened.case.id
    assert [(c.kind, len(c.updates)) for c in cases] == [("lost", 1), ("damaged", 0)]
