"""What one engine turn adds to the outcome report (docs/REPORT.md, "Turn kinds")."""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING

from bot.report.kinds import ANSWERED_STEPS, FALLBACK_INTENTS, SMALLTALK_INTENTS
from storage.repositories.conversation_days import TurnFacts

if TYPE_CHECKING:
    from bot.engine.turn import Turn


def turn_facts(turn: Turn, intent: str | None) -> TurnFacts:
    """The facts of a finished turn that served ``intent`` (the handler's name, None for none)."""
    state, events = turn.state, turn.events
    waiting = state.pending is not None or (state.flow is not None and state.step not in ANSWERED_STEPS)
    handoff = state.handoff_id is not None or bool(events.handoffs_created) or bool(events.handoffs_left)
    if intent is None or intent in SMALLTALK_INTENTS:
        kind = "smalltalk"
    elif intent in FALLBACK_INTENTS:
        kind = "fallback"
    else:
        kind = "wait" if waiting else "answer"
    substantive = kind in ("answer", "wait")
    order = state.order_number if kind == "answer" else None
    customer_id = turn.customer_id
    first = intent if substantive else None
    subject = f"o:{order}" if order else (f"i:{first}" if first else None)
    return TurnFacts(
        conversation_id=turn.conversation_id,
        day=turn.now.astimezone(UTC).date(),
        at=turn.now,
        channel=turn.message.channel,
        party=f"c:{customer_id}" if customer_id is not None else f"t:{turn.conversation_id}",
        customer_id=customer_id,
        order_number=order,
        subject=subject,
        first_intent=first,
        answers=int(kind == "answer"),
        waits=int(kind == "wait"),
        fallbacks=int(kind == "fallback"),
        smalltalk=int(kind == "smalltalk"),
        handoffs=int(handoff),
        in_flow=int(waiting),
    )
