"""What every outbound channel sender does, and how it fails.

The dispatcher (proactive messages) and the conversation adapters (replies) send through
a :class:`Sender`. Transport errors of each platform are translated into the errors below
in one place per channel, so callers only handle these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from handlers.messages import Reply
from storage.models import ChannelIdentity, OutboxMessage
from storage.repositories.snapshots import IdentityRow
from storage.store import Repositories


class SendError(Exception):
    """Root of every sending error."""


class RetryLater(SendError):
    """Transient: rate limited (``retry_after`` seconds, when the platform said) or 5xx/timeout."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class Unreachable(SendError):
    """The recipient cannot be reached on this channel (blocked the bot, chat deleted)."""


class PermanentFailure(SendError):
    """The platform refused the message for good (bad request); retrying will not help."""


@dataclass(frozen=True, slots=True)
class SendResult:
    """What the platform answered for a sent message."""

    provider_message_id: str | None


class Sender(Protocol):
    """Sends one reply to one recipient on one channel."""

    channel: str

    async def send(self, recipient: str, reply: Reply) -> SendResult:
        """Deliver ``reply``; raises :class:`RetryLater`, :class:`Unreachable` or :class:`PermanentFailure`."""
        ...


@runtime_checkable
class ProactiveSender(Sender, Protocol):
    """A sender whose platform rules depend on what a proactive message is (WhatsApp: free-form
    text only within 24 hours of the shopper's last message, approved templates outside).

    The dispatcher sends outbox rows through :meth:`send_proactive` instead of :meth:`send`, and
    asks :meth:`refusal` before it picks an identity on this channel for a message.
    """

    async def send_proactive(self, message: OutboxMessage) -> SendResult:
        """Deliver the outbox row ``message`` (to ``message.recipient``); raises like :meth:`send`."""
        ...

    async def refusal(
        self,
        repos: Repositories,
        identity: ChannelIdentity | IdentityRow,
        message: OutboxMessage,
        now: datetime,
    ) -> str | None:
        """Why ``identity`` cannot take ``message`` at ``now`` (e.g. ``"no template ..."``); None when it can."""
        ...
