"""``order_status``: where is my order, per shipment, in plain words."""

from __future__ import annotations

from datetime import date

from handlers.context import HandlerContext, OrderNeed, Outcome
from handlers.messages import Button, Link, Reply
from handlers.order_facts import (
    has_shipped,
    is_cancelled,
    item_names,
    lateness,
    shipment_items,
    unshipped_items,
)
from handlers.wording import HUMAN_BUTTON, day, join_words, moment_words, relative_day, status_words
from storage.domain import ShipmentStatus
from storage.models import Shipment
from storage.repositories.orders import OrderDetails

NOT_RECEIVED_BUTTON = Button("Didn't get it?", "problem:not_received")
REPORT_LATE_BUTTON = Button("Report it as late", "problem:late")

#: statuses that call for the shopper's action or a problem report
_TROUBLE = {
    ShipmentStatus.ATTEMPT_FAILED: "The carrier will usually try again on the next working day, or leave a "
    "card saying where to collect it.",
    ShipmentStatus.AVAILABLE_FOR_PICKUP: "Bring an ID and the tracking number to collect it.",
    ShipmentStatus.EXCEPTION: "These are often cleared within a day or two. If it doesn't move by then, "
    "I can get a person to chase the carrier.",
    ShipmentStatus.RETURNED_TO_SENDER: "Once it's back with us we'll refund you or send it again, "
    "whichever you prefer.",
    ShipmentStatus.LOST: "I'm really sorry. We'll send a replacement or refund you in full.",
}


class OrderStatusHandler:
    """Answers "where is my order?" from the order's shipments."""

    name = "order_status"
    intents = ("order_status",)
    payload_prefixes = ("status",)

    def order_need(self, ctx: HandlerContext) -> OrderNeed:
        """Always needs a verified order."""
        return OrderNeed.REQUIRED

    async def handle(self, ctx: HandlerContext) -> Outcome:
        """Describe every shipment of the order in context."""
        assert ctx.order is not None
        return Outcome(replies=[describe_order(ctx.order, ctx.today())])


def describe_order(details: OrderDetails, today: date) -> Reply:
    """The status of the whole order: one paragraph per shipment, plus what has not shipped."""
    number = details.number
    if is_cancelled(details):
        refund = _refund_words(details.order.refund_status)
        return Reply(
            f"Order #{number} was cancelled, so nothing will be delivered.{refund}",
            buttons=[Button("Refund status", "intent:refund_status"), HUMAN_BUTTON],
        )
    if not has_shipped(details) and not details.shipments:
        return _not_shipped(details, today)

    paragraphs: list[str] = []
    links: list[Link] = []
    buttons: list[Button] = []
    several = len(details.shipments) > 1
    if several:
        paragraphs.append(f"Order #{number} travels in {len(details.shipments)} parcels.")
    for shipment in details.shipments:
        text, extra_buttons = _shipment_paragraph(details, shipment, today, number, several)
        paragraphs.append(text)
        for button in extra_buttons:
            if button not in buttons:
                buttons.append(button)
        if shipment.tracking_url:
            links.append(Link(f"Track with {shipment.carrier}", shipment.tracking_url))
    waiting = unshipped_items(details)
    if waiting and details.shipments:
        paragraphs.append(
            f"{join_words(item_names(waiting))} hasn't shipped yet.{_ship_date_words(details, today)}"
        )
    if any(b.payload.startswith("problem:") for b in buttons) and HUMAN_BUTTON not in buttons:
        buttons.append(HUMAN_BUTTON)
    return Reply("\n\n".join(paragraphs), buttons=buttons, links=links)


def _shipment_paragraph(
    details: OrderDetails, shipment: Shipment, today: date, number: str, several: bool
) -> tuple[str, list[Button]]:
    zone = details.customer.timezone
    what = join_words(item_names(shipment_items(details, shipment))) or "Your parcel"
    subject = f"{what} (order #{number})" if not several else what
    status = shipment.status
    sentences = [f"{subject} is {status_words(status)} with {shipment.carrier}."]
    buttons: list[Button] = []
    if status == ShipmentStatus.DELIVERED:
        when = moment_words(shipment.delivered_at, zone, today) if shipment.delivered_at else "recently"
        sentences = [f"{subject} was delivered {when} by {shipment.carrier}."]
        buttons.append(NOT_RECEIVED_BUTTON)
        return " ".join(sentences), buttons

    late = lateness(shipment, today)
    if late is not None:
        sentences.append(f"I'm sorry, it's running late: we promised it by {day(late.promised_by)}.")
        if late.new_eta is not None:
            sentences.append(f"The carrier now expects to deliver it {relative_day(late.new_eta, today)}.")
        else:
            sentences.append("The carrier hasn't given a new delivery date yet.")
        buttons += [REPORT_LATE_BUTTON, HUMAN_BUTTON]
    elif shipment.eta is not None and status not in (ShipmentStatus.LOST, ShipmentStatus.RETURNED_TO_SENDER):
        if not (status == ShipmentStatus.OUT_FOR_DELIVERY and shipment.eta <= today):
            sentences.append(f"Expected delivery: {relative_day(shipment.eta, today)}.")
    if shipment.last_location or shipment.last_event_at:
        where = f" in {shipment.last_location}" if shipment.last_location else ""
        when = f" {moment_words(shipment.last_event_at, zone, today)}" if shipment.last_event_at else ""
        sentences.append(f"Last scan{where}{when}.")
    advice = _TROUBLE.get(status)
    if advice:
        sentences.append(advice)
        if status == ShipmentStatus.LOST:
            buttons.append(Button("Report it lost", "problem:lost"))
        buttons.append(HUMAN_BUTTON)
    sentences.append(f"Tracking number: {shipment.tracking_number}.")
    return " ".join(sentences), buttons


def _not_shipped(details: OrderDetails, today: date) -> Reply:
    names = join_words(item_names(details.items)) or "Your order"
    number = details.number
    order = details.order
    if order.backordered_until is not None:
        text = (
            f"Order #{number} ({names}) is waiting for stock: it's on backorder until "
            f"{day(order.backordered_until)}. We'll ship it as soon as it arrives and send you the tracking link."
        )
        return Reply(text, buttons=[Button("Cancel the order", "intent:cancel_order"), HUMAN_BUTTON])
    text = f"Order #{number} ({names}) hasn't shipped yet.{_ship_date_words(details, today)}"
    text += " You'll get a tracking link as soon as it leaves our warehouse."
    return Reply(
        text,
        buttons=[
            Button("Change the address", "change:address"),
            Button("Cancel the order", "intent:cancel_order"),
        ],
    )


def _ship_date_words(details: OrderDetails, today: date) -> str:
    order = details.order
    if order.backordered_until is not None:
        return f" It's on backorder until {day(order.backordered_until)}."
    if order.expected_ship_date is not None:
        when = order.expected_ship_date
        if when < today:
            return " It should have left already; our team has been told."
        return f" We expect to ship it {relative_day(when, today)}."
    return " We usually ship within 1–2 working days of your order."


def _refund_words(refund_status: str | None) -> str:
    if refund_status == "issued":
        return " Your refund has been issued; it can take 5–10 business days to show on your statement."
    if refund_status == "pending":
        return " Your refund is being processed."
    return ""
