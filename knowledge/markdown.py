"""Just enough Markdown for help articles: internal links, ordered lists, plain-text passages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

#: ``[text](kb:article-id)``: group 1 is the text, group 2 the target id (may be empty)
KB_LINK_RE = re.compile(r"\[([^\]]*)\]\(kb:([^)\s]*)\)")
_ANY_LINK_RE = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_ORDERED_ITEM_RE = re.compile(r"^ {0,3}(\d{1,3})[.)]\s+(.*)$")
_BULLET_ITEM_RE = re.compile(r"^ {0,3}[-*+]\s+(.*)$")
_HEADING_RE = re.compile(r"^ {0,3}#{1,6}\s")
_EMPHASIS_RE = re.compile(
    r"(\*\*|__)(.+?)\1|(?<![\w*])\*(?!\s)([^*]+?)\*(?!\w)|(?<!\w)_(?!\s)([^_]+?)_(?!\w)"
)
_CODE_RE = re.compile(r"`([^`]*)`")
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
_SPACES_RE = re.compile(r"\s+")
#: sentences shorter than this are kept together with a neighbour in passages
SHORT_SENTENCE = 60


@dataclass(frozen=True, slots=True)
class KbLink:
    """An internal link found in an article body; ``line`` counts from the body's first line (1)."""

    text: str
    target: str
    line: int


def find_kb_links(body: str) -> Iterator[KbLink]:
    """Yield every ``[text](kb:id)`` link of ``body`` with its body-relative line number."""
    for number, line in enumerate(body.splitlines(), start=1):
        for match in KB_LINK_RE.finditer(line):
            yield KbLink(text=match.group(1), target=match.group(2), line=number)


def _emphasis_text(match: re.Match[str]) -> str:
    return match.group(2) or match.group(3) or match.group(4) or ""


def to_plain_text(markdown: str) -> str:
    """Inline Markdown to plain text: links keep their text, emphasis and code marks go, spaces collapse."""
    text = _ANY_LINK_RE.sub(r"\1", markdown)
    text = _CODE_RE.sub(r"\1", text)
    text = _EMPHASIS_RE.sub(_emphasis_text, text)
    return _SPACES_RE.sub(" ", text).strip()


def first_ordered_list(body: str) -> list[str]:
    """The items of the first ordered (numbered) list in ``body``, as plain text, in order.

    An item's indented continuation lines belong to it; a blank line ends the list unless the
    next non-blank line is another numbered item.
    """
    items: list[list[str]] = []
    pending_blank = False
    for line in body.splitlines():
        item = _ORDERED_ITEM_RE.match(line)
        if item:
            items.append([item.group(2)])
            pending_blank = False
            continue
        if not items:
            continue
        if not line.strip():
            pending_blank = True
            continue
        if line.startswith((" ", "\t")) and not _BULLET_ITEM_RE.match(line):
            items[-1].append(line.strip())
            continue
        if line.startswith((" ", "\t")):
            # a nested bullet under a step: keep its words with the step
            items[-1].append(line.strip().lstrip("-*+ ").strip())
            continue
        if not pending_blank and not _HEADING_RE.match(line):
            items[-1].append(line.strip())  # lazy continuation line
            continue
        break
    return [to_plain_text(" ".join(parts)) for parts in items]


_LINK_START, _LINK_END = "\x02", "\x03"
_MARKED_LINK_RE = re.compile(f"{_LINK_START}[^{_LINK_END}]*{_LINK_END}")


@dataclass(frozen=True, slots=True)
class Passage:
    """A plain-text sentence or list item, with the plain text of the heading it sits under.

    ``own_text`` is ``text`` without the text of internal ``kb:`` links: words that name
    another article rather than say something.
    """

    text: str
    heading: str
    own_text: str
    is_item: bool = False
    #: the last sentence of a paragraph that a bulleted list follows under the same heading (numbered
    #: steps are a procedure of their own, shown as steps)
    before_list: bool = False


def _passage(marked: str, heading: str, *, is_item: bool = False) -> Passage:
    text = marked.replace(_LINK_START, "").replace(_LINK_END, "")
    return Passage(text=text, heading=heading, own_text=_MARKED_LINK_RE.sub("", marked), is_item=is_item)


def passages(body: str) -> list[Passage]:
    """Split ``body`` into plain-text passages: one per list item, one per sentence of a paragraph.

    Headings are not passages themselves; each passage records the heading it sits under.
    """
    blocks: list[tuple[str, str, str]] = []  # (markdown text, "" or the list kind of an item, heading)
    current: list[str] = []
    current_kind = ""
    heading = ""

    def flush() -> None:
        if current:
            blocks.append((" ".join(current), current_kind, heading))
            current.clear()

    for raw in body.splitlines():
        line = raw.strip()
        if not line:
            flush()
            continue
        if _HEADING_RE.match(raw):
            flush()
            heading = to_plain_text(line.lstrip("#"))
            continue
        ordered = _ORDERED_ITEM_RE.match(raw)
        item = ordered or _BULLET_ITEM_RE.match(raw)
        if item:
            flush()
            current_kind = "ordered" if ordered else "bullet"
            current.append(item.group(item.lastindex or 1))
            continue
        if not current:
            current_kind = ""
        current.append(line)
    flush()

    out: list[Passage] = []
    for number, (block, kind, block_heading) in enumerate(blocks):
        plain = to_plain_text(KB_LINK_RE.sub(f"{_LINK_START}\\1{_LINK_END}", block))
        if kind:
            out.append(_passage(plain, block_heading, is_item=True))
            continue
        parts = [_passage(part, block_heading) for part in _sentences(plain)]
        following = blocks[number + 1] if number + 1 < len(blocks) else None
        if parts and following is not None and following[1] == "bullet" and following[2] == block_heading:
            parts[-1] = replace(parts[-1], before_list=True)  # the paragraph introduces the bullets after it
        out.extend(parts)
    return out


def _sentences(paragraph: str) -> list[str]:
    """The sentences of ``paragraph``; a short one is kept together with its neighbour."""
    merged: list[str] = []
    for sentence in _SENTENCE_END_RE.split(paragraph):
        if not sentence:
            continue
        if merged and (len(merged[-1]) < SHORT_SENTENCE or len(sentence) < SHORT_SENTENCE):
            merged[-1] = f"{merged[-1]} {sentence}"
        else:
            merged.append(sentence)
    return merged
