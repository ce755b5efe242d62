"""A reply to a proactive message is about that message's order."""

from __future__ import annotations

from datetime import timedelta

from tests.handlers.conversation_kit import CHANNEL, DEFAULT_USER, NOW, Harness, text_of


async def pushed(kit: Harness, order_number: str, kind: str, *, user: str = DEFAULT_USER, ago: timedelta) -> int:
    """A proactive message about ``order_number`` sent to ``user`` ``ago`` before now; its outbox id."""
    async with kit.store.transaction() as repos:
        details = await repos.orders.details_for_number(order_number=order_number)
        assert details is not None and details.order.id is not None
        key = f"{order_number}:{kind}:{user}"
        await repos.outbox.enqueue(
            dedupe_key=key,
            kind=kind,
            channel=CHANNEL,
            recipient=user,
            payload={"text": f"news about {order_number}"},
            scheduled_at=NOW - ago,
            order_id=details.order.id,
            customer_id=details.order.customer_id,
        )
        rows = [row for row in await repos.outbox.for_order(order_id=details.order.id) if row.dedupe_key == key]
        message_id = int(rows[0].id or 0)
        await repos.outbox.mark_sent(message_id=message_id, provider_message_id=None, at=NOW - ago)
        return message_id


async def test_why_after_a_delay_message_is_about_that_order(harness: Harness) -> None:
    await harness.verify_as("bob@example.com")
    await pushed(harness, "1004", "delayed", ago=timedelta(hours=2))

    result = await harness.send("why?")

    assert "MeshLink Wi-Fi 6 Router (order #1004) is on its way. I'm sorry, it's running late" in text_of(result)
    assert "What's your order number?" not in text_of(result)
    assert "can't help" not in text_of(result)


async def test_its_not_here_after_a_delivered_message_opens_the_missing_parcel_case(harness: Harness) -> None:
    await harness.verify_as("ann@example.com")
    await pushed(harness, "1002", "delivered", ago=timedelta(minutes=30))

    result = await harness.send("it's not here")

    assert result.intent == "delivery_problem"
    assert "What's your order number?" not in text_of(result)
    async with harness.store.transaction() as repos:
        details = await repos.orders.details_for_number(order_number="1002")
        assert details is not None
        cases = await repos.cases.for_order(order_id=int(details.order.id or 0))
    assert [case.kind for case in cases] == ["not_received"]


async def test_a_push_older_than_three_days_or_to_another_chat_is_no_context(harness: Harness) -> None:
    await harness.verify_as("bob@example.com")
    await harness.verify_as("bob@example.com", user="shopper-2")
    await pushed(harness, "1004", "delayed", ago=timedelta(days=4))
    await pushed(harness, "1004", "shipped", user="shopper-2", ago=timedelta(hours=1))

    result = await harness.send("why?")

    assert "order #1004" not in text_of(result)


async def test_an_unverified_chat_gets_no_order_from_a_push(harness: Harness) -> None:
    await pushed(harness, "1004", "delayed", ago=timedelta(hours=1))

    result = await harness.send("why is it late?")

    assert "1004" not in text_of(result)


async def test_the_push_is_taken_up_once(harness: Harness) -> None:
    await harness.verify_as("bob@example.com")
    await pushed(harness, "1004", "delayed", ago=timedelta(hours=2))
    await harness.send("why?")
    async with harness.store.transaction() as repos:
        conversation = await repos.conversations.get(channel=CHANNEL, external_id=DEFAULT_USER)
    assert conversation is not None
    assert conversation.slots.get("order") == "1004"
    assert conversation.slots.get("push") is not None
