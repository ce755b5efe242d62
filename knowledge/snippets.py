"""Pick the passage of an article that best answers a query, for showing under a search hit."""

from __future__ import annotations

import re
from collections.abc import Mapping
from itertools import takewhile

from .article import Article, shorten
from .markdown import passages
from .text import Analyzer

#: words after which a list's items finish the sentence, without a colon ("we can: change the size")
_CONTINUED = frozenset(
    "to when if can that bring and or the a an we you will may must should is are be of for with by from "
    "because where while including such as".split()
)
_SENTENCE_START = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
#: "...; or" / "...; and" at the end of a list item: joins it to the next item, not part of the sentence
_TRAILING_JOINER = re.compile(r"[;,]?\s+(?:or|and)\W*$", re.I)

#: how much a query term counts when it is only in the passage's heading, not the passage
HEADING_SHARE = 0.5
#: the same for the first passage under a heading, which usually answers the heading
LEAD_HEADING_SHARE = 1.0
#: words kept before the first matching word when a long passage has to be cut
LEAD_WORDS = 6
#: a passage leading into a list shows the list's items, up to this many characters in all
LIST_CHARS = 480


def with_lead_in(text: str, lead_in: str) -> tuple[str, str]:
    """How a passage is shown (empty: never on its own), and the lead-in for the next one.

    A list item that only finishes the sentence before the list ("You can ask us at any time to:"
    then "delete your chat history;") is shown as that whole sentence ("You can ask us at any time to
    delete your chat history."). The colon stays after a lead-in that is a sentence of its own ("You
    have two options: refuse the delivery ..."). ``lead_in`` is the last sentence before the list,
    kept while its items follow; a passage ending with a colon starts a new one, and is never shown
    when it is that one sentence alone.
    """
    if lead_in and text[:1].islower():
        words = lead_in.split()
        joint = " " if words and words[-1].lower() in _CONTINUED else ": "
        item = _TRAILING_JOINER.sub("", text).rstrip(";,. ")
        return f"{lead_in}{joint}{item}.", lead_in
    if not text.endswith(":"):
        return text, ""
    # a passage that is only the sentence leading into the list says nothing on its own
    *before, lead = _SENTENCE_START.split(text[:-1].rstrip())
    return (text if before else ""), lead


def with_items(text: str, items: list[str], max_chars: int = LIST_CHARS) -> str:
    """A passage that leads into a list ("If it has not arrived:"), followed by the list's items.

    One item per line; items that would take the whole over ``max_chars`` are left for the
    article's link, marked by an ellipsis.
    """
    lines = [text]
    size = len(text)
    for item in items:
        line = f"• {item}"
        if size + 1 + len(line) > max_chars:
            lines.append("…")
            break
        lines.append(line)
        size += 1 + len(line)
    return "\n".join(lines)


class SnippetPicker:
    """Scores an article's passages against query terms; caches each article's analysed passages."""

    def __init__(self, analyzer: Analyzer, idf: Mapping[str, float], *, max_chars: int) -> None:
        self._analyzer = analyzer
        self._idf = idf
        self._max_chars = max_chars
        self._cache: dict[str, list[tuple[str, frozenset[str], frozenset[str], bool]]] = {}

    def snippet(self, article: Article, terms: Mapping[str, float]) -> str:
        """The passage sharing the rarest query terms with ``terms`` (the body's start if none does)."""
        return self.matching_passage(article, terms) or article.summary(self._max_chars)

    def matching_passage(self, article: Article, terms: Mapping[str, float]) -> str | None:
        """The passage sharing the rarest query terms with ``terms``; None when no passage shares one.

        A passage scores the inverse document frequency of each query term it contains (words of
        links to other articles do not count), plus a
        share of that for terms found only in its heading (the full amount for the first passage
        under the heading, which answers the heading: "how much is shipping" finds the first
        passage under "Shipping costs" even when it says "delivery"); the earliest best passage wins.
        """
        best_text, best_score = "", 0.0
        for text, own, heading, is_lead in self._passages(article):
            if not text:  # a lead-in alone ("You can ask us to:"): its items, which repeat it, answer
                continue
            share = LEAD_HEADING_SHARE if is_lead else HEADING_SHARE
            score = 0.0
            matched = False
            for term, factor in terms.items():
                if term in own:
                    score += self._idf.get(term, 0.0) * factor
                    matched = True
                elif term in heading:
                    score += share * self._idf.get(term, 0.0) * factor
                    matched = matched or is_lead  # the first passage under a heading answers it
            if matched and score > best_score:
                best_text, best_score = text, score
        if not best_text:
            return None
        return self._focus(best_text, terms)

    def _passages(self, article: Article) -> list[tuple[str, frozenset[str], frozenset[str], bool]]:
        """(text, its terms, its heading's terms, first under its heading) per passage, cached."""
        cached = self._cache.get(article.id)
        if cached is None:
            analyse = self._analyzer.terms
            cached = []
            previous_heading: str | None = None
            lead_in = ""
            body = passages(article.body)
            for i, passage in enumerate(body):
                is_lead = bool(passage.heading) and passage.heading != previous_heading
                previous_heading = passage.heading
                shown, lead_in = with_lead_in(passage.text, lead_in)
                if shown and (shown.endswith(":") or passage.before_list):  # the list it introduces answers too
                    items = [p.text for p in takewhile(lambda p: p.is_item, body[i + 1 :])]
                    shown = with_items(shown, items)
                cached.append(
                    (
                        shown,
                        frozenset(analyse(passage.own_text)),
                        frozenset(analyse(passage.heading)),
                        is_lead,
                    )
                )
            self._cache[article.id] = cached
        return cached

    def _focus(self, text: str, terms: Mapping[str, float]) -> str:
        """Cut a long passage so that it starts a few words before its first matching word.

        A passage with its list's items is already cut to :data:`LIST_CHARS`.
        """
        if len(text) <= self._max_chars or "\n" in text:
            return text
        words = text.split(" ")
        first_match = next(
            (i for i, word in enumerate(words) if any(t in terms for t in self._analyzer.terms(word))), 0
        )
        start = max(0, first_match - LEAD_WORDS)
        prefix = "…" if start else ""
        return prefix + shorten(" ".join(words[start:]), self._max_chars - len(prefix))
