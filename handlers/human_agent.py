"""``human_agent``: hand the conversation to support staff and say what happens next."""

from __future__ import annotations

from handlers.context import HandlerContext, OrderNeed, Outcome
from handlers.handoff import open_handoff

WHAT_NEXT = (
    "I've passed our conversation to the support team. A person will reply right here, usually within a "
    "few hours (Monday to Friday, 9:00–18:00). They can see what we've talked about, so you won't need "
    "to repeat yourself."
)
ALREADY_WAITING = "You're already in the queue: a person from our support team will reply right here."


class HumanAgentHandler:
    """Creates a handoff with a reason and a summary for staff."""

    name = "human_agent"
    intents = ("human_agent",)
    payload_prefixes: tuple[str, ...] = ()

    def order_need(self, ctx: HandlerContext) -> OrderNeed:
        """Staff get the order in context if there is one; a person never waits for verification."""
        return OrderNeed.OPTIONAL

    async def handle(self, ctx: HandlerContext) -> Outcome:
        """Open (or reuse) the handoff."""
        existing = await ctx.repos.handoffs.open_for_conversation(conversation_id=ctx.conversation_id)
        if existing is not None:
            await open_handoff(ctx, existing.reason)
            return Outcome.say(ALREADY_WAITING)
        await open_handoff(ctx, _reason(ctx))
        return Outcome.say(WHAT_NEXT)


def _reason(ctx: HandlerContext) -> str:
    topic = (
        ctx.last_intent.replace("_", " ") if ctx.last_intent and ctx.last_intent != "human_agent" else None
    )
    order = f" about order #{ctx.order.number}" if ctx.order is not None else ""
    if topic:
        return f"Shopper asked for a person{order} (after: {topic})"
    return f"Shopper asked for a person{order}"
