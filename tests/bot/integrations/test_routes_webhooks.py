"""Provider webhooks over HTTP: every fixture through its route, signatures, malformed and huge bodies."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bot.integrations import sign_aftership, sign_easypost, sign_shopify
from bot.integrations.routes import events_feature
from storage.models import InboxEntry, OutboxMessage
from storage.schemas import OrderIn
from storage.store import Store
from tests.bot.conftest import ClientFactory, test_settings
from tests.builders import order_line

SECRETS = {
    "shopify_webhook_secret": "shpss_test_secret",
    "easypost_webhook_secret": "ep-s\u00e9cret",  # NFKD-normalised by EasyPost's scheme
    "aftership_webhook_secret": "as-test-secret",
}
AFTERSHIP_TRACKING = "1Z999AA10123456784"


async def _client(make_client: ClientFactory, url: str, **overrides: Any) -> TestClient:
    return await make_client(test_settings(url, **{**SECRETS, **overrides}), features=[events_feature])


async def _post_shopify(client: TestClient, topic: str, webhook_id: str, body: bytes) -> tuple[int, dict]:
    headers = {
        "X-Shopify-Topic": topic,
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-Hmac-Sha256": sign_shopify(body, SECRETS["shopify_webhook_secret"]),
        "X-Shopify-Shop-Domain": "doorstep-demo.myshopify.com",
        "Content-Type": "application/json",
    }
    resp = await client.post("/webhooks/shopify", data=body, headers=headers)
    return resp.status, await resp.json()


async def _post_easypost(client: TestClient, body: bytes) -> tuple[int, dict]:
    headers = {"X-Hmac-Signature": sign_easypost(body, SECRETS["easypost_webhook_secret"])}
    resp = await client.post("/webhooks/easypost", data=body, headers=headers)
    return resp.status, await resp.json()


async def _post_aftership(client: TestClient, body: bytes) -> tuple[int, dict]:
    headers = {"aftership-hmac-sha256": sign_aftership(body, SECRETS["aftership_webhook_secret"])}
    resp = await client.post("/webhooks/aftership", data=body, headers=headers)
    return resp.status, await resp.json()


async def _seed(url: str, *lines: dict[str, Any]) -> None:
    async with Store(url) as store, store.transaction() as repos:
        await repos.orders.upsert_many([OrderIn.model_validate(line) for line in lines])


async def _inbox_count(url: str) -> int:
    async with Store(url) as store, store.engine.connect() as conn:
        return int(
            (
                await conn.execute(
                    select(func.count()).select_from(InboxEntry).where(InboxEntry.source.not_like("ref:%"))
                )
            ).scalar_one()
        )


def _summary(answer: dict) -> tuple[str, int]:
    return answer["status"], answer["events"]


# ---------------------------------------------------------------- Shopify
async def test_every_shopify_fixture_through_its_route(
    make_client: ClientFactory, db_url: str, shopify_body: Callable[[str], bytes]
) -> None:
    client = await _client(make_client, db_url)
    order = shopify_body("order")
    status, answer = await _post_shopify(client, "orders/create", "w-1", order)
    assert (status, _summary(answer)) == (200, ("applied", 1))
    assert answer["results"] == [{"event_id": "shopify:w-1", "status": "applied", "reason": "order created"}]
    # the fulfillment names only Shopify's order id: found through the order created above
    status, answer = await _post_shopify(client, "fulfillments/create", "w-2", shopify_body("fulfillment"))
    assert (status, _summary(answer), answer["results"][0]["reason"]) == (
        200,
        ("applied", 1),
        "shipment created",
    )
    status, answer = await _post_shopify(client, "fulfillments/update", "w-3", shopify_body("fulfillment"))
    assert (status, _summary(answer)) == (200, ("applied", 1))
    # this scan belongs to another shop order (2776493818019) doorstep has never seen: kept
    status, answer = await _post_shopify(
        client, "fulfillment_events/create", "w-4", shopify_body("fulfillment_event")
    )
    assert (status, _summary(answer)) == (202, ("held", 1))
    assert answer["results"][0]["reason"] == "held: parcel not known yet"
    status, answer = await _post_shopify(client, "refunds/create", "w-5", shopify_body("refund"))
    assert (status, _summary(answer)) == (200, ("applied", 1))
    status, answer = await _post_shopify(client, "orders/updated", "w-6", order)
    assert (status, _summary(answer)) == (200, ("applied", 1))
    status, answer = await _post_shopify(client, "orders/cancelled", "w-7", order)
    assert (status, _summary(answer)) == (200, ("applied", 1))
    # resources doorstep does not act on are acknowledged, not refused (no retries)
    assert (await _post_shopify(client, "products/create", "w-8", shopify_body("product")))[0] == 202
    status, answer = await _post_shopify(
        client, "order_transactions/create", "w-9", shopify_body("transaction")
    )
    assert (status, answer) == (202, {"status": "ignored", "events": 0})
    # Shopify redelivers with the same webhook id: nothing happens twice
    status, answer = await _post_shopify(client, "orders/create", "w-1", order)
    assert (status, _summary(answer)) == (200, ("duplicate", 1))

    async with Store(db_url) as store, store.transaction() as repos:
        details = await repos.orders.details_by_number(order_number="1001")
    assert details is not None
    assert (details.order.status, details.order.refund_status) == ("cancelled", "issued")
    assert [(s.tracking_number, s.carrier, s.status) for s in details.shipments] == [
        ("1Z2345", "null-company", "pre_transit")
    ]
    assert await _inbox_count(db_url) == 7


async def test_shopify_without_topic_or_webhook_id_is_malformed(
    make_client: ClientFactory, sqlite_url: str, shopify_body: Callable[[str], bytes]
) -> None:
    client = await _client(make_client, sqlite_url)
    body = shopify_body("order")
    signature = sign_shopify(body, SECRETS["shopify_webhook_secret"])
    no_topic = await client.post("/webhooks/shopify", data=body, headers={"X-Shopify-Hmac-Sha256": signature})
    assert (no_topic.status, await no_topic.json()) == (400, {"error": "missing X-Shopify-Topic header"})
    no_id = await client.post(
        "/webhooks/shopify",
        data=body,
        headers={"X-Shopify-Hmac-Sha256": signature, "X-Shopify-Topic": "orders/create"},
    )
    assert (no_id.status, await no_id.json()) == (400, {"error": "missing X-Shopify-Webhook-Id header"})


# ---------------------------------------------------------------- EasyPost
async def test_every_easypost_fixture_through_its_route(
    make_client: ClientFactory, db_url: str, easypost_body: Callable[[str], bytes]
) -> None:
    client = await _client(make_client, db_url)
    tracker_update = easypost_body("tracking-webhook")
    status, answer = await _post_easypost(client, tracker_update)
    assert (status, _summary(answer)) == (202, ("held", 1))  # EZ4000000004 is not a known parcel yet
    assert (await _post_easypost(client, easypost_body("post_json_example"))) == (
        202,
        {"status": "ignored", "events": 0},
    )
    for name in ("event_example", "events-retrieve"):  # Events fetched from the API carry no Tracker
        assert await _post_easypost(client, easypost_body(name)) == (
            400,
            {"error": "result: missing (a tracker event must carry its Tracker)"},
        )
    assert await _post_easypost(client, easypost_body("trackers-retrieve")) == (
        400,
        {"error": "object: expected an EasyPost Event"},
    )
    assert await _inbox_count(db_url) == 1


async def test_an_easypost_update_for_a_known_parcel_is_applied(
    make_client: ClientFactory, sqlite_url: str, easypost_body: Callable[[str], bytes]
) -> None:
    await _seed(sqlite_url, order_line("1001", shipment_status="in_transit", tracking_number="EZ4000000004"))
    client = await _client(make_client, sqlite_url)
    status, answer = await _post_easypost(client, easypost_body("tracking-webhook"))
    assert (status, _summary(answer)) == (200, ("applied", 1))
    async with Store(sqlite_url) as store, store.transaction() as repos:
        shipment = await repos.orders.shipment_by_tracking(tracking_number="EZ4000000004")
    assert shipment is not None
    assert (shipment.status, shipment.delivered_at) == (
        "delivered",
        datetime(2014, 11, 19, 10, 51, 54, tzinfo=UTC),
    )


# ---------------------------------------------------------------- AfterShip
async def test_every_aftership_fixture_through_its_route(
    make_client: ClientFactory, db_url: str, aftership_body: Callable[[str], bytes]
) -> None:
    await _seed(db_url, order_line("1001", shipment_status="in_transit", tracking_number=AFTERSHIP_TRACKING))
    client = await _client(make_client, db_url)
    status, answer = await _post_aftership(client, aftership_body("tracking_update"))
    assert (status, _summary(answer)) == (200, ("applied", 1))
    status, answer = await _post_aftership(client, aftership_body("edd_revise"))
    assert (status, _summary(answer)) == (200, ("applied", 1))
    # the ETA revision is older than the out-for-delivery scan: the parcel stays out for delivery
    assert answer["results"][0]["reason"] == "older than the current state: kept out_for_delivery"
    async with Store(db_url) as store, store.transaction() as repos:
        shipment = await repos.orders.shipment_by_tracking(tracking_number=AFTERSHIP_TRACKING)
    assert shipment is not None and shipment.status == "out_for_delivery"


async def test_a_verified_shopper_gets_the_message_queued_in_the_same_transaction(
    make_client: ClientFactory, sqlite_url: str, aftership_body: Callable[[str], bytes]
) -> None:
    await _seed(
        sqlite_url, order_line("1001", shipment_status="in_transit", tracking_number=AFTERSHIP_TRACKING)
    )
    async with Store(sqlite_url) as store, store.transaction() as repos:
        customer = await repos.customers.by_email(email="ann@example.com")
        identity = await repos.identities.get_or_create(channel="telegram", external_id="4242")
        await repos.identities.link(identity_id=identity.id, customer_id=customer.id, at=datetime.now(UTC))  # type: ignore[arg-type, union-attr]
        await repos.identities.set_accepted_updates(identity_id=identity.id, accepted=True)  # type: ignore[arg-type]
    client = await _client(make_client, sqlite_url)
    for _ in range(5):  # the same webhook delivered five times
        assert (await _post_aftership(client, aftership_body("tracking_update")))[0] == 200
    async with Store(sqlite_url) as store, store.engine.connect() as conn:
        rows = (await conn.execute(select(OutboxMessage.dedupe_key, OutboxMessage.recipient))).all()
    assert [tuple(r) for r in rows] == [
        (f"1001:out_for_delivery:{AFTERSHIP_TRACKING}:out_for_delivery", "4242")
    ]


# ---------------------------------------------------------------- refusals
def _bodies(
    shopify_body: Callable[[str], bytes],
    easypost_body: Callable[[str], bytes],
    aftership_body: Callable[[str], bytes],
) -> dict[str, tuple[bytes, str, Callable[[bytes, str], str], str]]:
    return {
        "shopify": (
            shopify_body("order"),
            "X-Shopify-Hmac-Sha256",
            sign_shopify,
            SECRETS["shopify_webhook_secret"],
        ),
        "easypost": (
            easypost_body("tracking-webhook"),
            "X-Hmac-Signature",
            sign_easypost,
            SECRETS["easypost_webhook_secret"],
        ),
        "aftership": (
            aftership_body("tracking_update"),
            "aftership-hmac-sha256",
            sign_aftership,
            SECRETS["aftership_webhook_secret"],
        ),
    }


@pytest.mark.parametrize("provider", ["shopify", "easypost", "aftership"])
async def test_bad_missing_or_empty_signatures_are_refused_with_401(
    make_client: ClientFactory,
    sqlite_url: str,
    provider: str,
    shopify_body: Callable[[str], bytes],
    easypost_body: Callable[[str], bytes],
    aftership_body: Callable[[str], bytes],
) -> None:
    body, header, sign, secret = _bodies(shopify_body, easypost_body, aftership_body)[provider]
    client = await _client(make_client, sqlite_url)
    path = f"/webhooks/{provider}"
    extra = {"X-Shopify-Topic": "orders/create", "X-Shopify-Webhook-Id": "w-1"}
    cases = [
        ({**extra}, body, "missing signature header"),
        ({**extra, header: ""}, body, "missing signature header"),
        ({**extra, header: sign(body, "another secret")}, body, "signature mismatch"),
        ({**extra, header: sign(body + b" ", secret)}, body, "signature mismatch"),
        ({**extra, header: sign(b"", secret)}, b"", "empty body"),
    ]
    for headers, data, reason in cases:
        resp = await client.post(path, data=data, headers=headers)
        assert (resp.status, await resp.json()) == (401, {"error": reason})
    unconfigured = await _client(make_client, sqlite_url, **{f"{provider}_webhook_secret": None})
    resp = await unconfigured.post(path, data=body, headers={**extra, header: sign(body, secret)})
    assert (resp.status, await resp.json()) == (401, {"error": "webhook secret not configured"})
    assert await _inbox_count(sqlite_url) == 0


@pytest.mark.parametrize("provider", ["shopify", "easypost", "aftership"])
async def test_malformed_bodies_get_400_and_random_bodies_never_500(
    make_client: ClientFactory,
    sqlite_url: str,
    provider: str,
    shopify_body: Callable[[str], bytes],
    easypost_body: Callable[[str], bytes],
    aftership_body: Callable[[str], bytes],
) -> None:
    body, header, sign, secret = _bodies(shopify_body, easypost_body, aftership_body)[provider]
    client = await _client(make_client, sqlite_url)
    extra = {"X-Shopify-Topic": "orders/create", "X-Shopify-Webhook-Id": "w-1"}
    broken = b'{"not": json'
    resp = await client.post(
        f"/webhooks/{provider}", data=broken, headers={**extra, header: sign(broken, secret)}
    )
    assert resp.status == 400
    assert (await resp.json()) == {"error": "malformed JSON at line 1 column 9: Expecting value"}
    rng = random.Random(7)
    original = json.loads(body)
    seen = set()
    for n in range(40):
        mutated = json.loads(json.dumps(original))
        keys = list(mutated)
        mutated[rng.choice(keys)] = rng.choice([None, 0, "", [], {}, "x" * 300, -1.5, True])
        data = json.dumps(mutated).encode() if n % 4 else bytes(rng.randrange(256) for _ in range(64))
        headers = {**extra, "X-Shopify-Webhook-Id": f"w-{n}", header: sign(data, secret)}
        resp = await client.post(f"/webhooks/{provider}", data=data, headers=headers)
        seen.add(resp.status)
        assert resp.status in (200, 202, 400), await resp.text()
    assert 400 in seen


async def test_a_huge_body_is_refused_with_413(make_client: ClientFactory, sqlite_url: str) -> None:
    client = await _client(make_client, sqlite_url, max_body_bytes=2048)
    body = json.dumps({"event": "tracking_update", "pad": "x" * 5000}).encode()
    resp = await client.post(
        "/webhooks/aftership",
        data=body,
        headers={"aftership-hmac-sha256": sign_aftership(body, SECRETS["aftership_webhook_secret"])},
    )
    assert (resp.status, await resp.json()) == (413, {"error": "request body too large"})
