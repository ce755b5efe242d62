"""``GET /api/reports/summary?since=&until=``: the outcome report as JSON (bearer token)."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.app_keys import CLOCK, SETTINGS, STORE
from bot.config import Settings
from bot.report.errors import BadPeriod
from bot.report.period import parse_period
from bot.report.summary import ReportOptions, build_report
from bot.web.auth import bearer_refusal
from bot.web.errors import json_error

log = logging.getLogger(__name__)


def report_options(settings: Settings) -> ReportOptions:
    """The settings the report depends on: the holdout share and the per-order touch cap."""
    return ReportOptions(holdout_percent=settings.holdout_percent, touch_cap=settings.max_touches_per_order)


async def get_summary(request: web.Request) -> web.Response:
    """The report for ``since``..``until`` (UTC days, both included; default: the last 30 days)."""
    refusal = bearer_refusal(request)
    if refusal is not None:
        return refusal
    app = request.app
    now = app[CLOCK].now()
    try:
        period = parse_period(request.query.get("since"), request.query.get("until"), today=now.date())
    except BadPeriod as exc:
        log.info("report refused: %s", exc)
        return json_error(400, str(exc))
    report = await build_report(app[STORE], period, report_options(app[SETTINGS]), now=now)
    return web.json_response(report)
