"""``doorstep report [--since DATE] [--until DATE] [--format text|json|csv]``."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime

from bot.config import Settings
from bot.demo.history import with_demo_holdout
from bot.preflight import DEMO_DATABASE_URL
from bot.report.errors import BadPeriod
from bot.report.period import parse_period
from bot.report.render import as_csv, as_text
from bot.report.summary import build_report
from bot.report.web import report_options
from storage.migrate import upgrade
from storage.store import Store


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    """Print the outcome report for the period."""
    now = datetime.now(UTC)
    try:
        period = parse_period(args.since, args.until, today=now.date())
    except BadPeriod as exc:
        print(f"doorstep: {exc}", file=sys.stderr)
        return 2
    if settings.database_url == DEMO_DATABASE_URL:
        settings = with_demo_holdout(settings)

    async def run() -> dict[str, object]:
        await upgrade(settings.database_url)
        async with Store(settings.database_url) as store:
            return await build_report(store, period, report_options(settings), now=now)

    report = asyncio.run(run())
    if args.format == "json":
        print(json.dumps(report, indent=2))
    elif args.format == "csv":
        sys.stdout.write(as_csv(report))
    else:
        print(as_text(report))
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``report``."""
    report = sub.add_parser(
        "report", help="the outcome report: outcomes, WISMO contacts per 100 shipments, proactive, holdout"
    )
    report.add_argument("--since", help="first UTC day, YYYY-MM-DD (default: 29 days before --until)")
    report.add_argument("--until", help="last UTC day, YYYY-MM-DD (default: today)")
    report.add_argument("--format", choices=("text", "json", "csv"), default="text")
    report.set_defaults(func=cmd_report)
