"""``webchat_feature``: the chat page, its assets, the WebSocket, and the web chat sender.

Register it after the conversation feature: it reads ``app[ENGINE]`` when the app starts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from bot.app_keys import CLOCK
from bot.channels.rest import CHAT_LIMITER
from bot.channels.senders import sender_registry
from bot.channels.webchat.hub import WebChatHub, WebChatSender
from bot.channels.webchat.page import chat_page, static_asset
from bot.channels.webchat.protocol import CHANNEL
from bot.channels.webchat.socket import WebChatEndpoint
from bot.config import Settings
from bot.engine.feature import ENGINE

#: the visitors' open pages and queued replies
WEBCHAT_HUB: web.AppKey[WebChatHub] = web.AppKey("webchat_hub", WebChatHub)
#: pushes replies to visitors (channel "web"); also registered in the app's SenderRegistry
WEBCHAT_SENDER: web.AppKey[WebChatSender] = web.AppKey("webchat_sender", WebChatSender)
WEBCHAT_ENDPOINT: web.AppKey[WebChatEndpoint] = web.AppKey("webchat_endpoint", WebChatEndpoint)


def webchat_feature(app: web.Application, settings: Settings) -> None:
    """Add ``GET /``, ``GET /static/{name}``, ``GET /ws`` and the web chat's hub and sender.

    The sender is registered in the app's sender registry (channel ``web``) while the app runs.
    Messages over the socket share ``POST /api/chat``'s per-user rate limiter (key ``web:<id>``).
    """
    sender_registry(app)
    app.router.add_get("/", chat_page)
    app.router.add_get("/static/{name}", static_asset)
    app.router.add_get("/ws", _socket)
    app.cleanup_ctx.append(_webchat)
    app.on_shutdown.append(_close_pages)


async def _webchat(app: web.Application) -> AsyncIterator[None]:
    hub = WebChatHub()
    sender = WebChatSender(hub)
    app[WEBCHAT_HUB] = hub
    app[WEBCHAT_SENDER] = sender
    app[WEBCHAT_ENDPOINT] = WebChatEndpoint(
        engine=app[ENGINE], hub=hub, clock=app[CLOCK], limiter=app.get(CHAT_LIMITER)
    )
    registry = sender_registry(app)
    registry.register(sender)
    try:
        yield
    finally:
        registry.unregister(CHANNEL)
        await hub.close_all()


async def _close_pages(app: web.Application) -> None:
    """Close the open pages before the server waits for its handlers to finish."""
    if WEBCHAT_HUB in app:
        await app[WEBCHAT_HUB].close_all()


async def _socket(request: web.Request) -> web.StreamResponse:
    return await request.app[WEBCHAT_ENDPOINT].handle_socket(request)
