"""Typed keys under which ``build_app`` stores the app's long-lived objects."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.clock import Clock
from bot.config import Settings
from storage.store import Store

SETTINGS: web.AppKey[Settings] = web.AppKey("settings", Settings)
STORE: web.AppKey[Store] = web.AppKey("store", Store)
CLOCK: web.AppKey[Clock] = web.AppKey("clock", object)  # type: ignore[arg-type]
#: objects registered by later features (knowledge base, NLU, engine, channels, notify)
SERVICES: web.AppKey[dict[str, Any]] = web.AppKey("services", dict)
