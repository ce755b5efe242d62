"""The ``doorstep`` command line (see README "CLI")."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.config import Settings, load_settings
from bot.errors import ConfigError, DoorstepError
from bot.logs import configure_logging
from bot.preflight import choose_database, ensure_port_free, require_database
from storage.errors import StorageError

#: commands that work on a database that must already exist: they never create one
EXISTING_DATABASE_COMMANDS = frozenset({"explain", "link", "events", "report"})

Command = Callable[[argparse.Namespace, Settings], int]


def _serve(settings: Settings, *, workers: int = 1, parent_pid: int | None = None) -> int:
    from bot.server import serve

    return serve(settings, workers=workers, parent_pid=parent_pid)


def _workers(text: str) -> int:
    """``--workers``: a whole number from 1 to 64."""
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 64, got {text!r}")
    return int(text)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Run the server (``--workers N``: N processes on one port, PostgreSQL only)."""
    if args.worker_of is not None:  # a worker started by `serve --workers N`
        return _serve(settings, parent_pid=args.worker_of)
    return _serve(settings, workers=args.workers or settings.workers)


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    """Migrate the database to the newest schema."""
    from storage.migrate import upgrade

    asyncio.run(upgrade(settings.database_url))
    print("database is up to date")
    return 0


def cmd_import_orders(args: argparse.Namespace, settings: Settings) -> int:
    """Load a JSON Lines file of orders."""
    from tqdm import tqdm

    from bot.clock import SystemClock
    from bot.imports.held import release_held_events
    from bot.imports.orders import import_orders
    from storage.migrate import upgrade
    from storage.store import Store

    path = Path(args.file)
    if not path.is_file():
        print(f"error: no such file: {path}", file=sys.stderr)
        return 2

    size = path.stat().st_size
    handle = path.open("rb")  # read by the import loop; closed below

    async def run() -> int:
        await upgrade(settings.database_url)
        async with Store(settings.database_url) as store:
            with (
                handle,
                tqdm(
                    total=size,
                    unit="B",
                    unit_scale=True,
                    desc="importing",
                    disable=size < 5_000_000 or args.quiet,
                ) as bar,
            ):

                def lines() -> object:
                    for raw in handle:
                        bar.update(len(raw))
                        yield raw

                release = release_held_events(store, SystemClock(), settings)
                report = await import_orders(store, lines(), on_created=release)  # type: ignore[arg-type]
        for error in report.errors:
            print(f"{path}:{error.line}: {error.reason}", file=sys.stderr)
        print(f"{report.created} created, {report.updated} updated, {report.rejected} rejected")
        return 1 if report.rejected else 0

    return asyncio.run(run())


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Seed the demo shop and serve it (or just list demo orders)."""
    from bot.demo.history import with_demo_holdout
    from bot.demo.shop import sample_orders, seed_demo_shop
    from storage.migrate import upgrade
    from storage.store import Store

    if args.print_orders:
        print(f"{'order':<8}{'email':<40}state")
        for order in sample_orders():
            print(f"{order.line['order_number']:<8}{order.line['customer']['email']:<40}{order.state}")
        return 0
    ensure_port_free(settings.host, settings.port)  # before seeding: a taken port stops at once
    settings = with_demo_holdout(settings)  # the demo's history has a holdout group

    async def seed() -> None:
        await upgrade(settings.database_url)
        async with Store(settings.database_url) as store:
            report = await seed_demo_shop(store)
        if report is None:
            print("reusing the demo shop already in the database")
        else:
            print(f"seeded the demo shop: {report.created} orders")

    asyncio.run(seed())
    print("try: doorstep demo --print-orders   (order numbers and emails to verify with)")
    return _serve(settings)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    parser = argparse.ArgumentParser(prog="doorstep", description="Post-purchase assistant for shops.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the server")
    serve.add_argument(
        "--workers",
        type=_workers,
        default=None,
        metavar="N",
        help="server processes on one port (default DOORSTEP_WORKERS, 1; more than 1 needs PostgreSQL)",
    )
    serve.add_argument("--worker-of", type=int, default=None, help=argparse.SUPPRESS)
    serve.set_defaults(func=cmd_serve)

    demo = sub.add_parser("demo", help="seed a demo shop (SQLite) and serve it on 127.0.0.1:8080")
    demo.add_argument("--print-orders", action="store_true", help="list demo order numbers with their emails")
    demo.set_defaults(func=cmd_demo, demo=True)

    db = sub.add_parser("db", help="database commands").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="migrate the database").set_defaults(func=cmd_db_upgrade)

    imp = sub.add_parser("import", help="load data").add_subparsers(dest="import_command", required=True)
    orders = imp.add_parser("orders", help="load a JSON Lines file of orders")
    orders.add_argument("file")
    orders.add_argument("--quiet", action="store_true", help="no progress bar")
    orders.set_defaults(func=cmd_import_orders)

    for register in _extra_commands():
        register(sub)
    return parser


def _extra_commands() -> list[Callable[[argparse._SubParsersAction], None]]:  # type: ignore[type-arg]
    """Commands contributed by feature packages."""
    from bot.channels.console import register as register_chat
    from bot.channels.telegram.links_cli import register as register_link
    from bot.integrations.cli import register as register_events
    from bot.kb_commands import register as register_kb
    from bot.nlu.commands import register as register_nlu
    from bot.notify.cli import register as register_explain
    from bot.report.cli import register as register_report

    return [
        register_link,
        register_events,
        register_chat,
        register_explain,
        register_kb,
        register_nlu,
        register_report,
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``doorstep`` console script."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"doorstep: {exc}", file=sys.stderr)
        return 2
    existing = args.command in EXISTING_DATABASE_COMMANDS
    settings, note = choose_database(settings, demo=getattr(args, "demo", False), existing=existing)
    if note:
        print(f"doorstep: {note}", file=sys.stderr)
    configure_logging(settings.log_level)
    try:
        if existing:
            require_database(settings.database_url)
        return int(args.func(args, settings))
    except (DoorstepError, StorageError) as exc:
        print(f"doorstep: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
