"""``doorstep link ORDER_NUMBER``: print the signed chat links of an order's customer."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.channels.telegram.errors import UnknownOrder
from bot.channels.telegram.order_links import links_for_order
from bot.clock import SystemClock
from bot.config import Settings
from storage.store import Store


def cmd_link(args: argparse.Namespace, settings: Settings) -> int:
    """Print the Telegram deep link and the web chat link (exit 1 for an unknown order)."""

    async def run() -> int:
        async with Store(settings.database_url) as store:
            try:
                links = await links_for_order(store, settings, SystemClock(), args.order)
            except UnknownOrder:
                print(f"doorstep: no order with number {args.order}", file=sys.stderr)
                return 1
        print(f"telegram: {links.telegram}")
        print(f"web:      {links.web}")
        if links.whatsapp:
            print(f"whatsapp: {links.whatsapp}")
        print(f"expires:  {links.expires_at.isoformat()}")
        return 0

    return asyncio.run(run())


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``doorstep link ORDER_NUMBER``."""
    parser = sub.add_parser(
        "link", help="print the signed Telegram and web chat links for an order's customer"
    )
    parser.add_argument("order", metavar="ORDER_NUMBER")
    parser.set_defaults(func=cmd_link)
