"""Shopper vocabulary: concept groups of synonyms shared by the NLU and help-article search.

``knowledge/lexicon.yaml`` maps a concept (``order``, ``refund``, ``person`` ...) to the words and
phrases shoppers use for it ("purchase", "parcel", "money back", "customer service"). The NLU adds
a concept feature wherever one of them occurs, so a frame it never saw with "reimbursement" still
looks like one with "refund"; search expands a query with the concept's other words.

Typical use::

    lexicon = Lexicon.bundled()
    lexicon.concepts(["where", "is", "my", "money", "back"])   # -> ["refund"]

Some concepts name kinds of product ("router", "kettle" ...); the file lists them under
``product_types``, so search can tell a product the shopper mentions from what they say about it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from .errors import KnowledgeError

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: particles of phrasal verbs: a two-word phrase "verb particle" ("send back", "call off") also matches
#: with up to :data:`MAX_OBJECT_WORDS` words between them ("send the kettle back", "call it off")
PARTICLES = frozenset({"back", "off", "up", "out", "down", "away", "over"})
MAX_OBJECT_WORDS = 2
LEXICON_FILE = Path(__file__).resolve().parent / "lexicon.yaml"


class LexiconError(KnowledgeError):
    """The lexicon file is missing or malformed (the message names the file and the entry)."""


@dataclass(frozen=True, slots=True)
class ConceptMatch:
    """One occurrence of a concept: the concept, the matched words and where they start and end."""

    concept: str
    phrase: str
    start: int
    end: int


class Lexicon:
    """Concept groups with a phrase matcher over lower-case word tokens (longest phrase first)."""

    def __init__(self, groups: Mapping[str, Sequence[str]], *, product_types: Sequence[str] = ()) -> None:
        self._groups: dict[str, tuple[str, ...]] = {name: tuple(words) for name, words in groups.items()}
        unknown = [name for name in product_types if name not in self._groups]
        if unknown:
            raise LexiconError(f"product types name no concept: {', '.join(unknown)}")
        self._product_types = frozenset(product_types)
        #: first word -> [(phrase words, concept)], longest phrases first
        index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        #: verb -> [(particle, concept)] of the two-word phrasal verbs, which may be split by their object
        separable: dict[str, list[tuple[str, str]]] = {}
        for concept, phrases in self._groups.items():
            for phrase in phrases:
                words = tuple(phrase.split())
                index.setdefault(words[0], []).append((words, concept))
                if len(words) == 2 and words[1] in PARTICLES:
                    separable.setdefault(words[0], []).append((words[1], concept))
        for entries in index.values():
            entries.sort(key=lambda entry: -len(entry[0]))
        self._index = index
        self._separable = separable

    @classmethod
    def load(cls, path: Path | str) -> Lexicon:
        """Read a lexicon YAML file; raises :class:`LexiconError` naming the file."""
        source = Path(path)
        try:
            data = yaml.load(source.read_text(encoding="utf-8"), Loader=_LOADER)
        except (OSError, yaml.YAMLError) as exc:
            raise LexiconError(f"{source}: cannot read the lexicon: {exc}") from exc
        concepts = data.get("concepts") if isinstance(data, dict) else None
        if not isinstance(concepts, dict) or not concepts:
            raise LexiconError(f"{source}: top-level 'concepts' mapping is missing")
        groups: dict[str, list[str]] = {}
        for name, words in concepts.items():
            if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
                raise LexiconError(f"{source}: concepts.{name} must be a list of non-empty strings")
            groups[str(name)] = [" ".join(w.lower().split()) for w in words]
        product_types = data.get("product_types") or []
        if not isinstance(product_types, list) or not all(isinstance(p, str) for p in product_types):
            raise LexiconError(f"{source}: product_types must be a list of concept names")
        try:
            return cls(groups, product_types=product_types)
        except LexiconError as exc:
            raise LexiconError(f"{source}: {exc}") from exc

    @staticmethod
    @cache
    def bundled() -> Lexicon:
        """The lexicon shipped with doorstep (read once per process)."""
        return Lexicon.load(LEXICON_FILE)

    @property
    def groups(self) -> Mapping[str, tuple[str, ...]]:
        """Every concept and its words and phrases."""
        return self._groups

    @property
    def product_types(self) -> frozenset[str]:
        """The concepts that name a kind of product ("router", "kettle" ...)."""
        return self._product_types

    def synonyms(self, concept: str) -> tuple[str, ...]:
        """The words and phrases of ``concept`` (empty for an unknown concept)."""
        return self._groups.get(concept, ())

    def matches(self, words: Sequence[str]) -> list[ConceptMatch]:
        """Every concept occurrence in ``words`` (lower-case tokens), longest phrase at each position.

        A word may belong to several concepts ("broken" is damage and a symptom): each is reported.
        A phrasal verb split by its object ("send the kettle back") matches from the verb to the particle.
        """
        found: list[ConceptMatch] = []
        index = self._index
        n = len(words)
        for start, word in enumerate(words):
            entries = index.get(word)
            if not entries:
                continue
            seen: set[str] = set()
            for phrase, concept in entries:
                end = start + len(phrase)
                if concept in seen or end > n:
                    continue
                if len(phrase) == 1 or tuple(words[start:end]) == phrase:
                    seen.add(concept)
                    found.append(ConceptMatch(concept, " ".join(phrase), start, end))
            for particle, concept in self._separable.get(word, ()):
                if concept in seen:
                    continue
                for end in range(start + 3, min(n, start + 2 + MAX_OBJECT_WORDS) + 1):
                    if words[end - 1] == particle:
                        seen.add(concept)
                        found.append(ConceptMatch(concept, f"{word} {particle}", start, end))
                        break
        return found

    def concepts(self, words: Sequence[str]) -> list[str]:
        """The concepts occurring in ``words``, in order of first occurrence, each once."""
        out: list[str] = []
        for match in self.matches(words):
            if match.concept not in out:
                out.append(match.concept)
        return out
