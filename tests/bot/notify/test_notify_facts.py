"""Loading the policy's facts: everything for the orders decided on, less for orders only superseded."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.notify.facts import load_facts
from storage.models import Order
from storage.repositories.outbox import NewDecision, NewOutboxRow
from storage.schemas import OrderIn
from storage.store import Repositories, Store
from tests.builders import order_line

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


async def _two_orders(repos: Repositories) -> tuple[Order, Order]:
    """Orders 1001 (ann) and 1002 (bob), stored."""
    await repos.orders.upsert_many(
        [
            OrderIn.model_validate(order_line("1001")),
            OrderIn.model_validate(order_line("1002", email="bob@example.com")),
        ]
    )
    first = await repos.orders.by_number(order_number="1001")
    second = await repos.orders.by_number(order_number="1002")
    assert first and second and first.id and second.id
    return first, second


async def test_decide_for_limits_identities_preferences_and_decided_keys(store: Store) -> None:
    async with store.transaction() as repos:
        first, second = await _two_orders(repos)
        for order, chat in ((first, "1"), (second, "2")):
            identity = await repos.identities.get_or_create(channel="telegram", external_id=chat)
            assert identity.id is not None
            await repos.identities.link(identity_id=identity.id, customer_id=order.customer_id, at=NOW)
            await repos.preferences.update(customer_id=order.customer_id, opted_out_categories=["reviews"])
            number = order.order_number
            await repos.outbox.enqueue_many(
                [
                    NewOutboxRow(
                        dedupe_key=f"{number}:shipped",
                        kind="shipped",
                        channel="telegram",
                        recipient=chat,
                        payload={"text": "x", "category": "shipping_updates", "shipment_id": 3},
                        scheduled_at=NOW,
                        created_at=NOW,
                        order_id=order.id,
                    )
                ]
            )
            await repos.decisions.add_many(
                [NewDecision("delivered", "suppressed", "opted out", NOW, order.id, f"{number}:delivered")]
            )
    async with store.transaction() as repos:
        every = await load_facts(repos, [first.id, second.id])
        some = await load_facts(repos, [first.id, second.id], decide_for={second.id})
    for facts in (every, some):
        assert list(facts) == [first.id, second.id]
        assert [(m.dedupe_key, m.category, m.shipment_id, m.status) for m in facts[first.id].messages] == [
            ("1001:shipped", "shipping_updates", 3, "pending")
        ]
        full = facts[second.id]
        assert [i.external_id for i in full.customer.identities] == ["2"]
        assert full.customer.preference is not None
        assert full.customer.preference.opted_out_categories == ["reviews"]
        assert full.decided == {"1002:shipped", "1002:delivered"}
        assert [s.tracking_number for s in full.details.shipments] == ["1Z999AA10000001002"]
    assert [i.external_id for i in every[first.id].customer.identities] == ["1"]
    assert every[first.id].decided == {"1001:shipped", "1001:delivered"}
    only_superseded = some[first.id]
    assert (list(only_superseded.customer.identities), only_superseded.customer.preference) == ([], None)
    assert only_superseded.decided == {"1001:shipped"}
    assert only_superseded.details.number == "1001"


async def test_an_order_neither_decided_nor_with_a_pending_message_gets_no_facts(store: Store) -> None:
    """Only a pending message can be superseded: an order changed by an event, with nothing
    pending and no proposal, is not loaded."""
    async with store.transaction() as repos:
        first, second = await _two_orders(repos)
        sent = NewOutboxRow(
            dedupe_key="1001:shipped",
            kind="shipped",
            channel="telegram",
            recipient="1",
            payload={"text": "x", "category": "shipping_updates"},
            scheduled_at=NOW,
            created_at=NOW,
            order_id=first.id,
        )
        await repos.outbox.enqueue_many([sent])
        (row,) = await repos.outbox.message_rows(order_ids=[first.id])
        assert row.id is not None
        await repos.outbox.mark_sent(message_id=row.id, provider_message_id="m1", at=NOW)
    async with store.transaction() as repos:
        touched = await load_facts(repos, [first.id, second.id], decide_for=set())
        decided = await load_facts(repos, [first.id, second.id], decide_for={first.id})
    assert touched == {}
    assert list(decided) == [first.id]
    assert [m.status for m in decided[first.id].messages] == ["sent"]
