"""``doorstep nlu classify``, ``doorstep nlu export-training`` and ``doorstep nlu train``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from bot.config import Settings
from bot.demo.catalogue import CATALOGUE
from bot.nlu.classifier import IntentClassifier
from bot.nlu.cli import classify_stream, export_training
from bot.nlu.corpus import default_training_set
from bot.nlu.model_file import default_model_path, save_classifier, training_fingerprint
from bot.nlu.nlu import build_default_nlu, product_refs


def cmd_classify(args: argparse.Namespace, settings: Settings) -> int:
    """JSON Lines ``{"text"}`` on stdin -> ``{"text","intent","confidence","entities"}`` on stdout."""
    nlu = build_default_nlu(product_refs(CATALOGUE))
    errors = classify_stream(nlu, sys.stdin, sys.stdout)
    return 1 if errors else 0


def cmd_export_training(args: argparse.Namespace, settings: Settings) -> int:
    """Print the training examples as JSON Lines ``{"text","intent"}``."""
    export_training(
        sys.stdout,
        split=args.split,
        include_negatives=not args.no_negatives,
        include_generated=not args.no_generated,
    )
    return 0


def cmd_train(args: argparse.Namespace, settings: Settings) -> int:
    """Train the intent model on the bundled data and write it (the shipped model by default)."""
    out = Path(args.out) if args.out else default_model_path()
    started = time.perf_counter()
    examples = default_training_set()
    classifier = IntentClassifier.train(examples)
    save_classifier(classifier, out, fingerprint=training_fingerprint())
    size = out.stat().st_size / 1e6
    print(
        f"trained on {len(examples)} examples in {time.perf_counter() - started:.1f} s; "
        f"wrote {out} ({len(classifier.weights)} features, {size:.1f} MB)"
    )
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
    export.add_argument(
        "--no-generated", action="store_true", help="leave out the generated and CLINC150 examples"
    )
    export.set_defaults(func=cmd_export_training)
    train = nlu.add_parser("train", help="train the intent model on the bundled data and write it")
    train.add_argument("--out", help="where to write the model (default: the shipped model file)")
    train.set_defaults(func=cmd_train)
