"""The handoff inbox: ``/admin/handoffs`` (the list) and ``/admin/handoffs/{id}`` (one handoff, its order,
its transcript, and the forms to reply, note, claim, resolve and give it back to the bot).

Every form posts to ``/admin/handoffs/{id}/<action>`` with the session's CSRF token and the agent's
name (kept in the session for the next form), then comes back to the handoff's page with what
happened (post/redirect/get: reloading the page never posts again). A reply form carries a
once-only key, so a double click sends one reply.
"""

from __future__ import annotations

import logging
import secrets

from aiohttp import web

from bot.admin.access import Form, action, clean_agent, page, set_session_cookie
from bot.admin.session import AdminSession
from bot.admin.staff import (
    CONSOLE_DESK,
    MAX_TEXT_CHARS,
    STATUS_FILTERS,
    change,
    change_verdict,
    first_use,
)
from bot.admin.views import handoff_view
from bot.admin.web import render, see_other
from bot.app_keys import STORE
from bot.handoffs.errors import HandoffNotFound
from bot.handoffs.feature import HANDOFF_SERVICE

log = logging.getLogger(__name__)

#: what the page says after a form (the code travels in ``?done=``; never text from the request)
NOTICES: dict[str, tuple[str, str]] = {
    "sent": ("ok", "Reply sent to the shopper."),
    "note": ("ok", "Internal note kept (not sent to the shopper)."),
    "claimed": ("ok", "You claimed this handoff."),
    "resolved": ("ok", "Resolved: the shopper is back with the bot and was told so."),
    "returned": ("ok", "Given back to the bot: the shopper was told so."),
    "duplicate": ("warn", "That reply was already sent (a second click sends nothing)."),
    "already": ("warn", "Nothing changed: someone already did that."),
    "not_open": ("error", "This handoff has ended: the reply was not sent."),
    "empty": ("error", "The reply was empty: nothing was sent."),
    "too_long": ("error", f"The reply is too long (at most {MAX_TEXT_CHARS} characters): nothing was sent."),
    "undelivered": ("error", "The shopper's chat refused the reply: it was not sent. Try again later."),
    "no_agent": ("error", "Please enter your name: shoppers see it with your reply."),
}
#: transcript lines shown on a handoff's page
TRANSCRIPT_LINES = 100


def _handoff_id(request: web.Request) -> int:
    raw = request.match_info["id"]
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise web.HTTPNotFound(reason="no such handoff")
    return int(raw)


@page
async def handoff_list(request: web.Request, session: AdminSession) -> web.StreamResponse:
    """Handoffs still with staff (or ended ones, by ``?status=``), each with its order and last lines."""
    status = request.query.get("status", "open")
    if status not in STATUS_FILTERS:
        status = "open"
    found = await request.app[HANDOFF_SERVICE].listed(STATUS_FILTERS[status], limit=200, transcript_lines=6)
    return render(
        request,
        "handoffs.html",
        session=session,
        nav="handoffs",
        status=status,
        statuses=list(STATUS_FILTERS),
        handoffs=[handoff_view(ctx) for ctx in found],
    )


@page
async def handoff_page(request: web.Request, session: AdminSession) -> web.StreamResponse:
    """One handoff: who, why, the order, the whole recent transcript and the staff forms."""
    handoff_id = _handoff_id(request)
    try:
        ctx = await request.app[HANDOFF_SERVICE].context(handoff_id, transcript_lines=TRANSCRIPT_LINES)
    except HandoffNotFound:
        return render(
            request, "missing.html", session=session, nav="handoffs", what="handoff", http_status=404
        )
    done = request.query.get("done", "")
    return render(
        request,
        "handoff.html",
        session=session,
        nav="handoffs",
        handoff=handoff_view(ctx),
        notice=NOTICES.get(done),
        once=secrets.token_urlsafe(12),
        max_text=MAX_TEXT_CHARS,
    )


def _back(
    request: web.Request, session: AdminSession, handoff_id: int, done: str, agent: str
) -> web.Response:
    response = see_other(f"/admin/handoffs/{handoff_id}?done={done}")
    if agent and agent != session.agent:
        set_session_cookie(request, response, session.with_agent(agent))
    return response


@action
async def reply(request: web.Request, session: AdminSession, form: Form) -> web.StreamResponse:
    """Relay the reply to the shopper (or keep a ``note:``), once per form."""
    handoff_id = _handoff_id(request)
    agent = clean_agent(form.get("agent")) or session.agent
    text = form.get("text")
    text = text if isinstance(text, str) else ""
    if not agent:
        return _back(request, session, handoff_id, "no_agent", agent)
    if not text.strip():
        return _back(request, session, handoff_id, "empty", agent)
    if len(text) > MAX_TEXT_CHARS:
        return _back(request, session, handoff_id, "too_long", agent)
    service = request.app[HANDOFF_SERVICE]
    once = form.get("once")
    try:
        await service.context(handoff_id, transcript_lines=0)
        if isinstance(once, str) and once and not await first_use(request.app[STORE], handoff_id, once):
            log.info("console: handoff %d: a reply form posted again was not sent again", handoff_id)
            return _back(request, session, handoff_id, "duplicate", agent)
        outcome = await service.reply(handoff_id, text=text, agent=agent, desk=CONSOLE_DESK)
    except HandoffNotFound:
        raise web.HTTPNotFound(reason="no such handoff") from None
    log.info("console: handoff %d reply: %s", handoff_id, outcome.result.value)
    return _back(request, session, handoff_id, outcome.result.value, agent)


async def _change(request: web.Request, session: AdminSession, form: Form, status: str) -> web.StreamResponse:
    handoff_id = _handoff_id(request)
    agent = clean_agent(form.get("agent")) or session.agent
    if not agent:
        return _back(request, session, handoff_id, "no_agent", agent)
    try:
        outcome = await change(
            request.app[HANDOFF_SERVICE], handoff_id, status, agent=agent, desk=CONSOLE_DESK
        )
    except HandoffNotFound:
        raise web.HTTPNotFound(reason="no such handoff") from None
    verdict = change_verdict(outcome, status)
    return _back(request, session, handoff_id, status if verdict.ok else "already", agent)


@action
async def claim(request: web.Request, session: AdminSession, form: Form) -> web.StreamResponse:
    """Claim the handoff for the agent."""
    return await _change(request, session, form, "claimed")


@action
async def resolve(request: web.Request, session: AdminSession, form: Form) -> web.StreamResponse:
    """Resolve the handoff; the shopper is back with the bot and told so."""
    return await _change(request, session, form, "resolved")


@action
async def release(request: web.Request, session: AdminSession, form: Form) -> web.StreamResponse:
    """Give the conversation back to the bot without resolving; the shopper is told so."""
    return await _change(request, session, form, "returned")
