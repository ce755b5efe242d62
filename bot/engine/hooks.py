"""Hooks the channels plug into the engine (Slack for handoffs, Telegram for verified chats).

Every method is optional; the engine calls them after the turn has been committed, so a hook
that fails cannot lose the shopper's message or the bot's reply (its error is logged).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from handlers.messages import IncomingMessage

log = logging.getLogger(__name__)


@runtime_checkable
class EngineHooks(Protocol):
    """What a channel may want to hear about; implement any subset of these methods."""

    async def on_handoff_created(self, handoff_id: int) -> None:
        """A conversation was just handed to staff."""
        ...

    async def on_message_during_handoff(self, handoff_id: int, message: IncomingMessage) -> None:
        """The shopper wrote while the conversation is with staff."""
        ...

    async def on_identity_verified(self, channel: str, external_id: str, customer_id: int) -> None:
        """A chat identity was verified for a customer (order number + contact, or a signed link)."""
        ...

    async def on_handoff_left(self, handoff_id: int) -> None:
        """The shopper went back to the bot: the handoff is released (status ``returned``)."""
        ...


@dataclass(slots=True)
class TurnEvents:
    """What happened in one turn that hooks should hear about once it is committed."""

    handoffs_created: list[int] = field(default_factory=list)
    during_handoff: list[tuple[int, IncomingMessage]] = field(default_factory=list)
    verified: list[tuple[str, str, int]] = field(default_factory=list)
    handoffs_left: list[int] = field(default_factory=list)


class HookSet:
    """The registered hooks, called in registration order."""

    def __init__(self) -> None:
        self._hooks: list[object] = []

    def add(self, hooks: object) -> None:
        """Register an object implementing some of the :class:`EngineHooks` methods."""
        self._hooks.append(hooks)

    def __len__(self) -> int:
        return len(self._hooks)

    async def deliver(self, events: TurnEvents) -> None:
        """Call every hook for every event of a committed turn."""
        if not self._hooks:
            return
        for handoff_id in events.handoffs_created:
            await self._call("on_handoff_created", handoff_id)
        for handoff_id, message in events.during_handoff:
            await self._call("on_message_during_handoff", handoff_id, message)
        for channel, external_id, customer_id in events.verified:
            await self._call("on_identity_verified", channel, external_id, customer_id)
        for handoff_id in events.handoffs_left:
            await self._call("on_handoff_left", handoff_id)

    async def _call(self, name: str, *args: object) -> None:
        for hooks in self._hooks:
            method = getattr(hooks, name, None)
            if method is None:
                continue
            try:
                await method(*args)
            except Exception:
                # the turn is committed and answered; a broken hook must not turn it into an error
                log.exception("engine hook %s.%s failed", type(hooks).__name__, name)
