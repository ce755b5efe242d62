"""One turn of a conversation: the message, the unit of work, and what the bot says back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.engine.hooks import TurnEvents
from bot.engine.state import DialogueState
from handlers.context import Understanding
from handlers.messages import IncomingMessage, Reply
from storage.repositories.conversations import ChatConversation, ChatIdentity
from storage.store import Repositories


@dataclass(slots=True)
class Turn:
    """Everything the engine knows while answering one message (inside one transaction)."""

    message: IncomingMessage
    repos: Repositories
    identity: ChatIdentity
    conversation: ChatConversation
    state: DialogueState
    understanding: Understanding
    now: datetime
    replies: list[Reply] = field(default_factory=list)
    events: TurnEvents = field(default_factory=TurnEvents)

    @property
    def customer_id(self) -> int | None:
        """The customer this chat is verified for, or None."""
        if self.identity.verified and self.identity.customer_id is not None:
            return int(self.identity.customer_id)
        return None

    @property
    def conversation_id(self) -> int:
        """The conversation's row id."""
        return self.conversation.id

    def say(self, *replies: Reply) -> None:
        """Add replies to the answer."""
        self.replies.extend(replies)
