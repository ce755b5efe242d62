"""The message renderer the notification policy uses by default."""

from __future__ import annotations

from bot.notify.policy import Renderer
from handlers.templates.render import render


def default_renderer() -> Renderer:
    """The journey templates: ``handlers.templates.render.render(kind, locale, context) -> Reply``."""
    return render
