"""Block Kit building blocks and the order / customer / article / handoff-list cards.

Pure functions over stored rows: nothing here talks to Slack or the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from storage.models import Case, Customer, Handoff, OrderItem, Shipment
from storage.repositories.orders import OrderDetails

Block = dict[str, Any]

#: Slack's limits: section text, header text, blocks per message
MAX_SECTION_CHARS = 3000
MAX_HEADER_CHARS = 150
MAX_BLOCKS = 50

CHANNEL_NAMES = {
    "telegram": "Telegram",
    "web": "Web chat",
    "rest": "REST API",
    "console": "Console",
    "slack": "Slack",
}


def escape(text: str) -> str:
    """Escape the three characters Slack mrkdwn gives meaning to."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis when it is longer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def header(text: str) -> Block:
    """A header block."""
    return {"type": "header", "text": {"type": "plain_text", "text": clip(text, MAX_HEADER_CHARS)}}


def section(text: str) -> Block:
    """A mrkdwn section block (``text`` must already be escaped where it carries user input)."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, MAX_SECTION_CHARS)}}


def context(text: str) -> Block:
    """A small-print context block."""
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, MAX_SECTION_CHARS)}]}


def divider() -> Block:
    """A divider."""
    return {"type": "divider"}


def button(title: str, action_id: str, value: str, *, style: str | None = None) -> dict[str, Any]:
    """A button element."""
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": title},
        "action_id": action_id,
        "value": value,
    }
    if style is not None:
        element["style"] = style
    return element


def limited(blocks: Sequence[Block]) -> list[Block]:
    """At most Slack's 50 blocks (the last ones are dropped)."""
    return list(blocks[:MAX_BLOCKS])


def channel_name(channel: str) -> str:
    """A human name for a shopper channel."""
    return CHANNEL_NAMES.get(channel, channel)


def words(status: str) -> str:
    """``in_transit`` -> ``in transit``."""
    return status.replace("_", " ")


def day(value: date | datetime | None) -> str:
    """An ISO day, or an em dash."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.date().isoformat()
    return value.isoformat()


# ---------------------------------------------------------------- order context
def shipment_line(shipment: Shipment) -> str:
    """`• UPS <url|1Z…> — in transit · ETA 2026-11-24 (promised 2026-11-25) · last seen Boston`."""
    tracking = escape(shipment.tracking_number)
    if shipment.tracking_url:
        tracking = f"<{shipment.tracking_url}|{tracking}>"
    parts = [f"• {escape(shipment.carrier)} {tracking} — {words(shipment.status)}"]
    if shipment.delivered_at is not None:
        parts.append(f"delivered {day(shipment.delivered_at)}")
    elif shipment.eta is not None:
        eta = f"ETA {day(shipment.eta)}"
        if shipment.promised_by is not None:
            eta += f" (promised {day(shipment.promised_by)})"
        parts.append(eta)
    if shipment.last_location:
        parts.append(f"last seen {escape(shipment.last_location)}")
    return " · ".join(parts)


def item_line(item: OrderItem) -> str:
    """`• 1 × Kettle Pro 200 (KT-200)`."""
    return f"• {item.quantity} × {escape(item.name)} ({escape(item.sku)})"


def case_line(case: Case) -> str:
    """`• damaged: the box was crushed`."""
    description = f": {escape(clip(case.description, 200))}" if case.description else ""
    return f"• {words(case.kind)}{description}"


def order_summary(details: OrderDetails, open_cases: Sequence[Case]) -> str:
    """Order number, status, shipments with ETA and open cases, as one mrkdwn text."""
    order = details.order
    lines = [f"*Order {escape(details.number)}* · {words(order.status)} · placed {day(order.placed_at)}"]
    if order.backordered_until is not None:
        lines.append(f"Backordered until {day(order.backordered_until)}")
    if order.refund_status:
        lines.append(f"Refund: {words(order.refund_status)}")
    if details.shipments:
        lines.extend(shipment_line(shipment) for shipment in details.shipments)
    elif order.expected_ship_date is not None:
        lines.append(f"Not shipped yet; expected to ship {day(order.expected_ship_date)}")
    else:
        lines.append("Not shipped yet")
    if open_cases:
        lines.append("*Open cases:*")
        lines.extend(case_line(case) for case in open_cases)
    else:
        lines.append("No open cases")
    return "\n".join(lines)


def order_card(details: OrderDetails, open_cases: Sequence[Case]) -> list[Block]:
    """The `/order` answer: status, customer, items, shipments with tracking, ETA, open cases."""
    customer = details.customer
    who = escape(customer.name or "—")
    blocks = [
        header(f"Order {details.number}"),
        section(order_summary(details, open_cases)),
        section("*Items*\n" + ("\n".join(item_line(item) for item in details.items) or "—")),
        context(f"Customer: {who} · {escape(customer.email)}"),
    ]
    return limited(blocks)


def order_card_text(details: OrderDetails) -> str:
    """The plain-text fallback of an order card."""
    return f"Order {details.number}: {words(details.order.status)}"


# ---------------------------------------------------------------- customers
def customer_card(customer: Customer, orders: Sequence[OrderDetails]) -> list[Block]:
    """The `/customer` answer: who, and each order with its status and shipments."""
    lines = [f"*{escape(customer.name or customer.email)}* · {escape(customer.email)}"]
    if customer.phone:
        lines.append(f"Phone: {escape(customer.phone)}")
    lines.append(f"Timezone: {escape(customer.timezone)} · {len(orders)} order(s)")
    blocks = [header(f"Customer {customer.name or customer.email}"), section("\n".join(lines))]
    for details in orders:
        shipments = ", ".join(
            f"{escape(s.carrier)} {words(s.status)}" + (f" (ETA {day(s.eta)})" if s.eta else "")
            for s in details.shipments
        )
        blocks.append(
            section(
                f"*Order {escape(details.number)}* · {words(details.order.status)} · "
                f"placed {day(details.order.placed_at)}\n{shipments or 'not shipped yet'}"
            )
        )
    return limited(blocks)


# ---------------------------------------------------------------- open handoffs
def handoff_list(handoffs: Iterable[tuple[Handoff, str | None]]) -> list[Block]:
    """The `/handoffs` answer: each open handoff with its order number (None when unknown)."""
    rows = list(handoffs)
    if not rows:
        return [section("No open handoffs. :tada:")]
    blocks = [header(f"Open handoffs ({len(rows)})")]
    for handoff, order_number in rows:
        order = f" · order {escape(order_number)}" if order_number else ""
        state = f"claimed by {escape(handoff.claimed_by)}" if handoff.status == "claimed" else "waiting"
        since = handoff.created_at.strftime("%Y-%m-%d %H:%M UTC") if handoff.created_at else "—"
        blocks.append(
            section(f"*#{handoff.id}* {escape(clip(handoff.reason, 200))}{order} · {state} · since {since}")
        )
    return limited(blocks)
