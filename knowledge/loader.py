"""Load a knowledge base directory: every ``*.md`` file below it is one article.

``load_knowledge_base`` stops at the first problem (in file and line order);
``check_knowledge_base`` returns all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .article import Article
from .base import KnowledgeBase
from .errors import BrokenLinkError, DuplicateIdError, KnowledgeDirectoryError, KnowledgeError
from .frontmatter import RawArticle, read_article_file
from .markdown import find_kb_links
from .schema import article_from_raw


@dataclass(slots=True)
class ScanResult:
    """The valid articles of a directory and every problem found, in file and line order."""

    articles: list[Article] = field(default_factory=list)
    errors: list[KnowledgeError] = field(default_factory=list)


def load_knowledge_base(directory: Path) -> KnowledgeBase:
    """Load and validate every article under ``directory``; raises the first ``KnowledgeError``."""
    scan = scan_knowledge_base(directory)
    if scan.errors:
        raise scan.errors[0]
    return KnowledgeBase(scan.articles)


def check_knowledge_base(directory: Path) -> list[KnowledgeError]:
    """Every problem of the articles under ``directory``, in file and line order (empty when clean)."""
    return scan_knowledge_base(directory).errors


def scan_knowledge_base(directory: Path) -> ScanResult:
    """Read and validate every article under ``directory`` without stopping at problems."""
    return _scan(Path(directory))


def article_files(directory: Path) -> list[Path]:
    """The article files of ``directory``: every ``*.md`` below it, sorted by path."""
    return sorted(path for path in directory.rglob("*.md") if path.is_file())


def _scan(directory: Path) -> ScanResult:
    scan = ScanResult()
    if not directory.is_dir():
        scan.errors.append(KnowledgeDirectoryError("knowledge base directory does not exist", path=directory))
        return scan
    files = article_files(directory)
    if not files:
        scan.errors.append(KnowledgeDirectoryError("no article (*.md) files found", path=directory))
        return scan

    raws: list[RawArticle] = []
    unparsed_stems: set[str] = set()
    for path in files:
        try:
            raw = read_article_file(path)
        except KnowledgeError as exc:
            scan.errors.append(exc)
            unparsed_stems.add(path.stem)
            continue
        raws.append(raw)
        article, problems = article_from_raw(raw)
        scan.errors.extend(problems)
        if article is not None:
            scan.articles.append(article)

    known_ids = _check_duplicate_ids(raws, scan.errors)
    # a file whose front matter cannot be read probably declares the id of its file name:
    # links to it are not reported as broken on top of its own error
    _check_links(raws, known_ids | unparsed_stems, scan.errors)
    scan.errors.sort(key=KnowledgeError.sort_key)
    return scan


def _declared_id(raw: RawArticle) -> str | None:
    value = raw.data.get("id") if isinstance(raw.data, dict) else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def _check_duplicate_ids(raws: list[RawArticle], errors: list[KnowledgeError]) -> set[str]:
    first_seen: dict[str, RawArticle] = {}
    for raw in raws:
        article_id = _declared_id(raw)
        if article_id is None:
            continue
        first = first_seen.get(article_id)
        if first is None:
            first_seen[article_id] = raw
            continue
        errors.append(
            DuplicateIdError(
                f"duplicate id '{article_id}': {raw.path} and {first.path}:{first.key_lines.get('id', 1)} "
                "both use it",
                path=raw.path,
                line=raw.key_lines.get("id", raw.front_matter_line),
            )
        )
    return set(first_seen)


def _check_links(raws: list[RawArticle], known_ids: set[str], errors: list[KnowledgeError]) -> None:
    for raw in raws:
        for link in find_kb_links(raw.body):
            if link.target not in known_ids:
                errors.append(
                    BrokenLinkError(
                        f"broken internal link 'kb:{link.target}': no article has id '{link.target}'",
                        path=raw.path,
                        line=raw.body_line + link.line - 1,
                    )
                )
