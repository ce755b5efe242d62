"""Opening a handoff to support staff, with a summary they can act on without scrolling."""

from __future__ import annotations

import logging

from handlers.context import HandlerContext, HandoffNote
from handlers.order_facts import item_names
from handlers.wording import status_words

log = logging.getLogger(__name__)

#: how many recent transcript lines go into the summary
SUMMARY_LINES = 6


async def open_handoff(ctx: HandlerContext, reason: str) -> HandoffNote:
    """Create a handoff for this conversation (or reuse the open one) and note it on ``ctx``.

    The summary names the channel, whether the shopper is verified, the order in context with
    its shipments, and the last few messages.
    """
    existing = await ctx.repos.handoffs.open_for_conversation(conversation_id=ctx.conversation_id)
    if existing is not None:
        note = HandoffNote(handoff_id=int(existing.id or 0), reason=existing.reason, created=False)
        ctx.handoff = note
        return note
    summary = await build_summary(ctx, reason)
    handoff = await ctx.repos.handoffs.create(
        conversation_id=ctx.conversation_id,
        reason=reason,
        summary=summary,
        customer_id=ctx.customer_id,
        order_id=ctx.order.order.id if ctx.order is not None else None,
        at=ctx.now(),
    )
    note = HandoffNote(handoff_id=int(handoff.id or 0), reason=reason)
    ctx.handoff = note
    # the reason names the topic and the order number, never contact details
    log.info(
        "handoff %d opened: %s chat, %s shopper%s, reason: %s",
        note.handoff_id,
        ctx.channel,
        "verified" if ctx.customer_id is not None else "unverified",
        f", order #{ctx.order.number}" if ctx.order is not None else "",
        reason,
    )
    return note


async def build_summary(ctx: HandlerContext, reason: str) -> str:
    """A few lines for staff: who, which order, what was said."""
    lines = [f"Reason: {reason}", f"Channel: {ctx.channel}"]
    lines.append("Shopper: verified" if ctx.customer_id is not None else "Shopper: not verified")
    if ctx.order is not None:
        order = ctx.order
        lines.append(f"Order #{order.number} ({order.order.status}): {', '.join(item_names(order.items))}")
        for shipment in order.shipments:
            lines.append(f"  {shipment.carrier} {shipment.tracking_number}: {status_words(shipment.status)}")
    recent = await ctx.repos.transcript.recent(conversation_id=ctx.conversation_id, limit=SUMMARY_LINES)
    if recent:
        lines.append("Recent messages:")
        for message in recent:
            if message.direction == "note":  # staff's internal notes are not the conversation
                continue
            who = {"in": "Shopper", "staff": "Staff"}.get(message.direction, "Bot")
            said = message.text or (f"[pressed {message.payload}]" if message.payload else "")
            lines.append(f"  {who}: {said[:200]}")
    if ctx.text:
        lines.append(f"  Shopper: {ctx.text[:200]}")
    return "\n".join(lines)
