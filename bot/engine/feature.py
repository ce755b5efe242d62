"""``conversation_feature``: the engine, its knowledge base and search index, and ``POST /api/chat``."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from bot.app_keys import CLOCK, SERVICES, SETTINGS, STORE
from bot.config import Settings
from bot.engine.engine import Engine
from bot.engine.factory import build_engine
from knowledge import KnowledgeBase, SearchIndex

ENGINE: web.AppKey[Engine] = web.AppKey("engine", Engine)
KNOWLEDGE_BASE: web.AppKey[KnowledgeBase] = web.AppKey("knowledge_base", KnowledgeBase)
SEARCH_INDEX: web.AppKey[SearchIndex] = web.AppKey("search_index", SearchIndex)
#: ``app[SERVICES]`` key set (True) by the operator console's feature: shoppers asking for a person get one
STAFF_CONSOLE = "staff_console"


async def _engine_context(app: web.Application) -> AsyncIterator[None]:
    console = bool(app[SERVICES].get(STAFF_CONSOLE))  # the operator console's inbox is a staff desk
    engine = await build_engine(app[STORE], app[SETTINGS], app[CLOCK], console=console)
    app[ENGINE] = engine
    app[KNOWLEDGE_BASE] = engine.knowledge.base
    app[SEARCH_INDEX] = engine.knowledge.index
    yield


def conversation_feature(app: web.Application, settings: Settings) -> None:
    """Create the engine at start-up and serve the REST chat channel."""
    from bot.channels.rest import add_chat_routes

    app.cleanup_ctx.append(_engine_context)
    add_chat_routes(app, settings)
