"""Shopify order JSON -> the order import format (:class:`storage.schemas.OrderIn`).

The result is validated by ``OrderIn`` and returned as its JSON-mode dict, so the caller can
feed it to the same import path as ``POST /api/orders``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError

from bot.integrations.errors import PayloadError
from bot.integrations.jsonread import JsonObject
from bot.integrations.normalized import clean_order_number, format_validation_error
from bot.integrations.statuses import Provider, map_status
from storage.domain import OrderStatus, ShipmentStatus
from storage.schemas import OrderIn

#: fulfillment ``status`` values meaning nothing was shipped (the fulfillment is void)
VOID_FULFILLMENT_STATUSES = frozenset({"cancelled", "error", "failure"})
#: line item property names (lower case, leading ``_`` ignored) that flag a product needing setup
_SETUP_PROPERTY_NAMES = frozenset({"requires_setup", "requires setup", "setup_required", "setup required"})
_TRUE_WORDS = frozenset({"true", "yes", "1", "y"})


def order_number_of(order: JsonObject) -> str:
    """The shopper-facing order number: ``name`` without ``#`` (what the shopper sees in emails),
    else ``order_number``. Raises :class:`PayloadError` when neither is usable."""
    number = clean_order_number(order.text("name")) or clean_order_number(order.ident("order_number"))
    if number is None:
        raise PayloadError("order: neither name nor order_number is a usable order number")
    return number


def order_number_from_fulfillment_name(fulfillment: JsonObject) -> str | None:
    """A fulfillment ``name`` is ``<order name>.<n>`` (``#1001.1``); its order part, if any."""
    name = fulfillment.text("name")
    if name is None or "." not in name:
        return None
    return clean_order_number(name.rpartition(".")[0])


def line_item_sku(item: JsonObject) -> str:
    """The item's SKU, or a stable stand-in when the shop left it blank."""
    sku = item.text("sku")
    if sku:
        return sku
    variant = item.ident("variant_id")
    if variant:
        return f"shopify-variant-{variant}"
    line = item.ident("id")
    if line:
        return f"shopify-line-{line}"
    raise PayloadError(f"{item.path}: a line item has no sku, variant_id or id")


def _requires_setup(item: JsonObject) -> bool:
    for prop in item.objects("properties"):
        name = (prop.text("name") or "").lstrip("_").strip().casefold()
        value = prop.raw.get("value")
        if name in _SETUP_PROPERTY_NAMES:
            if isinstance(value, bool):
                return value
            return isinstance(value, str) and value.strip().casefold() in _TRUE_WORDS
    return False


def _items(order: JsonObject) -> list[dict[str, Any]]:
    items = []
    for item in order.objects("line_items"):
        quantity = item.integer("current_quantity")
        if quantity is None:
            quantity = item.integer("quantity")
        if quantity is not None and quantity < 1:
            continue  # removed from the order by an edit
        items.append(
            {
                "sku": line_item_sku(item),
                "name": item.text("name") or item.text("title") or line_item_sku(item),
                "category": item.text("product_type") or "general",
                "quantity": 1 if quantity is None else quantity,
                "requires_setup": _requires_setup(item),
            }
        )
    return items


def tracking_pairs(fulfillment: JsonObject) -> list[tuple[str, str | None]]:
    """``(tracking number, tracking url)`` for each distinct tracking number of a fulfillment."""
    numbers = fulfillment.texts("tracking_numbers")
    urls = fulfillment.texts("tracking_urls")
    single = fulfillment.text("tracking_number")
    if not numbers and single:
        numbers = [single]
        urls = urls or [u for u in [fulfillment.text("tracking_url")] if u]
    pairs: list[tuple[str, str | None]] = []
    seen: set[str] = set()
    for index, number in enumerate(numbers):
        if number in seen:
            continue
        seen.add(number)
        pairs.append((number, urls[index] if index < len(urls) else None))
    return pairs


def fulfillment_skus(fulfillment: JsonObject) -> list[str]:
    """The SKUs a fulfillment ships, in order, without repeats."""
    return list(dict.fromkeys(line_item_sku(item) for item in fulfillment.objects("line_items")))


def fulfillment_shipment_status(fulfillment: JsonObject) -> tuple[ShipmentStatus | None, str | None]:
    """Mapped ``shipment_status`` (and the raw word when unknown); ``(None, None)`` when absent."""
    word = fulfillment.text("shipment_status")
    if word is None:
        return None, None
    return map_status(Provider.SHOPIFY, word)


def _shipments(order: JsonObject) -> list[dict[str, Any]]:
    shipments: list[dict[str, Any]] = []
    seen: set[str] = set()
    for fulfillment in order.objects("fulfillments"):
        if (fulfillment.text("status") or "").casefold() in VOID_FULFILLMENT_STATUSES:
            continue  # cancelled or failed: nothing left the warehouse under this fulfillment
        status, _raw = fulfillment_shipment_status(fulfillment)
        status = status or ShipmentStatus.PRE_TRANSIT
        shipped_at = fulfillment.timestamp("created_at")
        delivered_at = fulfillment.timestamp("updated_at") if status == ShipmentStatus.DELIVERED else None
        for number, url in tracking_pairs(fulfillment):
            if number in seen:
                continue
            seen.add(number)
            shipments.append(
                {
                    "carrier": fulfillment.text("tracking_company") or "unknown",
                    "tracking_number": number,
                    "tracking_url": url,
                    "status": status.value,
                    "shipped_at": _iso(shipped_at),
                    "delivered_at": _iso(delivered_at),
                    "skus": fulfillment_skus(fulfillment),
                }
            )
    return shipments


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _first(*values: str | None) -> str | None:
    return next((v for v in values if v), None)


def _customer(order: JsonObject) -> dict[str, Any]:
    customer = order.obj("customer")
    billing = order.obj("billing_address")
    shipping = order.obj("shipping_address")
    default_address = customer.obj("default_address") if customer else None
    full_name = None
    if customer:
        full_name = (
            " ".join(p for p in (customer.text("first_name"), customer.text("last_name")) if p) or None
        )
    email = _first(
        customer.text("email") if customer else None, order.text("email"), order.text("contact_email")
    )
    if email is None:
        raise PayloadError("order: no customer email (customer.email, email or contact_email)")
    result: dict[str, Any] = {
        "email": email,
        "name": _first(
            full_name, billing.text("name") if billing else None, shipping.text("name") if shipping else None
        ),
        "phone": _first(
            customer.text("phone") if customer else None,
            order.text("phone"),
            billing.text("phone") if billing else None,
            shipping.text("phone") if shipping else None,
            default_address.text("phone") if default_address else None,
        ),
        "timezone": "UTC",
    }
    locale = order.text("customer_locale")
    if locale:
        result["locale"] = locale
    return result


def _address(order: JsonObject) -> dict[str, Any] | None:
    shipping = order.obj("shipping_address")
    if shipping is None:
        return None
    return {
        "city": shipping.text("city"),
        "postcode": shipping.text("zip"),
        "country": shipping.text("country_code"),
    }


def order_status_of(order: JsonObject) -> OrderStatus:
    """``cancelled_at`` set -> cancelled; ``closed_at`` set -> closed; else open."""
    if order.has("cancelled_at"):
        return OrderStatus.CANCELLED
    if order.has("closed_at"):
        return OrderStatus.CLOSED
    return OrderStatus.OPEN


def order_to_import(order: JsonObject) -> dict[str, Any]:
    """Convert a Shopify order into an ``OrderIn``-valid dict (JSON types only).

    Raises :class:`PayloadError` when the order lacks what the import format needs (an order
    number, a customer email, a creation time) or a field fails its validation.
    """
    created_at = order.timestamp("created_at", required=True)
    candidate = {
        "order_number": order_number_of(order),
        "placed_at": _iso(created_at),
        "status": order_status_of(order).value,
        "customer": _customer(order),
        "shipping_address": _address(order),
        "items": _items(order),
        "shipments": _shipments(order),
    }
    try:
        return OrderIn.model_validate(candidate).model_dump(mode="json")
    except ValidationError as exc:
        raise PayloadError(format_validation_error(exc, prefix="order.")) from None
