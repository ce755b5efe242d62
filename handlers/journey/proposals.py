"""What journey rules propose: a proactive message, before the notification policy decides."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class MessageKind(StrEnum):
    """Kinds of proactive message (one Jinja2 template per kind and locale)."""

    ORDER_CONFIRMED = "order_confirmed"
    SHIPPED = "shipped"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    ATTEMPT_FAILED = "attempt_failed"
    DELAYED = "delayed"
    EXCEPTION = "exception"
    LOST = "lost"
    RETURNED_TO_SENDER = "returned_to_sender"
    BACKORDERED = "backordered"
    SETUP_GUIDE = "setup_guide"
    REVIEW_REQUEST = "review_request"
    RETURN_STARTED = "return_started"
    REFUND_ISSUED = "refund_issued"
    ORDER_CANCELLED = "order_cancelled"


#: preference categories a shopper can opt out of, per kind
CATEGORY_OF_KIND: dict[MessageKind, str] = {
    MessageKind.ORDER_CONFIRMED: "order_updates",
    MessageKind.SHIPPED: "shipping_updates",
    MessageKind.OUT_FOR_DELIVERY: "shipping_updates",
    MessageKind.DELIVERED: "shipping_updates",
    MessageKind.AVAILABLE_FOR_PICKUP: "shipping_updates",
    MessageKind.ATTEMPT_FAILED: "shipping_updates",
    MessageKind.DELAYED: "delays",
    MessageKind.EXCEPTION: "delays",
    MessageKind.LOST: "delays",
    MessageKind.RETURNED_TO_SENDER: "delays",
    MessageKind.BACKORDERED: "order_updates",
    MessageKind.SETUP_GUIDE: "setup_guides",
    MessageKind.REVIEW_REQUEST: "reviews",
    MessageKind.RETURN_STARTED: "returns_refunds",
    MessageKind.REFUND_ISSUED: "returns_refunds",
    MessageKind.ORDER_CANCELLED: "order_updates",
}

#: exempt from the per-order touch cap and sent during quiet hours
URGENT_KINDS = frozenset(
    {MessageKind.DELAYED, MessageKind.EXCEPTION, MessageKind.LOST, MessageKind.RETURNED_TO_SENDER}
)


@dataclass(frozen=True, slots=True)
class ProposedMessage:
    """A message a journey rule wants to send; the notification policy decides its fate.

    ``dedupe_key`` is unique per (order, kind, shipment, status): the same event delivered
    twice proposes the same key, and the outbox refuses the second copy.
    ``not_before`` is set for timed messages (setup guide after delivery, review request).
    ``context`` carries the template fields (order number, carrier, eta, help link ...).
    """

    kind: MessageKind
    order_id: int
    customer_id: int
    dedupe_key: str
    context: dict[str, Any] = field(default_factory=dict)
    shipment_id: int | None = None
    not_before: datetime | None = None
    #: staff should be alerted in Slack too (exception, lost, returned to sender)
    alert_staff: bool = False


#: the longest dedupe key the outbox column stores
MAX_DEDUPE_KEY = 300


def dedupe_key(
    order_number: str, kind: MessageKind, tracking_number: str | None = None, status: str | None = None
) -> str:
    """``"<order>:<kind>:<tracking or ->:<status or ->"``, unique per (order, kind, shipment, status).

    ``status`` is the shipment status the message is about, or for order-level kinds what
    tells two messages of that kind apart (the backorder date, the refund id ...). A carrier
    delay and a sweep delay of one shipment share the key ``<order>:delayed:<tracking>:delayed``.
    """
    key = f"{order_number}:{kind.value}:{tracking_number or '-'}:{status or '-'}"
    return key[:MAX_DEDUPE_KEY]
