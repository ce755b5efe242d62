"""``admin_feature``: the operator console at ``/admin`` and the handoff API at ``/api/handoffs``.

Register it after the conversation feature (a resolve gives the conversation back to the engine).
The console's inbox is a staff desk: with a login configured (``DOORSTEP_ADMIN_PASSWORD`` or
``DOORSTEP_API_TOKEN``) shoppers who ask for a person get a handoff even without Slack. Without
either, the console's pages say it is disabled and the API answers 401.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from bot.admin import access, dashboard, inbox, orders
from bot.admin.guard import LOGIN_ATTEMPTS_PER_MINUTE
from bot.admin.handoff_api import add_handoff_api
from bot.admin.session import SessionCodec
from bot.admin.web import CONSOLE, Console, static_asset, template_environment
from bot.app_keys import CLOCK, SERVICES
from bot.channels.rest import ChatRateLimiter
from bot.channels.senders import sender_registry
from bot.config import Settings
from bot.engine.feature import STAFF_CONSOLE
from bot.handoffs.feature import handoff_service


def admin_feature(app: web.Application, settings: Settings) -> None:
    """Mount the console's pages, forms and assets, and the handoff API."""
    app[SERVICES][STAFF_CONSOLE] = settings.console_enabled
    sender_registry(app)  # created now so every channel's context can register in it
    credentials = (settings.admin_password, settings.api_token)
    clock = app[CLOCK]
    app[CONSOLE] = Console(
        templates=template_environment(),
        sessions=SessionCodec(settings.secret_key, credentials, clock),
        login_forms=SessionCodec(settings.secret_key, credentials, clock, purpose="login"),
        login_limiter=ChatRateLimiter(LOGIN_ATTEMPTS_PER_MINUTE, clock),
        secure_cookies=settings.public_url.lower().startswith("https://"),
    )
    router = app.router
    router.add_get("/admin", dashboard.dashboard)
    router.add_get("/admin/", dashboard.dashboard)
    router.add_get("/admin/login", access.login_form)
    router.add_post("/admin/login", access.login)
    router.add_post("/admin/logout", access.logout)
    router.add_get("/admin/orders", orders.order_page)
    router.add_get("/admin/handoffs", inbox.handoff_list)
    router.add_get("/admin/handoffs/{id}", inbox.handoff_page)
    router.add_post("/admin/handoffs/{id}/reply", inbox.reply)
    router.add_post("/admin/handoffs/{id}/claim", inbox.claim)
    router.add_post("/admin/handoffs/{id}/resolve", inbox.resolve)
    router.add_post("/admin/handoffs/{id}/release", inbox.release)
    router.add_get("/admin/static/{name}", static_asset)
    add_handoff_api(app)
    app.cleanup_ctx.append(_admin_context)


async def _admin_context(app: web.Application) -> AsyncIterator[None]:
    handoff_service(app)  # shared with Slack; created once the engine is ready
    yield
