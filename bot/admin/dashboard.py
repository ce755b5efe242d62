"""``GET /admin``: the outcome report (``docs/REPORT.md``) with its charts, for a period picked by date."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.admin.access import page
from bot.admin.session import AdminSession
from bot.admin.web import render
from bot.app_keys import CLOCK, SETTINGS, STORE
from bot.report.errors import BadPeriod
from bot.report.period import parse_period
from bot.report.summary import build_report
from bot.report.web import report_options

log = logging.getLogger(__name__)


@page
async def dashboard(request: web.Request, session: AdminSession) -> web.StreamResponse:
    """The report for ``since``..``until`` (default: the last 30 days); a bad date is said, and the default
    period shown instead."""
    app = request.app
    now = app[CLOCK].now()
    since, until = request.query.get("since", ""), request.query.get("until", "")
    error = ""
    try:
        period = parse_period(since, until, today=now.date())
    except BadPeriod as exc:
        log.info("console: report period refused: %s", exc)
        error = str(exc)
        period = parse_period(None, None, today=now.date())
    report = await build_report(app[STORE], period, report_options(app[SETTINGS]), now=now)
    return render(
        request,
        "dashboard.html",
        session=session,
        nav="dashboard",
        report=report,
        error=error,
        since=period.since.isoformat(),
        until=period.until.isoformat(),
        http_status=400 if error else 200,
    )
