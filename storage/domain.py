"""Shared vocabulary of doorstep: statuses, channels, intents and the normalized event.

This module sits at the bottom of the dependency graph (storage imports nothing from
bot, handlers or knowledge), so every layer can use these names.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

#: Unicode categories never part of an order number: format, control (tab and newline are
#: whitespace, stripped at the ends anyway) and surrogate characters
_INVISIBLE = frozenset({"Cf", "Cc", "Cs"})


def normalize_order_number(text: str) -> str:
    """An order number as stored: ``" #1001 "`` -> ``"1001"``.

    The one rule every way in uses (the order import, normalized events, operator URLs, the CLI):
    invisible format characters (zero-width spaces, bidi marks), control characters (NUL, which
    PostgreSQL cannot store) and lone surrogates are removed, surrounding whitespace is stripped
    and leading ``#`` dropped. Case and inner characters are kept.
    An empty result means no order number at all.
    """
    visible = "".join(ch for ch in text if unicodedata.category(ch) not in _INVISIBLE)
    return visible.strip().lstrip("#").strip()


class OrderStatus(StrEnum):
    """Order lifecycle as given by the import format."""

    OPEN = "open"
    CANCELLED = "cancelled"
    CLOSED = "closed"


class ShipmentStatus(StrEnum):
    """Normalized shipment statuses (DESIGN.md)."""

    PRE_TRANSIT = "pre_transit"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    DELIVERED = "delivered"
    ATTEMPT_FAILED = "attempt_failed"
    DELAYED = "delayed"
    EXCEPTION = "exception"
    RETURNED_TO_SENDER = "returned_to_sender"
    LOST = "lost"


#: statuses after which a shipment no longer moves towards the shopper
TERMINAL_SHIPMENT_STATUSES = frozenset(
    {ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED_TO_SENDER, ShipmentStatus.LOST}
)


class EventType(StrEnum):
    """Normalized event types (DESIGN.md)."""

    ORDER_CREATED = "order.created"
    ORDER_UPDATED = "order.updated"
    ORDER_CANCELLED = "order.cancelled"
    SHIPMENT_CREATED = "shipment.created"
    SHIPMENT_UPDATED = "shipment.updated"
    RETURN_CREATED = "return.created"
    REFUND_CREATED = "refund.created"
    ITEM_BACKORDERED = "item.backordered"


class Channel(StrEnum):
    """Chat channels a shopper or staff member can be on."""

    TELEGRAM = "telegram"
    WEB = "web"
    REST = "rest"
    CONSOLE = "console"
    SLACK = "slack"


class Intent(StrEnum):
    """The NLU answers with exactly these names (DESIGN.md)."""

    ORDER_STATUS = "order_status"
    DELIVERY_PROBLEM = "delivery_problem"
    RETURN_REQUEST = "return_request"
    REFUND_STATUS = "refund_status"
    RETURN_POLICY = "return_policy"
    CANCEL_ORDER = "cancel_order"
    CHANGE_ORDER = "change_order"
    SETUP_HELP = "setup_help"
    HUMAN_AGENT = "human_agent"
    NOTIFICATION_PREFERENCES = "notification_preferences"
    GREETING = "greeting"
    GOODBYE = "goodbye"
    OUT_OF_SCOPE = "out_of_scope"


class NormalizedEvent(BaseModel):
    """An order or shipment event, whatever provider it came from (DESIGN.md contract)."""

    model_config = ConfigDict(extra="forbid")

    event_id: str = Field(min_length=1, max_length=200)
    source: str = Field(min_length=1, max_length=50)
    occurred_at: datetime
    type: EventType
    order_number: str | None = Field(default=None, max_length=100)
    tracking_number: str | None = Field(default=None, max_length=100)
    status: ShipmentStatus | None = None
    substatus: str | None = Field(default=None, max_length=200)
    eta: date | None = None
    location: str | None = Field(default=None, max_length=300)
    #: the provider's own status word, kept when it had to be mapped to ``exception``
    raw_status: str | None = Field(default=None, max_length=200)
    #: optional extra fields (carrier, tracking_url, refund amount, backorder date, items ...)
    data: dict[str, object] = Field(default_factory=dict)

    @field_validator("order_number")
    @classmethod
    def _order_number(cls, value: str | None) -> str | None:
        return None if value is None else normalize_order_number(value) or None

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        from datetime import UTC

        return value if value.tzinfo else value.replace(tzinfo=UTC)
