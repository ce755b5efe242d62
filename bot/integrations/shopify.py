"""Shopify webhooks -> normalized events.

``parse_shopify(topic, webhook_id, body)`` takes the ``X-Shopify-Topic`` and
``X-Shopify-Webhook-Id`` headers and the raw body (the resource itself, without the REST root
key). Supported topics:

| topic | events |
| --- | --- |
| ``orders/create``, ``orders/updated`` | one ``order.created`` / ``order.updated``, ``data["order"]`` = OrderIn dict |
| ``orders/cancelled`` | one ``order.cancelled`` (with ``data["order"]``) |
| ``fulfillments/create``, ``fulfillments/update`` | ``shipment.created`` / ``shipment.updated``, one per tracking number |
| ``fulfillment_events/create`` | one ``shipment.updated`` (carrier scan reported to Shopify) |
| ``refunds/create`` | one ``refund.created`` |

Event ids are ``shopify:<webhook id>``; when one webhook yields several events (a fulfillment
with several tracking numbers) each is ``shopify:<webhook id>:<tracking number>``. A
redelivery carries the same webhook id, so it yields the same ids and is dropped downstream.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.integrations.errors import PayloadError
from bot.integrations.jsonread import JsonObject, load_object
from bot.integrations.normalized import build_event
from bot.integrations.shopify_orders import (
    VOID_FULFILLMENT_STATUSES,
    fulfillment_shipment_status,
    fulfillment_skus,
    line_item_sku,
    order_number_from_fulfillment_name,
    order_number_of,
    order_to_import,
    tracking_pairs,
)
from bot.integrations.statuses import Provider, map_status
from storage.domain import EventType, NormalizedEvent, OrderStatus, ShipmentStatus

SOURCE = Provider.SHOPIFY.value
_MAX_MESSAGE = 500


def _required_time(resource: JsonObject, *keys: str) -> datetime:
    for key in keys:
        value = resource.timestamp(key)
        if value is not None:
            return value
    raise PayloadError(f"{resource.where(keys[0])}: missing")


def _order_event(
    kind: EventType, time_keys: tuple[str, ...]
) -> Callable[[JsonObject, str], list[NormalizedEvent]]:
    def parse(order: JsonObject, event_id: str) -> list[NormalizedEvent]:
        data: dict[str, Any] = {"order": order_to_import(order), "shopify_order_id": order.ident("id")}
        if kind == EventType.ORDER_CANCELLED:
            data["order"]["status"] = (
                OrderStatus.CANCELLED.value
            )  # the topic says so, whatever cancelled_at is
            if order.text("cancel_reason"):
                data["cancel_reason"] = order.text("cancel_reason")
        return [
            build_event(
                event_id=event_id,
                source=SOURCE,
                occurred_at=_required_time(order, *time_keys),
                type=kind,
                order_number=order_number_of(order),
                data={key: value for key, value in data.items() if value is not None},
            )
        ]

    return parse


def _fulfillment_event(kind: EventType) -> Callable[[JsonObject, str], list[NormalizedEvent]]:
    def parse(fulfillment: JsonObject, event_id: str) -> list[NormalizedEvent]:
        fulfillment_status = (fulfillment.text("status") or "").casefold() or None
        status, raw = fulfillment_shipment_status(fulfillment)
        if (
            status is None
            and kind == EventType.SHIPMENT_CREATED
            and fulfillment_status not in VOID_FULFILLMENT_STATUSES
        ):
            status = ShipmentStatus.PRE_TRANSIT  # a new fulfillment with no carrier scan yet
        occurred_at = (
            _required_time(fulfillment, "updated_at", "created_at")
            if kind == EventType.SHIPMENT_UPDATED
            else _required_time(fulfillment, "created_at", "updated_at")
        )
        base: dict[str, Any] = {
            "carrier": fulfillment.text("tracking_company"),
            "skus": fulfillment_skus(fulfillment),
            "shopify_order_id": fulfillment.ident("order_id"),
            "shopify_fulfillment_id": fulfillment.ident("id"),
            "fulfillment_status": fulfillment_status,
            "provider_status": fulfillment.text("shipment_status"),
        }
        pairs: list[tuple[str | None, str | None]] = list(tracking_pairs(fulfillment)) or [(None, None)]
        events = []
        for number, url in pairs:
            data = {key: value for key, value in base.items() if value is not None}
            if url:
                data["tracking_url"] = url
            events.append(
                build_event(
                    event_id=event_id if len(pairs) == 1 else f"{event_id}:{number}",
                    source=SOURCE,
                    occurred_at=occurred_at,
                    type=kind,
                    order_number=order_number_from_fulfillment_name(fulfillment),
                    tracking_number=number,
                    status=status,
                    raw_status=raw,
                    data=data,
                )
            )
        return events

    return parse


def _location(resource: JsonObject) -> str | None:
    parts = [resource.text("city"), resource.text("province"), resource.text("country")]
    text = ", ".join(p for p in parts if p)
    return text[:300] or None


def _parse_fulfillment_event(scan: JsonObject, event_id: str) -> list[NormalizedEvent]:
    word = scan.required_text("status")
    status, raw = map_status(Provider.SHOPIFY, word)
    data: dict[str, Any] = {
        "provider_status": word,
        "shopify_order_id": scan.ident("order_id"),
        "shopify_fulfillment_id": scan.ident("fulfillment_id"),
    }
    message = scan.text("message")
    if message:
        data["message"] = message[:_MAX_MESSAGE]
    return [
        build_event(
            event_id=event_id,
            source=SOURCE,
            occurred_at=_required_time(scan, "happened_at", "created_at"),
            type=EventType.SHIPMENT_UPDATED,
            status=status,
            raw_status=raw,
            eta=scan.day("estimated_delivery_at"),
            location=_location(scan),
            data={key: value for key, value in data.items() if value is not None},
        )
    ]


def _refund_amount(refund: JsonObject) -> tuple[str | None, str | None]:
    """Sum of the successful refund transactions, as a decimal string, and their currency."""
    total = Decimal(0)
    currency = None
    found = False
    for transaction in refund.objects("transactions"):
        if (transaction.text("kind") or "") != "refund" or (
            transaction.text("status") or "success"
        ) != "success":
            continue
        amount_text = transaction.text("amount") or transaction.ident("amount")
        if amount_text is None:
            continue
        try:
            amount = Decimal(amount_text)
        except InvalidOperation:
            raise PayloadError(f"{transaction.where('amount')}: not a decimal amount") from None
        if not amount.is_finite():
            raise PayloadError(f"{transaction.where('amount')}: not a decimal amount")
        total += amount
        found = True
        currency = currency or transaction.text("currency")
    return (f"{total:.2f}" if found else None), currency


def _parse_refund(refund: JsonObject, event_id: str) -> list[NormalizedEvent]:
    amount, currency = _refund_amount(refund)
    skus = []
    for line in refund.objects("refund_line_items"):
        item = line.obj("line_item")
        if item is not None:
            skus.append(line_item_sku(item))
    data: dict[str, Any] = {
        "amount": amount,
        "currency": currency,
        "shopify_order_id": refund.ident("order_id"),
        "shopify_refund_id": refund.ident("id"),
        "skus": list(dict.fromkeys(skus)),
    }
    return [
        build_event(
            event_id=event_id,
            source=SOURCE,
            occurred_at=_required_time(refund, "created_at", "processed_at"),
            type=EventType.REFUND_CREATED,
            data={key: value for key, value in data.items() if value is not None},
        )
    ]


_TOPICS: dict[str, Callable[[JsonObject, str], list[NormalizedEvent]]] = {
    "orders/create": _order_event(EventType.ORDER_CREATED, ("created_at",)),
    "orders/updated": _order_event(EventType.ORDER_UPDATED, ("updated_at", "created_at")),
    "orders/cancelled": _order_event(EventType.ORDER_CANCELLED, ("cancelled_at", "updated_at", "created_at")),
    "fulfillments/create": _fulfillment_event(EventType.SHIPMENT_CREATED),
    "fulfillments/update": _fulfillment_event(EventType.SHIPMENT_UPDATED),
    "fulfillment_events/create": _parse_fulfillment_event,
    "refunds/create": _parse_refund,
}

#: the ``X-Shopify-Topic`` values :func:`parse_shopify` understands
SUPPORTED_TOPICS = frozenset(_TOPICS)


def parse_shopify(topic: str | None, webhook_id: str | None, body: bytes) -> list[NormalizedEvent]:
    """Parse one Shopify webhook delivery into normalized events (never an empty list).

    ``topic`` and ``webhook_id`` are the ``X-Shopify-Topic`` and ``X-Shopify-Webhook-Id``
    headers. Raises :class:`PayloadError` for an unsupported or missing topic, a missing
    webhook id, malformed JSON or a resource missing what its event needs.
    """
    if not topic or not topic.strip():
        raise PayloadError("missing X-Shopify-Topic header")
    handler = _TOPICS.get(topic.strip().casefold())
    if handler is None:
        shown = repr(topic.strip()) if len(topic) <= 60 and topic.isprintable() else "topic"
        raise PayloadError(f"unsupported Shopify topic {shown} (supported: {', '.join(sorted(_TOPICS))})")
    if not webhook_id or not webhook_id.strip():
        raise PayloadError("missing X-Shopify-Webhook-Id header")
    resource = load_object(body)
    return handler(resource, f"{SOURCE}:{webhook_id.strip()}")
