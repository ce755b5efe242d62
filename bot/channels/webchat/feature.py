"""``webchat_feature``: the chat page, its assets, the WebSocket, and the web chat sender.

Register it after the conversation feature: it reads ``app[ENGINE]`` when the app starts. On
PostgreSQL it also listens for the notifications of messages stored by other processes (see
:mod:`bot.channels.webchat.hub`); on SQLite, the one process wakes its own pages.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from bot.app_keys import CLOCK, STORE
from bot.channels.rest import CHAT_LIMITER
from bot.channels.senders import sender_registry
from bot.channels.webchat.hub import WebChatHub, WebChatSender
from bot.channels.webchat.mailbox import Mailbox
from bot.channels.webchat.page import chat_page, static_asset
from bot.channels.webchat.protocol import CHANNEL
from bot.channels.webchat.socket import WebChatEndpoint
from bot.config import Settings
from bot.engine.feature import ENGINE
from storage.listen import Listener
from storage.repositories.webchat import WAKE_CHANNEL

log = logging.getLogger(__name__)

#: how long start-up waits for the PostgreSQL listener before serving anyway (seconds)
LISTEN_WAIT_SECONDS = 10.0
#: how often old messages are pruned from the mailboxes (seconds)
PRUNE_SECONDS = 3600.0

#: the visitors' open pages in this process, and delivery of their stored messages
WEBCHAT_HUB: web.AppKey[WebChatHub] = web.AppKey("webchat_hub", WebChatHub)
#: this process's PostgreSQL listener (absent on SQLite)
WEBCHAT_LISTENER: web.AppKey[Listener] = web.AppKey("webchat_listener", Listener)
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
    store = app[STORE]
    hub = WebChatHub(Mailbox(store, app[CLOCK]))
    sender = WebChatSender(hub)
    app[WEBCHAT_HUB] = hub
    app[WEBCHAT_SENDER] = sender
    app[WEBCHAT_ENDPOINT] = WebChatEndpoint(
        engine=app[ENGINE], hub=hub, clock=app[CLOCK], limiter=app.get(CHAT_LIMITER)
    )
    background = [asyncio.create_task(_prune_forever(hub.mailbox), name="webchat-prune")]
    if store.dialect == "postgresql":
        listener = Listener(store.url, WAKE_CHANNEL, on_notify=hub.wake, on_connected=hub.wake_all)
        app[WEBCHAT_LISTENER] = listener
        background.append(asyncio.create_task(listener.run(), name="webchat-listen"))
        if not await listener.wait_listening(LISTEN_WAIT_SECONDS):
            log.warning("web chat: not yet listening for other processes' messages; still trying")
    registry = sender_registry(app)
    registry.register(sender)
    try:
        yield
    finally:
        registry.unregister(CHANNEL)
        for task in background:
            task.cancel()
        for task in background:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await hub.close_all()


async def _prune_forever(mailbox: Mailbox) -> None:
    """Forget acknowledged and expired messages every :data:`PRUNE_SECONDS` (every process does;
    the deletes are idempotent)."""
    while True:
        try:
            pruned = await mailbox.prune()
        except Exception:
            log.exception("web chat: pruning the mailboxes failed; trying again later")
        else:
            if pruned:
                log.info("web chat: %d old stored messages pruned", pruned)
        await asyncio.sleep(PRUNE_SECONDS)


async def _close_pages(app: web.Application) -> None:
    """Close the open pages before the server waits for its handlers to finish."""
    if WEBCHAT_HUB in app:
        await app[WEBCHAT_HUB].close_all()


async def _socket(request: web.Request) -> web.StreamResponse:
    return await request.app[WEBCHAT_ENDPOINT].handle_socket(request)
