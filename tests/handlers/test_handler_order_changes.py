"""cancel_order and change_order: only before shipment; addresses read from one line."""

from __future__ import annotations

import pytest

from handlers.addresses import Address, parse_address
from handlers.answers import yes_or_no
from handlers.context import Understanding
from handlers.order_changes import CancelOrderHandler, ChangeOrderHandler, asked_at_confirmation
from tests.handlers.conversation_kit import Harness, handler_context


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 Elm Street, Boston, 02118, US", Address("12 Elm Street", "Boston", "02118", "US")),
        ("12 Elm Street, Boston 02118", Address("12 Elm Street", "Boston", "02118", "CA")),
        ("it's 22 Baker Street, Boston MA 02118", Address("22 Baker Street", "Boston MA", "02118", "CA")),
        ("here's the new one: 9 Pine Rd, Austin, 73301, US", Address("9 Pine Rd", "Austin", "73301", "US")),
        ("Flat 2, 12 Elm St, London, EC1A 1BB, gb", Address("Flat 2, 12 Elm St", "London", "EC1A 1BB", "GB")),
        ("somewhere nice", None),
        ("Boston, 02118", None),
        ("my new address is 9 Pine Rd, Austin, 73301", Address("9 Pine Rd", "Austin", "73301", "CA")),
        ("12345, 67890, 11111", None),
        ("can you send it to 5 Oak Lane, Springfield 12345?", Address("5 Oak Lane", "Springfield", "12345", "CA")),
        # a sentence with commas and a number is not an address
        ("I'm moving house, can I change the address on 1013", None),
        ("thanks, I need it changed for order 1013", None),
        # a British postcode after the town, a country written out
        ("12 Baker Street, London NW1 6XE", Address("12 Baker Street", "London", "NW1 6XE", "GB")),
        ("12 Baker Street, London, NW1 6XE, United Kingdom", Address("12 Baker Street", "London", "NW1 6XE", "GB")),
        ("5 Rue Cler, Paris, 75007, France", Address("5 Rue Cler", "Paris", "75007", "FR")),
        ("1 Main St, Ottawa K1A 0B1", Address("1 Main St", "Ottawa", "K1A 0B1", "CA")),
    ],
)
def test_parse_address(text: str, expected: Address | None) -> None:
    assert parse_address(text, default_country="CA") == expected


async def test_yes_or_no(harness: Harness) -> None:
    async with harness.store.transaction() as repos:
        ctx = await handler_context(harness, repos)
    for text, answer in [
        ("yes please", True),
        ("Yep", True),
        ("no", False),
        ("nope, keep it", False),
        ("Aye, bin the lot.", True),
        ("ay salamat po. opo, cancel na po lahat", True),  # thanks, then the answer
        ("thank you. no, keep it", False),
        ("sí, por favor", True),
        ("naw, leave it", False),
        ("maybe", None),
        ("jacket", None),  # no "ja" inside a word
    ]:
        ctx.understanding = Understanding(text=text)
        assert yes_or_no(ctx) is answer, text
    ctx.understanding = Understanding(payload="confirm:no")
    assert yes_or_no(ctx) is False


async def test_cancel_confirms_then_writes(harness: Harness) -> None:
    handler = CancelOrderHandler()
    async with harness.store.transaction() as repos:
        ctx = await handler_context(harness, repos, order_number="1003", verified_as="ann@example.com")
        asked = await handler.handle(ctx)
        ctx.step = asked.await_step
        ctx.understanding = Understanding(payload="confirm:yes")
        done = await handler.handle(ctx)
        order = await repos.orders.by_number(order_number="1003")
    assert asked.await_step == "confirm"
    assert done.replies[0].text.startswith("Done: order #1003 is cancelled.")
    assert order is not None and (order.status, order.refund_status) == ("cancelled", "pending")


async def test_shipped_orders_cannot_change(harness: Harness) -> None:
    async with harness.store.transaction() as repos:
        ctx = await handler_context(
            harness, repos, order_number="1001", verified_as="ann@example.com", payload="change:address"
        )
        outcome = await ChangeOrderHandler().handle(ctx)
    assert (
        "already left our warehouse with UPS, so I can't change the address any more"
        in outcome.replies[0].text
    )
    assert outcome.await_step is None


async def test_address_typed_with_the_request_goes_straight_to_confirmation(harness: Harness) -> None:
    async with harness.store.transaction() as repos:
        ctx = await handler_context(
            harness,
            repos,
            order_number="1003",
            verified_as="ann@example.com",
            text="please change the address to 5 Oak Lane, Cambridge, 02139",
        )
        outcome = await ChangeOrderHandler().handle(ctx)
    assert outcome.await_step == "confirm_address"
    assert outcome.data["one_line"] == "5 Oak Lane, Cambridge 02139, US"


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("Only if it can't be here by Friday. When would it arrive if I keep it?", "arrival"),
        ("Will cancelling affect my account at all?", "cancelling"),
        ("how soon would it ship if I keep it?", "arrival"),
        ("yes cancel it", None),  # no question
        ("is the blender any good?", None),  # another question
    ],
)
def test_questions_at_the_cancel_confirmation(text: str, asked: str | None) -> None:
    assert asked_at_confirmation(text) == asked
