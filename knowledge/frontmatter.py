"""Split an article file into its YAML front matter and Markdown body, keeping file line numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import FrontMatterSyntaxError, MissingFrontMatterError, UnreadableArticleError

_FENCE = "---"
_CLOSERS = ("---", "...")
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class RawArticle:
    """An article file split but not yet validated.

    ``key_lines`` maps each top-level front matter key to its file line, ``item_lines`` maps each
    list-valued key to the file lines of its items. ``body_line`` is the file line of the body's
    first line.
    """

    path: Path
    data: Any
    front_matter_line: int
    body: str
    body_line: int
    key_lines: dict[str, int] = field(default_factory=dict)
    item_lines: dict[str, list[int]] = field(default_factory=dict)


def read_article_file(path: Path) -> RawArticle:
    """Read ``path`` and split it; raises ``MissingFrontMatterError`` or ``FrontMatterSyntaxError``."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UnreadableArticleError(f"cannot read article: {exc}", path=path, line=1) from exc
    return split_article(text, path)


def split_article(text: str, path: Path) -> RawArticle:
    """Split article ``text`` (read from ``path``) into parsed front matter and body."""
    lines = text.splitlines()
    if not lines or lines[0].rstrip() != _FENCE:
        raise MissingFrontMatterError(
            "missing front matter: the file must start with a '---' line followed by YAML fields",
            path=path,
            line=1,
        )
    closing = next((i for i in range(1, len(lines)) if lines[i].rstrip() in _CLOSERS), None)
    if closing is None:
        raise MissingFrontMatterError(
            "front matter opened on line 1 is never closed with a '---' line", path=path, line=1
        )
    yaml_text = "\n".join(lines[1:closing])
    data, key_lines, item_lines = _parse_yaml(yaml_text, path=path, first_line=2)
    return RawArticle(
        path=path,
        data=data,
        front_matter_line=1,
        body="\n".join(lines[closing + 1 :]),
        body_line=closing + 2,
        key_lines=key_lines,
        item_lines=item_lines,
    )


def _parse_yaml(
    yaml_text: str, *, path: Path, first_line: int
) -> tuple[Any, dict[str, int], dict[str, list[int]]]:
    loader = _YAML_LOADER(yaml_text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + mark.line if mark is not None else first_line
        context = exc.context or ""
        if context and exc.context_mark is not None and first_line + exc.context_mark.line != line:
            context = f"{context} (line {first_line + exc.context_mark.line})"
        problem = ": ".join(part for part in (context, exc.problem) if part)
        raise FrontMatterSyntaxError(
            f"YAML syntax error in front matter: {problem}", path=path, line=line
        ) from exc
    except yaml.YAMLError as exc:
        raise FrontMatterSyntaxError(
            f"YAML syntax error in front matter: {exc}", path=path, line=first_line
        ) from exc
    finally:
        loader.dispose()

    key_lines: dict[str, int] = {}
    item_lines: dict[str, list[int]] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key_lines[key_node.value] = first_line + key_node.start_mark.line
            if isinstance(value_node, yaml.SequenceNode):
                item_lines[key_node.value] = [first_line + item.start_mark.line for item in value_node.value]
    return data, key_lines, item_lines
