"""Conversation stories that need orders of their own: a far time zone near midnight UTC, two parcels
behind one tracking page, a shopper with a single order. Exact words the shopper sees are asserted."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.imports.orders import import_orders
from tests.handlers.conversation_kit import Harness, text_of

KETTLE = {"sku": "KT-200", "name": "Kettle Pro 200", "category": "kitchen-appliance", "quantity": 1}
MUGS = {"sku": "MG-12", "name": "Stoneware Mug Set of 4", "category": "homeware", "quantity": 2}
SHARED_PAGE = "https://track.example.test/nzpost/shared"


def _parcel(tracking: str, status: str, skus: list[str], **fields: Any) -> dict[str, Any]:
    return {
        "carrier": "NZ Post",
        "tracking_number": tracking,
        "tracking_url": SHARED_PAGE,
        "status": status,
        "shipped_at": "2026-11-21T09:00:00Z",
        "delivered_at": None,
        "skus": skus,
        **fields,
    }


def _order(number: str, email: str, timezone: str, items: list[dict[str, Any]], parcels: list[Any]) -> str:
    return json.dumps(
        {
            "order_number": number,
            "placed_at": "2026-11-20T10:00:00Z",
            "status": "open",
            "customer": {"email": email, "name": "Gus Tester", "timezone": timezone, "locale": "en"},
            "shipping_address": {"city": "Auckland", "postcode": "1010", "country": "NZ"},
            "items": items,
            "shipments": parcels,
        }
    )


async def _add_orders(kit: Harness, *lines: str) -> None:
    report = await import_orders(kit.store, list(lines))
    assert report.rejected == 0, report.errors


async def _with_auckland_order(kit: Harness) -> None:
    # the harness clock says Monday 23 November 15:00 UTC: Tuesday 24 November 04:00 in Auckland
    await _add_orders(
        kit,
        _order(
            "2001",
            "gus@example.com",
            "Pacific/Auckland",
            [KETTLE, MUGS],
            [
                _parcel("NZ0000000001", "out_for_delivery", ["KT-200", "MG-12"], eta="2026-11-24"),
                _parcel("NZ0000000002", "in_transit", ["MG-12"], eta="2026-11-25", promised_by="2026-11-26"),
            ],
        ),
    )
    async with kit.store.transaction() as repos:
        shipment = await repos.orders.shipment_by_tracking(tracking_number="NZ0000000001")
        assert shipment is not None and shipment.id is not None
        await repos.orders.update_shipment(
            shipment_id=shipment.id, location="Auckland", event_at=datetime(2026, 11, 23, 14, 10, tzinfo=UTC)
        )


async def test_a_customer_ahead_of_utc_gets_local_days_one_link_and_plural_verbs(harness: Harness) -> None:
    await _with_auckland_order(harness)
    await harness.verify_as("gus@example.com")
    result = await harness.send("where is my order 2001")

    reply = result.replies[-1]
    assert reply.text.endswith(
        "Order #2001 travels in 2 parcels.\n\n"
        "Your Kettle Pro 200 and 2 × Stoneware Mug Set of 4 are out for delivery today. "
        "Last scan in Auckland today at 03:10. NZ Post tracking number: NZ0000000001.\n\n"
        "Your 2 × Stoneware Mug Set of 4 are on their way. Expected delivery: tomorrow. "
        "NZ Post tracking number: NZ0000000002."
    )
    # both parcels share one tracking page: it is offered once, and not written in the text
    assert [link.url for r in result.replies for link in r.links] == [SHARED_PAGE]
    assert SHARED_PAGE not in text_of(result)


async def test_near_midnight_utc_the_arrival_day_is_the_shoppers_day(harness: Harness) -> None:
    await _with_auckland_order(harness)
    await harness.verify_as("gus@example.com")
    harness.clock.set(datetime(2026, 11, 24, 10, 30, tzinfo=UTC))  # 23:30 on Tuesday 24 November in Auckland
    await harness.send("where is my order 2001")
    later = await harness.send("when will it arrive?")
    assert text_of(later) == (
        "Your Kettle Pro 200 and 2 × Stoneware Mug Set of 4 are out for delivery, so they should arrive today; "
        "your 2 × Stoneware Mug Set of 4 should arrive tomorrow."
    )
    harness.clock.set(datetime(2026, 11, 24, 11, 30, tzinfo=UTC))  # 00:30 on Wednesday 25 November there
    after_midnight = await harness.send("when will it arrive?")
    # the out-for-delivery scan was yesterday now: no "today" for it, and the other parcel is due today
    assert text_of(after_midnight).endswith("your 2 × Stoneware Mug Set of 4 should arrive today.")
    assert "out for delivery, so they should arrive today" not in text_of(after_midnight)


async def test_a_shopper_with_one_order_is_told_so_and_asked_for_another_number(harness: Harness) -> None:
    await _add_orders(
        harness,
        _order(
            "2002", "hana@example.com", "Asia/Tokyo", [KETTLE], [_parcel("NZ0000000003", "in_transit", [])]
        ),
    )
    await harness.verify_as("hana@example.com")
    await harness.send("where is my order 2002")
    other = await harness.send("and my other order?")
    assert text_of(other) == (
        "Order #2002 is the only order I can find for you. If you have another one, tell me its order number."
    )
    assert other.intent == "order_status"
    async with harness.store.transaction() as repos:
        conversation = await repos.conversations.get(channel="rest", external_id="shopper-1")
    assert conversation is not None and conversation.state == "verify.order_number"


async def test_the_carrier_is_named_once_in_a_status_answer(harness: Harness) -> None:
    await harness.verify_as("bob@example.com")
    result = await harness.send("where is my order 1004")
    text = result.replies[-1].text  # (a first reply may open with the assistant disclosure)
    assert text.endswith(
        "Your MeshLink Wi-Fi 6 Router (order #1004) is on its way. I'm sorry, it's running late: we promised it "
        "by Saturday 21 November. The carrier now expects to deliver it Wednesday 25 November. "
        "DHL tracking number: 1Z999AA10000001004."
    )
    assert text.count("DHL") == 1
    assert [(link.title, link.url) for link in result.replies[-1].links] == [
        ("Track with DHL", "https://track.example.test/1Z999AA10000001004")
    ]
