"""What staff see about a handoff (the channel-neutral ``bot.handoffs.context``), with the Slack side's error:
a missing handoff is :class:`~bot.channels.slack.errors.HandoffNotFound`, a Slack error, so the outbox
dispatcher treats it as a refusal of the post."""

from __future__ import annotations

from bot.channels.slack.errors import HandoffNotFound
from bot.handoffs import context as neutral
from bot.handoffs.context import DEFAULT_TRANSCRIPT_LINES, HandoffContext, OrderContext, load_order_context
from bot.handoffs.errors import HandoffNotFound as AnyHandoffNotFound
from storage.models import Conversation, Handoff
from storage.store import Repositories

__all__ = [
    "DEFAULT_TRANSCRIPT_LINES",
    "HandoffContext",
    "OrderContext",
    "load_handoff",
    "load_handoff_context",
    "load_order_context",
]


async def load_handoff(repos: Repositories, *, handoff_id: int) -> tuple[Handoff, Conversation]:
    """Handoff ``handoff_id`` and its conversation; raises :class:`HandoffNotFound` when either is missing."""
    try:
        return await neutral.load_handoff(repos, handoff_id=handoff_id)
    except AnyHandoffNotFound as exc:
        raise HandoffNotFound(str(exc)) from None


async def load_handoff_context(
    repos: Repositories, *, handoff_id: int, transcript_lines: int = DEFAULT_TRANSCRIPT_LINES
) -> HandoffContext:
    """Everything about handoff ``handoff_id``; raises :class:`HandoffNotFound` when it does not exist."""
    try:
        return await neutral.load_handoff_context(
            repos, handoff_id=handoff_id, transcript_lines=transcript_lines
        )
    except AnyHandoffNotFound as exc:
        raise HandoffNotFound(str(exc)) from None
