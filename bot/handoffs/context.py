"""What staff see about a handoff: the shopper's channel, the order context and the last transcript lines."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.handoffs.errors import HandoffNotFound
from storage.models import Case, Conversation, Handoff, TranscriptMessage
from storage.repositories.orders import OrderDetails
from storage.store import Repositories

#: transcript lines shown in a handoff message
DEFAULT_TRANSCRIPT_LINES = 8


@dataclass(slots=True)
class OrderContext:
    """An order with its open cases."""

    details: OrderDetails
    open_cases: list[Case] = field(default_factory=list)


@dataclass(slots=True)
class HandoffContext:
    """A handoff with everything staff are shown about it."""

    handoff: Handoff
    conversation: Conversation
    order: OrderContext | None
    transcript: list[TranscriptMessage]

    @property
    def handoff_id(self) -> int:
        """The handoff's id (it is always stored, so never None here)."""
        assert self.handoff.id is not None
        return self.handoff.id


async def load_order_context(repos: Repositories, *, order_id: int) -> OrderContext | None:
    """The order's details and open cases, or None when the order does not exist."""
    details = await repos.orders.details(order_id=order_id)
    if details is None:
        return None
    return OrderContext(details=details, open_cases=await repos.cases.open_for_order(order_id=order_id))


async def load_handoff(repos: Repositories, *, handoff_id: int) -> tuple[Handoff, Conversation]:
    """Handoff ``handoff_id`` and its conversation; raises :class:`HandoffNotFound` when either is missing."""
    handoff = await repos.handoffs.get(handoff_id=handoff_id)
    if handoff is None:
        raise HandoffNotFound(f"no handoff {handoff_id}")
    conversation = await repos.conversations.by_id(conversation_id=handoff.conversation_id)
    if conversation is None:
        raise HandoffNotFound(f"handoff {handoff_id} has no conversation")
    return handoff, conversation


async def load_handoff_context(
    repos: Repositories, *, handoff_id: int, transcript_lines: int = DEFAULT_TRANSCRIPT_LINES
) -> HandoffContext:
    """Everything about handoff ``handoff_id``; raises :class:`HandoffNotFound` when it does not exist."""
    handoff, conversation = await load_handoff(repos, handoff_id=handoff_id)
    order = None
    if handoff.order_id is not None:
        order = await load_order_context(repos, order_id=handoff.order_id)
    transcript = await repos.transcript.recent(
        conversation_id=handoff.conversation_id, limit=transcript_lines
    )
    return HandoffContext(handoff=handoff, conversation=conversation, order=order, transcript=transcript)
