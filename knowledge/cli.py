"""The ``doorstep kb check`` and ``doorstep kb search`` commands (the CLI module wires them in)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from .errors import KnowledgeError
from .loader import load_knowledge_base, scan_knowledge_base
from .search import SearchIndex


def _one_line(error: KnowledgeError) -> str:
    return " ".join(str(error).split())


def run_check(directory: Path, out: TextIO) -> int:
    """Print every problem of the knowledge base as ``path:line: message``; exit code 0 if clean, 1 if not.

    A clean knowledge base prints ``N articles OK``.
    """
    scan = scan_knowledge_base(Path(directory))
    for error in scan.errors:
        print(_one_line(error), file=out)
    if scan.errors:
        count = len(scan.errors)
        print(f"{count} problem{'s' if count != 1 else ''} found", file=out)
        return 1
    print(f"{len(scan.articles)} articles OK", file=out)
    return 0


def run_search(
    directory: Path,
    query: str,
    out: TextIO,
    limit: int = 3,
    *,
    products: Sequence[str] = (),
    intent: str | None = None,
) -> int:
    """Print the best articles for ``query``: rank, score, id and title, then the snippet indented.

    Exit code 1 if the knowledge base does not load (the first problem is printed), else 0.
    """
    try:
        kb = load_knowledge_base(Path(directory))
    except KnowledgeError as exc:
        print(_one_line(exc), file=out)
        return 1
    hits = SearchIndex.build(kb.articles).search(query, limit=limit, products=products, intent=intent)
    if not hits:
        print("no matching articles", file=out)
        return 0
    for rank, hit in enumerate(hits, start=1):
        print(f"{rank}. {hit.score:.2f}  {hit.article.id}  {hit.article.title}", file=out)
        print(f"   {hit.snippet}", file=out)
    return 0
