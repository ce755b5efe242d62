"""``doorstep nlu classify`` and ``doorstep nlu export-training``."""

from __future__ import annotations

import argparse
import sys

from bot.config import Settings
from bot.demo.catalogue import CATALOGUE
from bot.nlu.cli import classify_stream, export_training
from bot.nlu.nlu import build_default_nlu, product_refs


def cmd_classify(args: argparse.Namespace, settings: Settings) -> int:
    """JSON Lines ``{"text"}`` on stdin -> ``{"text","intent","confidence","entities"}`` on stdout."""
    nlu = build_default_nlu(product_refs(CATALOGUE))
    errors = classify_stream(nlu, sys.stdin, sys.stdout)
    return 1 if errors else 0


def cmd_export_training(args: argparse.Namespace, settings: Settings) -> int:
    """Print the training examples as JSON Lines ``{"text","intent"}``."""
    export_training(sys.stdout, split=args.split, include_negatives=not args.no_negatives)
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``nlu`` command group."""
    nlu = sub.add_parser("nlu", help="intent classification").add_subparsers(
        dest="nlu_command", required=True
    )
    classify = nlu.add_parser(
        "classify", help='read JSON Lines {"text"} on stdin, write intents and entities'
    )
    classify.set_defaults(func=cmd_classify)
    export = nlu.add_parser(
        "export-training", help='print the training examples as JSON Lines {"text","intent"}'
    )
    export.add_argument("--split", choices=["train", "heldout", "all"], default="all")
    export.add_argument("--no-negatives", action="store_true", help="leave out the out-of-scope negatives")
    export.set_defaults(func=cmd_export_training)
