"""Repository methods the journey code added: fresh reads after bulk writes, provider references."""

from __future__ import annotations

from storage.schemas import OrderIn
from storage.store import Store
from tests.builders import order_line


async def test_current_reads_see_bulk_writes_made_earlier_in_the_same_unit_of_work(store: Store) -> None:
    async with store.transaction() as repos:
        await repos.orders.upsert_many([OrderIn.model_validate(order_line("1001", tracking_number="1ZA"))])
        loaded = await repos.orders.details_by_number(order_number="1001")
        shipment = await repos.orders.shipment_by_tracking(tracking_number="1ZA")
        assert loaded is not None and shipment is not None
        await repos.orders.update_shipment(shipment_id=shipment.id, status="delivered")  # type: ignore[arg-type]
        await repos.orders.upsert_many(
            [OrderIn.model_validate(order_line("1001", status="closed", tracking_number="1ZA"))]
        )
        # the plain reads hand back the objects already loaded, blind to the bulk upsert
        stale = await repos.orders.details(order_id=loaded.order.id)  # type: ignore[arg-type]
        assert stale is not None and (stale.order.status, stale.shipments[0].status) == ("open", "delivered")
        fresh = await repos.orders.current_details(order_id=loaded.order.id)  # type: ignore[arg-type]
        assert fresh is not None and (fresh.order.status, fresh.shipments[0].status) == (
            "closed",
            "in_transit",
        )
        current = await repos.orders.current_shipment(tracking_number="1ZA")
        assert current is not None and current.status == "in_transit"  # the re-import set it back
        assert await repos.orders.current_shipment(tracking_number="nope") is None
        assert await repos.orders.current_details(order_id=9999) is None


async def test_references_are_remembered_overwritten_and_kept_out_of_order_queries(store: Store) -> None:
    async with store.transaction() as repos:
        assert await repos.inbox.ref(namespace="shopify_order", external_id="450789469") is None
        await repos.inbox.remember_ref(
            namespace="shopify_order", external_id="450789469", order_number="1001"
        )
        await repos.inbox.remember_ref(
            namespace="shopify_order", external_id="450789469", order_number="1002", tracking_number="1ZA"
        )
    async with store.transaction() as repos:
        assert await repos.inbox.ref(namespace="shopify_order", external_id="450789469") == {
            "order_number": "1002",
            "tracking_number": "1ZA",
        }
        assert await repos.inbox.ref(namespace="shopify_fulfillment", external_id="450789469") is None
        assert await repos.inbox.pending_for(order_number="1002", tracking_numbers=["1ZA"]) == []


async def test_pending_unaddressed_lists_held_entries_without_an_order_number(store: Store) -> None:
    async with store.transaction() as repos:
        await repos.inbox.record(source="shopify", external_id="a", status="pending")
        await repos.inbox.record(source="shopify", external_id="b", status="pending", order_number="1001")
        await repos.inbox.record(source="shopify", external_id="c", status="processed")
        await repos.inbox.record(source="easypost", external_id="d", status="pending", tracking_number="1Z")
        await repos.inbox.record(source="shopify", external_id="e", status="pending", tracking_number="1ZB")
    async with store.transaction() as repos:
        found = await repos.inbox.pending_unaddressed(source="shopify")
    assert [entry.external_id for entry in found] == ["a", "e"]
