"""A handoff as the console and the API show it: JSON-ready, without the shopper's email, phone or address."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.handoffs.context import HandoffContext, OrderContext
from storage.models import TranscriptMessage

#: how each transcript direction is labelled
SPEAKERS = {"in": "shopper", "out": "bot", "staff": "staff", "note": "note"}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def order_view(order: OrderContext) -> dict[str, Any]:
    """The order's number, status, items, shipments and open cases."""
    details = order.details
    return {
        "number": details.number,
        "status": details.order.status,
        "placed_at": _iso(details.order.placed_at),
        "customer_name": details.customer.name,
        "items": [{"sku": i.sku, "name": i.name, "quantity": i.quantity} for i in details.items],
        "shipments": [
            {
                "carrier": s.carrier,
                "tracking_number": s.tracking_number,
                "tracking_url": s.tracking_url,
                "status": s.status,
                "eta": s.eta.isoformat() if s.eta else None,
                "delivered_at": _iso(s.delivered_at),
            }
            for s in details.shipments
        ],
        "open_cases": [
            {"id": c.id, "kind": c.kind, "opened_at": _iso(c.created_at), "updates": len(c.updates or [])}
            for c in order.open_cases
        ],
    }


def transcript_view(message: TranscriptMessage) -> dict[str, Any]:
    """One transcript line: who, when, what (a pressed button reads as ``[pressed <payload>]``)."""
    text = message.text or (f"[pressed {message.payload}]" if message.payload else "")
    return {
        "at": _iso(message.created_at),
        "from": SPEAKERS.get(message.direction, message.direction),
        "author": message.author,
        "text": text,
    }


def handoff_view(ctx: HandoffContext) -> dict[str, Any]:
    """The handoff with its shopper channel, order context and transcript."""
    handoff = ctx.handoff
    return {
        "id": ctx.handoff_id,
        "status": handoff.status,
        "reason": handoff.reason,
        "summary": handoff.summary,
        "channel": ctx.conversation.channel,
        "verified": handoff.customer_id is not None,
        "created_at": _iso(handoff.created_at),
        "claimed_by": handoff.claimed_by,
        "resolved_at": _iso(handoff.resolved_at),
        "in_slack": handoff.slack_ts is not None,
        "attachments": len(handoff.attachments or []),
        "order": order_view(ctx.order) if ctx.order is not None else None,
        "transcript": [transcript_view(m) for m in ctx.transcript],
    }
