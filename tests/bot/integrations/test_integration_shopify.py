"""Shopify webhooks: every fixture resource parsed, topic by topic, with concrete fields."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from bot.integrations import SHOPIFY_TOPICS, PayloadError, parse_shopify
from storage.domain import EventType, ShipmentStatus
from storage.schemas import OrderIn

EDT = timezone(timedelta(hours=-4))
EST = timezone(timedelta(hours=-5))

Resource = Callable[[str], dict]


def body_of(resource: dict) -> bytes:
    return json.dumps(resource).encode()


def test_supported_topics() -> None:
    assert SHOPIFY_TOPICS == {
        "orders/create",
        "orders/updated",
        "orders/cancelled",
        "fulfillments/create",
        "fulfillments/update",
        "fulfillment_events/create",
        "refunds/create",
    }


def test_orders_create_fixture(shopify_body: Callable[[str], bytes]) -> None:
    [event] = parse_shopify("orders/create", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", shopify_body("order"))
    assert event.event_id == "shopify:b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"
    assert event.source == "shopify"
    assert event.type == EventType.ORDER_CREATED
    assert event.order_number == "1001"
    assert event.occurred_at == datetime(2008, 1, 10, 11, 0, tzinfo=EST)
    assert (event.tracking_number, event.status, event.raw_status) == (None, None, None)
    assert event.data["shopify_order_id"] == "450789469"
    order = event.data["order"]
    assert order["order_number"] == "1001"
    assert order["placed_at"] == "2008-01-10T11:00:00-05:00"
    assert order["status"] == "open"
    assert order["customer"] == {
        "email": "bob.norman@hostmail.com",
        "name": "Bob Norman",
        "phone": "555-625-1199",  # from the billing address: neither customer nor order has one
        "timezone": "UTC",
        "locale": "en",
    }
    assert order["shipping_address"] == {
        "line1": None,
        "city": "Louisville",
        "postcode": "40202",
        "country": "US",
    }
    assert [
        (i["sku"], i["name"], i["category"], i["quantity"], i["requires_setup"]) for i in order["items"]
    ] == [
        ("IPOD2008GREEN", "IPod Nano - 8gb - green", "general", 1, False),
        ("IPOD2008RED", "IPod Nano - 8gb - red", "general", 1, False),
        ("IPOD2008BLACK", "IPod Nano - 8gb - black", "general", 1, False),
    ]
    # the fixture's only fulfillment has status "failure": nothing shipped under it
    assert order["shipments"] == []
    # the dict is a valid import line as is
    assert OrderIn.model_validate(order).order_number == "1001"


def test_orders_updated_uses_updated_at_and_lists_live_fulfillments(shopify_resource: Resource) -> None:
    order = shopify_resource("order")
    order["updated_at"] = "2008-01-12T09:30:00-05:00"
    order["customer_locale"] = "fr-CA"
    order["fulfillments"][0]["status"] = "success"
    order["fulfillments"][0]["tracking_company"] = "UPS"
    order["fulfillments"][0]["shipment_status"] = "in_transit"
    second = dict(
        order["fulfillments"][0],
        id=2,
        tracking_company=None,
        shipment_status="delivered",
        tracking_numbers=["1Z2345", "9400100000000000000000"],
        tracking_urls=["u1", "u2"],
        updated_at="2008-01-14T15:00:00-05:00",
        line_items=[order["line_items"][2]],
    )
    order["fulfillments"].append(second)
    [event] = parse_shopify("orders/updated", "w-2", body_of(order))
    assert event.type == EventType.ORDER_UPDATED
    assert event.occurred_at == datetime(2008, 1, 12, 14, 30, tzinfo=UTC)
    assert event.data["order"]["customer"]["locale"] == "fr-CA"
    shipments = event.data["order"]["shipments"]
    assert [(s["carrier"], s["tracking_number"], s["status"], s["skus"]) for s in shipments] == [
        ("UPS", "1Z2345", "in_transit", ["IPOD2008GREEN"]),
        # 1Z2345 appears again in the second fulfillment: kept once (first wins)
        ("unknown", "9400100000000000000000", "delivered", ["IPOD2008BLACK"]),
    ]
    assert shipments[0]["tracking_url"].startswith("http://wwwapps.ups.com/etracking/")
    assert shipments[0]["shipped_at"] == "2014-01-22T15:58:27-05:00"
    assert shipments[0]["delivered_at"] is None
    assert shipments[1]["tracking_url"] == "u2"
    assert shipments[1]["delivered_at"] == "2008-01-14T15:00:00-05:00"


@pytest.mark.parametrize(
    ("cancelled_at", "closed_at", "expected"),
    [
        (None, None, "open"),
        ("2008-01-11T10:00:00-05:00", None, "cancelled"),
        (None, "2008-01-20T10:00:00-05:00", "closed"),
    ],
)
def test_order_status_from_timestamps(
    shopify_resource: Resource, cancelled_at, closed_at, expected: str
) -> None:
    order = shopify_resource("order")
    order["cancelled_at"], order["closed_at"] = cancelled_at, closed_at
    [event] = parse_shopify("orders/updated", "w", body_of(order))
    assert event.data["order"]["status"] == expected


def test_orders_cancelled(shopify_resource: Resource) -> None:
    order = shopify_resource("order")
    order["cancelled_at"] = "2008-01-11T10:00:00-05:00"
    order["cancel_reason"] = "customer"
    [event] = parse_shopify("orders/cancelled", "w-3", body_of(order))
    assert event.type == EventType.ORDER_CANCELLED
    assert event.occurred_at == datetime(2008, 1, 11, 10, 0, tzinfo=EST)
    assert event.data["cancel_reason"] == "customer"
    assert event.data["order"]["status"] == "cancelled"


def test_orders_cancelled_is_cancelled_even_without_cancelled_at(
    shopify_body: Callable[[str], bytes],
) -> None:
    [event] = parse_shopify("orders/cancelled", "w-3", shopify_body("order"))
    assert event.data["order"]["status"] == "cancelled"
    assert event.occurred_at == datetime(2008, 1, 10, 11, 0, tzinfo=EST)  # falls back to updated_at


def test_order_number_prefers_the_name_the_shopper_sees(shopify_resource: Resource) -> None:
    order = shopify_resource("order")
    order["name"] = "#EU-1001"
    [event] = parse_shopify("orders/create", "w", body_of(order))
    assert event.order_number == "EU-1001"
    order["name"] = "Order 1001 (gift)"  # not usable as an order number: fall back to order_number
    [event] = parse_shopify("orders/create", "w", body_of(order))
    assert event.order_number == "1001"


def test_customer_falls_back_to_order_and_address_fields(shopify_resource: Resource) -> None:
    order = shopify_resource("order")
    del order["customer"]
    order["email"] = "pos@example.com"
    order["phone"] = "+15550100"
    [event] = parse_shopify("orders/create", "w", body_of(order))
    customer = event.data["order"]["customer"]
    assert (customer["email"], customer["name"], customer["phone"]) == (
        "pos@example.com",
        "Bob Norman",
        "+15550100",
    )


def test_order_without_any_email_is_a_payload_error(shopify_resource: Resource) -> None:
    order = shopify_resource("order")
    order["email"] = None
    order["customer"]["email"] = None
    with pytest.raises(PayloadError, match="no customer email"):
        parse_shopify("orders/create", "w", body_of(order))


def test_invalid_email_is_a_payload_error_naming_the_field(shopify_resource: Resource) -> None:
    order = shopify_resource("order")
    order["customer"]["email"] = "not-an-email"
    with pytest.raises(PayloadError) as caught:
        parse_shopify("orders/create", "w", body_of(order))
    assert caught.value.reason.startswith("order.customer.email: ")
    assert "not-an-email" not in caught.value.reason


def test_line_item_details(shopify_resource: Resource) -> None:
    order = shopify_resource("order")
    first, second, third = order["line_items"]
    first["product_type"] = "kitchen-appliance"
    first["properties"] = [{"name": "_requires_setup", "value": "yes"}]
    second["sku"] = ""
    second["current_quantity"] = 2
    third["current_quantity"] = 0  # removed by an order edit
    [event] = parse_shopify("orders/create", "w", body_of(order))
    assert [
        (i["sku"], i["category"], i["quantity"], i["requires_setup"]) for i in event.data["order"]["items"]
    ] == [
        ("IPOD2008GREEN", "kitchen-appliance", 1, True),
        ("shopify-variant-49148385", "general", 2, False),
    ]


def test_fulfillments_create_fixture(shopify_body: Callable[[str], bytes]) -> None:
    [event] = parse_shopify("fulfillments/create", "w-4", shopify_body("fulfillment"))
    assert event.event_id == "shopify:w-4"
    assert event.type == EventType.SHIPMENT_CREATED
    assert event.occurred_at == datetime(2013, 11, 1, 16, 6, 8, tzinfo=EDT)
    assert event.order_number is None  # a fulfillment only knows the numeric order id
    assert event.tracking_number == "1Z2345"
    assert event.status == ShipmentStatus.PRE_TRANSIT
    assert event.raw_status is None
    assert event.data == {
        "carrier": "null-company",
        "tracking_url": "http://www.google.com/search?q=1Z2345",
        "skus": ["IPOD2008GREEN"],
        "shopify_order_id": "450789469",
        "shopify_fulfillment_id": "255858046",
        "fulfillment_status": "pending",
    }


def test_fulfillments_update_without_shipment_status_leaves_status_unset(
    shopify_body: Callable[[str], bytes],
) -> None:
    [event] = parse_shopify("fulfillments/update", "w-5", shopify_body("fulfillment"))
    assert event.type == EventType.SHIPMENT_UPDATED
    assert event.status is None  # must not drag a carrier-tracked shipment back to pre_transit
    assert event.tracking_number == "1Z2345"


def test_fulfillment_with_several_tracking_numbers_yields_one_event_each(shopify_resource: Resource) -> None:
    fulfillment = shopify_resource("fulfillment")
    fulfillment.update(
        name="#1001.2",
        shipment_status="out_for_delivery",
        tracking_numbers=["1ZA", "1ZB", "1ZA"],
        tracking_urls=["https://t/1ZA", "https://t/1ZB", "https://t/1ZA"],
    )
    events = parse_shopify("fulfillments/update", "w-6", body_of(fulfillment))
    assert [(e.event_id, e.tracking_number, e.data["tracking_url"]) for e in events] == [
        ("shopify:w-6:1ZA", "1ZA", "https://t/1ZA"),
        ("shopify:w-6:1ZB", "1ZB", "https://t/1ZB"),
    ]
    assert {e.status for e in events} == {ShipmentStatus.OUT_FOR_DELIVERY}
    assert {e.order_number for e in events} == {"1001"}  # from the fulfillment name "#1001.2"
    assert {e.data["provider_status"] for e in events} == {"out_for_delivery"}


def test_redelivery_of_the_same_webhook_gives_the_same_event_ids(
    shopify_body: Callable[[str], bytes],
) -> None:
    first = parse_shopify("fulfillments/create", "same-id", shopify_body("fulfillment"))
    again = parse_shopify("fulfillments/create", "same-id", shopify_body("fulfillment"))
    assert [e.event_id for e in first] == [e.event_id for e in again] == ["shopify:same-id"]


def test_fulfillment_unknown_shipment_status_is_exception_with_raw_word(shopify_resource: Resource) -> None:
    fulfillment = shopify_resource("fulfillment")
    fulfillment["shipment_status"] = "abducted"
    [event] = parse_shopify("fulfillments/update", "w", body_of(fulfillment))
    assert (event.status, event.raw_status) == (ShipmentStatus.EXCEPTION, "abducted")


def test_cancelled_fulfillment_has_no_shipment_status(shopify_resource: Resource) -> None:
    fulfillment = shopify_resource("fulfillment")
    fulfillment["status"] = "cancelled"
    [event] = parse_shopify("fulfillments/create", "w", body_of(fulfillment))
    assert event.status is None
    assert event.data["fulfillment_status"] == "cancelled"


def test_fulfillment_without_tracking_number_still_yields_an_event(shopify_resource: Resource) -> None:
    fulfillment = shopify_resource("fulfillment")
    fulfillment.update(tracking_number=None, tracking_numbers=[], tracking_url=None, tracking_urls=[])
    [event] = parse_shopify("fulfillments/create", "w", body_of(fulfillment))
    assert event.tracking_number is None
    assert event.event_id == "shopify:w"
    assert "tracking_url" not in event.data
    assert event.data["shopify_order_id"] == "450789469"


def test_fulfillment_event_fixture(shopify_body: Callable[[str], bytes]) -> None:
    [event] = parse_shopify("fulfillment_events/create", "w-7", shopify_body("fulfillment_event"))
    assert event.type == EventType.SHIPMENT_UPDATED
    assert event.status == ShipmentStatus.PRE_TRANSIT  # label_printed
    assert event.occurred_at == datetime(2021, 1, 25, 16, 32, 23, tzinfo=EST)
    assert (event.eta, event.location, event.tracking_number) == (None, None, None)
    assert event.data == {
        "provider_status": "label_printed",
        "shopify_order_id": "2776493818019",
        "shopify_fulfillment_id": "2608403447971",
    }


def test_fulfillment_event_with_place_eta_and_message(shopify_resource: Resource) -> None:
    scan = shopify_resource("fulfillment_event")
    scan.update(
        status="attempted_delivery",
        city="Boston",
        province="Massachusetts",
        country="United States",
        estimated_delivery_at="2021-01-27T12:00:00-05:00",
        message="Nobody home",
    )
    [event] = parse_shopify("fulfillment_events/create", "w", body_of(scan))
    assert event.status == ShipmentStatus.ATTEMPT_FAILED
    assert event.location == "Boston, Massachusetts, United States"
    assert event.eta == date(2021, 1, 27)
    assert event.data["message"] == "Nobody home"


def test_refunds_create_fixture(shopify_body: Callable[[str], bytes]) -> None:
    [event] = parse_shopify("refunds/create", "w-8", shopify_body("refund"))
    assert event.type == EventType.REFUND_CREATED
    assert event.occurred_at == datetime(2016, 6, 20, 13, 35, 6, tzinfo=EDT)
    assert event.order_number is None
    assert event.data == {
        "amount": "209.00",
        "currency": "USD",
        "shopify_order_id": "450789469",
        "shopify_refund_id": "509562969",
        "skus": ["IPOD2008BLACK", "IPOD2008GREEN"],
    }


def test_refund_sums_only_successful_refund_transactions(shopify_resource: Resource) -> None:
    refund = shopify_resource("refund")
    base = refund["transactions"][0]
    refund["transactions"] = [
        base,
        dict(base, id=2, amount="10.50"),
        dict(base, id=3, amount="99.00", status="failure"),
        dict(base, id=4, amount="5.00", kind="sale"),
    ]
    [event] = parse_shopify("refunds/create", "w", body_of(refund))
    assert event.data["amount"] == "219.50"


def test_refund_with_a_bad_amount_is_a_payload_error(shopify_resource: Resource) -> None:
    refund = shopify_resource("refund")
    refund["transactions"][0]["amount"] = "lots"
    with pytest.raises(PayloadError, match=r"transactions\[0\]\.amount: not a decimal amount"):
        parse_shopify("refunds/create", "w", body_of(refund))


@pytest.mark.parametrize("resource", ["product", "transaction"])
def test_other_fixtures_are_not_supported_topics(shopify_body: Callable[[str], bytes], resource: str) -> None:
    with pytest.raises(PayloadError, match=f"unsupported Shopify topic '{resource}s/create'"):
        parse_shopify(f"{resource}s/create", "w", shopify_body(resource))


def test_topic_lookup_ignores_case_and_spaces(shopify_body: Callable[[str], bytes]) -> None:
    [event] = parse_shopify(" Orders/Create ", "w", shopify_body("order"))
    assert event.type == EventType.ORDER_CREATED


@pytest.mark.parametrize("topic", [None, "", "  "])
def test_missing_topic(shopify_body: Callable[[str], bytes], topic: str | None) -> None:
    with pytest.raises(PayloadError, match="missing X-Shopify-Topic header"):
        parse_shopify(topic, "w", shopify_body("order"))


@pytest.mark.parametrize("webhook_id", [None, "", " "])
def test_missing_webhook_id(shopify_body: Callable[[str], bytes], webhook_id: str | None) -> None:
    with pytest.raises(PayloadError, match="missing X-Shopify-Webhook-Id header"):
        parse_shopify("orders/create", webhook_id, shopify_body("order"))


def test_huge_webhook_id_is_a_payload_error(shopify_body: Callable[[str], bytes]) -> None:
    with pytest.raises(PayloadError, match="event_id: String should have at most 200 characters"):
        parse_shopify("orders/create", "w" * 500, shopify_body("order"))


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda o: o.pop("created_at"), "created_at: missing"),
        (lambda o: o.update(created_at="last tuesday"), "created_at: not an ISO 8601 date-time"),
        (lambda o: o.update(line_items="three"), "line_items: expected an array, got string"),
        (lambda o: o.update(line_items=[1]), r"line_items\[0\]: expected an object, got number"),
        (
            lambda o: o["line_items"][0].update(quantity="1"),
            r"line_items\[0\]\.quantity: expected an integer",
        ),
        (
            lambda o: o["line_items"][0].update(quantity=0.5),
            r"line_items\[0\]\.quantity: expected an integer",
        ),
        (
            lambda o: o["line_items"][0].update(quantity=10**6),
            r"order\.items\[0\]\.quantity: Input should be less",
        ),
        (lambda o: o.update(customer=[]), "customer: expected an object, got array"),
        (lambda o: o.update(name=None, order_number=None), "neither name nor order_number"),
    ],
)
def test_malformed_order_reasons(shopify_resource: Resource, mutate, reason: str) -> None:
    order = shopify_resource("order")
    mutate(order)
    with pytest.raises(PayloadError, match=reason):
        parse_shopify("orders/create", "w", body_of(order))


def test_body_that_is_not_an_object(shopify_body: Callable[[str], bytes]) -> None:
    with pytest.raises(PayloadError, match="body: expected a JSON object, got array"):
        parse_shopify("orders/create", "w", b"[1, 2]")
