"""First contact on the conversation hot path: identity and conversation created once."""

from __future__ import annotations

from sqlalchemy import text

from storage.models import utcnow
from storage.schemas import OrderIn
from storage.store import Store
from tests.builders import order_line


async def test_open_chat_creates_missing_rows_once_and_keeps_existing_ones(store: Store) -> None:
    async with store.transaction() as repos:
        assert await repos.conversations.chat(channel="web", external_id="v1") == (None, None)
        identity, conversation = await repos.conversations.open_chat(
            channel="web", external_id="v1", display_name="Ann"
        )
        assert (identity.customer_id, identity.verified, identity.unreachable) == (None, False, False)
        assert (conversation.version, conversation.state, conversation.slots) == (1, "idle", {})
        again = await repos.conversations.open_chat(channel="web", external_id="v1", display_name="Other")
        assert again == (identity, conversation)
        kept = await repos.identities.get_or_create(channel="web", external_id="v2", display_name="Bo")
        only_identity = await repos.conversations.chat(channel="web", external_id="v2")
        assert only_identity[0] is not None and only_identity[1] is None
        second, second_conversation = await repos.conversations.open_chat(channel="web", external_id="v2")
        assert second.id == kept.id and second_conversation.id != conversation.id
    async with store.engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT external_id, display_name, opted_out_categories FROM channel_identities ORDER BY id"
                )
            )
        ).all()
        conversations = (await conn.execute(text("SELECT external_id FROM conversations ORDER BY id"))).all()
    assert [(r[0], r[1]) for r in rows] == [("v1", "Ann"), ("v2", "Bo")]
    assert [r[0] for r in conversations] == ["v1", "v2"]
    async with store.transaction() as repos:
        loaded = await repos.identities.get(channel="web", external_id="v1")
    assert loaded is not None and loaded.opted_out_categories == [] and loaded.created_at is not None


async def test_chat_row_carries_the_linked_customers_name(store: Store) -> None:
    async with store.transaction() as repos:
        await repos.orders.upsert_many([OrderIn.model_validate(order_line("1001"))])
        customer = await repos.customers.by_email(email="ann@example.com")
        assert customer is not None and customer.id is not None
        identity, _ = await repos.conversations.open_chat(channel="telegram", external_id="42")
        assert identity.customer_name is None
        await repos.identities.link(identity_id=identity.id, customer_id=customer.id, at=utcnow())
    async with store.transaction() as repos:
        linked, _ = await repos.conversations.chat(channel="telegram", external_id="42")
    assert linked is not None
    assert (linked.customer_id, linked.verified, linked.customer_name) == (customer.id, True, customer.name)
    assert customer.name
