"""Login, logout, and the wrappers that keep every console page and form behind them.

``GET /admin/login`` shows the form (with a login-form CSRF token in a cookie of its own);
``POST /admin/login`` checks the password or API token and sets the session cookie (HttpOnly,
SameSite=Strict, Path=/admin, Secure over https, 8 hours); ``POST /admin/logout`` clears it.
:func:`page` wraps a page handler (no session: redirect to the login page), :func:`action` a form
handler (no session: 401; a foreign Origin or a missing CSRF token: 403).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from aiohttp import web
from multidict import MultiDictProxy

from bot.admin.guard import (
    CSRF_FIELD,
    client_address,
    csrf_matches,
    current_session,
    login_matches,
    same_origin,
)
from bot.admin.session import (
    COOKIE_NAME,
    COOKIE_PATH,
    LOGIN_COOKIE_NAME,
    LOGIN_FORM_SECONDS,
    MAX_AGENT_CHARS,
    SESSION_SECONDS,
    AdminSession,
)
from bot.admin.web import CONSOLE, render, see_other
from bot.app_keys import SETTINGS

log = logging.getLogger(__name__)

Form = MultiDictProxy[str | bytes | web.FileField]
PageHandler = Callable[[web.Request, AdminSession], Awaitable[web.StreamResponse]]
ActionHandler = Callable[[web.Request, AdminSession, Form], Awaitable[web.StreamResponse]]
#: where a login leads when it names no page (or a page outside the console)
HOME = "/admin"


def safe_next(value: object) -> str:
    """A console path to go to after login; anything else (another site, ``//host``) becomes the dashboard."""
    if not isinstance(value, str) or not value.startswith(HOME) or value.startswith(("//", "/admin/login")):
        return HOME
    if any(ch in value for ch in "\\\r\n\t") or not value.isprintable():
        return HOME
    return value


def clean_agent(value: object) -> str:
    """An agent name as staff typed it, made safe to show shoppers: one line, at most 60 characters."""
    if not isinstance(value, str):
        return ""
    return " ".join("".join(ch for ch in value if ch.isprintable()).split())[:MAX_AGENT_CHARS]


def set_session_cookie(request: web.Request, response: web.StreamResponse, session: AdminSession) -> None:
    """Put ``session`` in the response's session cookie."""
    value = request.app[CONSOLE].sessions.dump(session)
    _set_cookie(request, response, COOKIE_NAME, value, max_age=SESSION_SECONDS)


def _set_cookie(
    request: web.Request, response: web.StreamResponse, name: str, value: str, *, max_age: int
) -> None:
    """A console cookie: HttpOnly, SameSite=Strict, Path=/admin, Secure over https."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=COOKIE_PATH,
        httponly=True,
        samesite="Strict",
        secure=request.app[CONSOLE].secure_cookies,
    )


def _disabled(request: web.Request) -> web.Response | None:
    if request.app[SETTINGS].console_enabled:
        return None
    return render(request, "disabled.html", session=None, http_status=503)


def page(handler: PageHandler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A page that needs a session: without one, a redirect to the login page (coming back here after)."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        disabled = _disabled(request)
        if disabled is not None:
            return disabled
        session = current_session(request, request.app[CONSOLE].sessions)
        if session is None:
            raise web.HTTPSeeOther(f"/admin/login?next={quote(safe_next(request.path_qs), safe='/')}")
        return await handler(request, session)

    guarded.__doc__ = handler.__doc__
    return guarded


def action(handler: ActionHandler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A form post: 401 without a session, 403 from another origin or without the session's CSRF token."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        disabled = _disabled(request)
        if disabled is not None:
            return disabled
        session = current_session(request, request.app[CONSOLE].sessions)
        if session is None:
            log.warning("console: a form was posted without a valid session (%s)", request.path)
            return render(request, "refused.html", session=None, http_status=401, reason="session")
        if not same_origin(request, request.app[SETTINGS].public_url):
            log.warning("console: a form from another origin was refused (%s)", request.path)
            return render(request, "refused.html", session=session, http_status=403, reason="origin")
        form = await request.post()
        if not csrf_matches(session, form.get(CSRF_FIELD)):
            log.warning("console: a form without the session's CSRF token was refused (%s)", request.path)
            return render(request, "refused.html", session=session, http_status=403, reason="csrf")
        return await handler(request, session, form)

    guarded.__doc__ = handler.__doc__
    return guarded


async def login_form(request: web.Request) -> web.StreamResponse:
    """The login page (a logged-in visitor goes straight on)."""
    disabled = _disabled(request)
    if disabled is not None:
        return disabled
    console = request.app[CONSOLE]
    target = safe_next(request.query.get("next"))
    if current_session(request, console.sessions) is not None:
        raise web.HTTPSeeOther(target)
    return _login_page(request, target, status=200)


def _login_page(request: web.Request, target: str, *, status: int, error: str = "") -> web.Response:
    console = request.app[CONSOLE]
    form_token = console.login_forms.issue()
    response = render(
        request,
        "login.html",
        session=None,
        form_csrf=form_token.csrf,
        next=target,
        error=error,
        password_login=bool(request.app[SETTINGS].admin_password),
        http_status=status,
    )
    _set_cookie(
        request, response, LOGIN_COOKIE_NAME, console.login_forms.dump(form_token), max_age=LOGIN_FORM_SECONDS
    )
    return response


async def login(request: web.Request) -> web.StreamResponse:
    """Check the password (or API token); on success set the session cookie and go on."""
    disabled = _disabled(request)
    if disabled is not None:
        return disabled
    console = request.app[CONSOLE]
    settings = request.app[SETTINGS]
    wait = console.login_limiter.retry_after(client_address(request))
    if wait is not None:
        log.warning("console: too many login attempts from one address; refused for %.0f s", wait)
        response = render(request, "refused.html", session=None, http_status=429, reason="too_many")
        response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
        return response
    if not same_origin(request, settings.public_url):
        log.warning("console: a login from another origin was refused")
        return render(request, "refused.html", session=None, http_status=403, reason="origin")
    form = await request.post()
    target = safe_next(form.get("next"))
    form_token = console.login_forms.read(request.cookies.get(LOGIN_COOKIE_NAME), max_age=LOGIN_FORM_SECONDS)
    if form_token is None or not csrf_matches(form_token, form.get(CSRF_FIELD)):
        log.warning("console: a login without its form's CSRF token was refused")
        return _login_page(request, target, status=403, error="The login form expired. Please try again.")
    secret = form.get("password")
    if not isinstance(secret, str) or not secret or not login_matches(secret, settings):
        log.warning("console: a login with a wrong password was refused")
        return _login_page(request, target, status=401, error="Wrong password.")
    session = console.sessions.issue(agent=clean_agent(form.get("agent")))
    log.info("console: logged in")
    response = see_other(target)
    set_session_cookie(request, response, session)
    response.del_cookie(LOGIN_COOKIE_NAME, path=COOKIE_PATH)
    return response


@action
async def logout(request: web.Request, session: AdminSession, form: Form) -> web.StreamResponse:
    """Forget the session cookie and show the login page."""
    response = see_other("/admin/login")
    response.del_cookie(COOKIE_NAME, path=COOKIE_PATH)
    return response
