"""``doorstep kb check`` and ``doorstep kb search``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.config import Settings
from knowledge import default_kb_dir
from knowledge.cli import run_check, run_search


def _directory(args: argparse.Namespace, settings: Settings) -> Path:
    return Path(args.dir) if args.dir else (settings.kb_dir or default_kb_dir())


def cmd_kb_check(args: argparse.Namespace, settings: Settings) -> int:
    """Validate every article; prints ``path:line: message`` per problem."""
    return run_check(_directory(args, settings), sys.stdout)


def cmd_kb_search(args: argparse.Namespace, settings: Settings) -> int:
    """Print the best articles for a query, with score and snippet."""
    return run_search(_directory(args, settings), " ".join(args.query), sys.stdout, limit=args.limit)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``kb`` command group."""
    kb = sub.add_parser("kb", help="knowledge base").add_subparsers(dest="kb_command", required=True)
    check = kb.add_parser("check", help="validate the knowledge base (exit 1 on problems)")
    check.add_argument("--dir", help="article directory (default: DOORSTEP_KB_DIR or the bundled sample)")
    check.set_defaults(func=cmd_kb_check)
    search = kb.add_parser("search", help="search the knowledge base")
    search.add_argument("query", nargs="+")
    search.add_argument("--limit", type=int, default=3)
    search.add_argument("--dir", help="article directory (default: DOORSTEP_KB_DIR or the bundled sample)")
    search.set_defaults(func=cmd_kb_search)
