"""The senders of every channel that is on, by channel name, with their send limits.

Channel features register their :class:`~bot.channels.base.Sender` here; the notification
dispatcher (and anything else pushing messages) looks one up by the channel of a message::

    registry = sender_registry(app)            # in the feature function (build time)
    ...
    registry.register(TelegramSender(bot), limits=SendLimits(per_second=30, per_recipient_per_second=1))
    ...                                       # in the feature's cleanup context, once the client exists
    registry.unregister("telegram")            # when the channel stops
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from bot.channels.base import Sender


@dataclass(frozen=True, slots=True)
class SendLimits:
    """A provider's send limits; None means unlimited.

    ``per_second`` counts every message over all recipients, ``per_recipient_per_second`` the
    messages to one chat. ``guard_seconds`` is added between two messages to one recipient so
    network jitter never makes them arrive closer together than the provider allows.
    """

    per_second: float | None = None
    per_recipient_per_second: float | None = None
    guard_seconds: float = 0.02


class SenderRegistry:
    """Channel name -> (sender, limits)."""

    def __init__(self) -> None:
        self._senders: dict[str, Sender] = {}
        self._limits: dict[str, SendLimits] = {}

    def register(self, sender: Sender, *, limits: SendLimits | None = None) -> None:
        """Make ``sender`` the sender of ``sender.channel`` (replacing any earlier one)."""
        self._senders[sender.channel] = sender
        self._limits[sender.channel] = limits or SendLimits()

    def unregister(self, channel: str) -> None:
        """Forget the sender of ``channel`` (the channel was switched off)."""
        self._senders.pop(channel, None)
        self._limits.pop(channel, None)

    def get(self, channel: str) -> Sender | None:
        """The sender of ``channel``, or None when that channel is off."""
        return self._senders.get(channel)

    def limits(self, channel: str) -> SendLimits:
        """The send limits registered with the channel's sender (unlimited when none)."""
        return self._limits.get(channel, SendLimits())

    def channels(self) -> list[str]:
        """Channels with a sender, sorted."""
        return sorted(self._senders)

    def __contains__(self, channel: object) -> bool:
        return channel in self._senders


SENDERS: web.AppKey[SenderRegistry] = web.AppKey("senders", SenderRegistry)


def sender_registry(app: web.Application) -> SenderRegistry:
    """The app's registry, created on first use.

    Call it from a feature function (while the app is being built) so the registry exists
    before any cleanup context runs; contexts then register and unregister senders in it.
    """
    if SENDERS not in app:
        app[SENDERS] = SenderRegistry()
    return app[SENDERS]
