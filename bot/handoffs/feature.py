"""The app's one :class:`HandoffService`, shared by every staff desk (Slack, the operator console)."""

from __future__ import annotations

from aiohttp import web

from bot.app_keys import CLOCK, STORE
from bot.channels.base import Sender
from bot.channels.senders import sender_registry
from bot.handoffs.service import HandoffService

HANDOFF_SERVICE: web.AppKey[HandoffService] = web.AppKey("handoff_service", HandoffService)


def handoff_service(app: web.Application) -> HandoffService:
    """The app's handoff service, created on first use.

    Call it from a cleanup context (at start-up, after the conversation engine is ready: a
    resolve gives the conversation back to the engine); shoppers' channels are looked up in
    the sender registry at send time.
    """
    from bot.engine.feature import ENGINE

    if HANDOFF_SERVICE not in app:
        registry = sender_registry(app)

        def sender_for(channel: str) -> Sender | None:
            return registry.get(channel)

        app[HANDOFF_SERVICE] = HandoffService(
            store=app[STORE],
            senders=sender_for,
            return_to_bot=app[ENGINE].return_to_bot if ENGINE in app else None,
            clock=app[CLOCK],
        )
    return app[HANDOFF_SERVICE]
