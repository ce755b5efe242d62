"""CLI commands of the events-in side: ``events replay``, ``templates check``, ``templates preview``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import BinaryIO

from bot.config import Settings
from handlers.journey.proposals import MessageKind


def cmd_events_replay(args: argparse.Namespace, settings: Settings) -> int:
    """Replay a JSON Lines file of normalized events; exit 1 when a line was rejected."""
    from bot.clock import SystemClock
    from bot.integrations.events import replay_events
    from storage.migrate import upgrade
    from storage.store import Store

    path = Path(args.file)
    if not path.is_file():
        print(f"error: no such file: {path}", file=sys.stderr)
        return 2

    async def run(handle: BinaryIO) -> int:
        await upgrade(settings.database_url)
        async with Store(settings.database_url) as store:
            report = await replay_events(store, handle, SystemClock(), settings, batch_size=args.batch)
        for line in report.lines:
            out = sys.stderr if line.status == "rejected" else sys.stdout
            print(f"{path}:{line.line}: {line.status}: {line.reason}", file=out)
        print(report.summary())
        return 1 if report.rejected else 0

    with path.open("rb") as handle:
        return asyncio.run(run(handle))


def cmd_templates_check(args: argparse.Namespace, settings: Settings) -> int:
    """List template problems; exit 1 when there is any."""
    from handlers.templates import check_templates

    problems = check_templates(Path(args.dir) if args.dir else None)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s)")
        return 1
    print(f"templates ok ({len(MessageKind)} kinds)")
    return 0


def cmd_templates_preview(args: argparse.Namespace, settings: Settings) -> int:
    """Print one message kind rendered with a sample order."""
    from handlers.templates import preview

    print(preview(MessageKind(args.kind), args.locale, directory=Path(args.dir) if args.dir else None))
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``events`` and ``templates`` command groups."""
    events = sub.add_parser("events", help="events in").add_subparsers(dest="events_command", required=True)
    replay = events.add_parser("replay", help="replay a JSON Lines file of normalized events")
    replay.add_argument("file")
    replay.add_argument("--batch", type=int, default=500, help="events per transaction (default 500)")
    replay.set_defaults(func=cmd_events_replay)

    templates = sub.add_parser("templates", help="message templates").add_subparsers(
        dest="templates_command", required=True
    )
    check = templates.add_parser("check", help="check every template (exit 1 on problems)")
    check.add_argument("--dir", help="template directory (default: the bundled templates)")
    check.set_defaults(func=cmd_templates_check)
    show = templates.add_parser("preview", help="render a message kind with a sample order")
    show.add_argument("kind", choices=[k.value for k in MessageKind])
    show.add_argument("--locale", default="en")
    show.add_argument("--dir", help="template directory (default: the bundled templates)")
    show.set_defaults(func=cmd_templates_preview)
