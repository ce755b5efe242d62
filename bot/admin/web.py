"""What every console page shares: the console's objects, page rendering, headers and static assets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from bot.admin.session import AdminSession, SessionCodec
from bot.channels.rest import ChatRateLimiter

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
TEMPLATE_DIR = HERE / "templates"
#: the files under /admin/static/, and their content types
ASSETS: dict[str, str] = {
    "chart.umd.js": "text/javascript; charset=utf-8",
    "dashboard.js": "text/javascript; charset=utf-8",
    "admin.css": "text/css; charset=utf-8",
}
#: scripts and styles from this origin only, nothing inline, forms post here only, no framing
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    # pages show order details and transcripts: never cached
    "Cache-Control": "no-store",
}


@dataclass(frozen=True, slots=True)
class Console:
    """The console's long-lived objects: templates, the two cookie codecs and the login limiter."""

    templates: jinja2.Environment
    sessions: SessionCodec
    login_forms: SessionCodec
    login_limiter: ChatRateLimiter
    #: cookies get ``Secure`` when the console is served over https (PUBLIC_URL)
    secure_cookies: bool


CONSOLE: web.AppKey[Console] = web.AppKey("admin_console", Console)


def utc_time(value: datetime | str | None, seconds: bool = False) -> str:
    """``2026-11-22 10:00`` in UTC for a datetime or an ISO 8601 string ("–" for none)."""
    if value is None or value == "":
        return "–"
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def template_environment() -> jinja2.Environment:
    """Jinja2 over ``templates/``, every value HTML-escaped, a missing name an error."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["utc"] = utc_time
    return env


def render(
    request: web.Request,
    template: str,
    *,
    session: AdminSession | None,
    http_status: int = 200,
    **context: Any,
) -> web.Response:
    """The page ``template`` rendered with ``context`` (plus the session and its CSRF token)."""
    page = request.app[CONSOLE].templates.get_template(template)
    context.setdefault("nav", "")
    html = page.render(session=session, csrf=session.csrf if session else "", **context)
    return web.Response(text=html, status=http_status, content_type="text/html", headers=PAGE_HEADERS)


def see_other(location: str) -> web.Response:
    """A 303 to ``location`` (a path of this server), for a response that also sets cookies."""
    return web.Response(status=303, headers={"Location": location, "Cache-Control": "no-store"})


async def static_asset(request: web.Request) -> web.StreamResponse:
    """One of the console's assets; 404 for anything else."""
    name = request.match_info["name"]
    content_type = ASSETS.get(name)
    if content_type is None:
        raise web.HTTPNotFound(reason="no such asset")
    headers = {"Content-Type": content_type, "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}
    return web.FileResponse(STATIC_DIR / name, headers=headers)
