"""``doorstep explain ORDER``: every message sent or held back for an order, and why."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from bot.config import Settings
from bot.notify.errors import UnknownOrderError
from bot.notify.timeline import order_timeline
from storage.migrate import upgrade
from storage.store import Store


def cmd_explain(args: argparse.Namespace, settings: Settings) -> int:
    """Print the order's timeline (readable lines, or JSON with ``--json``)."""

    async def run() -> int:
        await upgrade(settings.database_url)
        async with Store(settings.database_url) as store, store.transaction() as repos:
            try:
                timeline = await order_timeline(repos, args.order)
            except UnknownOrderError as exc:
                print(f"doorstep: {exc}", file=sys.stderr)
                return 1
        if args.json:
            print(json.dumps(timeline.to_dict(), indent=2))
        else:
            print("\n".join(timeline.lines()))
        return 0

    return asyncio.run(run())


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``explain ORDER [--json]``."""
    explain = sub.add_parser("explain", help="every event and message of an order, and why")
    explain.add_argument("order", help="the order number")
    explain.add_argument("--json", action="store_true", help="print JSON instead of lines")
    explain.set_defaults(func=cmd_explain)
