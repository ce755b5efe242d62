"""``GET /`` (the chat page) and ``GET /static/{name}`` (its script and style sheet).

Only the files listed in :data:`ASSETS` are served, with a strict Content-Security-Policy on the
page: scripts and styles from this origin only, no inline code, no third-party requests.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC_DIR = Path(__file__).parent / "static"
#: the assets the page loads, and their content types
ASSETS: dict[str, str] = {
    "chat.js": "text/javascript; charset=utf-8",
    "chat.css": "text/css; charset=utf-8",
}
_COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}


def content_security_policy(host: str) -> str:
    """The page's CSP: this origin only (plus its WebSocket), nothing inline, no framing."""
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src 'self' ws://{host} wss://{host}",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


async def chat_page(request: web.Request) -> web.StreamResponse:
    """The web chat page (a link token, if any, stays in the URL for the script to read)."""
    headers = {
        **_COMMON_HEADERS,
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": content_security_policy(request.host),
        # the page URL may carry a link token: never send it to the sites the chat links to
        "Referrer-Policy": "no-referrer",
    }
    return web.FileResponse(STATIC_DIR / "index.html", headers=headers)


async def static_asset(request: web.Request) -> web.StreamResponse:
    """One of the page's assets; 404 for anything else."""
    name = request.match_info["name"]
    content_type = ASSETS.get(name)
    if content_type is None:
        raise web.HTTPNotFound(reason="no such asset")
    return web.FileResponse(STATIC_DIR / name, headers={**_COMMON_HEADERS, "Content-Type": content_type})
