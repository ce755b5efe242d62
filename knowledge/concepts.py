"""What the lexicon's concepts add to search: concept terms, phrase words and product mentions.

Shoppers and articles name the same thing in different words ("reimbursement" / "refund", "robot
hoover" / "robot vacuum"). The index therefore holds, beside its word terms, one *concept term*
per lexicon concept (``~refund``) wherever one of the concept's words or phrases occurs, weighted
by field like any other term; a query carries the concept terms of its own words. A phrase the
lexicon knows stands for its meaning, not its words: in "the courier left a card" the words
"left" and "card" (no concept on their own) count for less, so the Gift cards article no longer
wins on "card".

Negative contractions are matched as their two words ("isnt" as "is not", "wont" as "will not"),
in the text and in the lexicon alike, so "this isn't what I ordered" meets "not what i ordered".

Concept terms start with ``~``, which the analyzer never produces, so they cannot collide with words.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .lexicon import ConceptMatch, Lexicon
from .text import QUERY_FILLERS, STOP_WORDS, Analyzer

CONCEPT_PREFIX = "~"


def concept_term(concept: str) -> str:
    """The index term of a concept."""
    return CONCEPT_PREFIX + concept


def is_concept_term(term: str) -> bool:
    """Whether ``term`` is a concept term rather than a word."""
    return term.startswith(CONCEPT_PREFIX)


@dataclass(frozen=True, slots=True)
class QueryWord:
    """A query's search term; whether a multi-word lexicon phrase covers its word, or a product type.

    ``in_lexicon``: the word is one of the lexicon's words, so its meaning is known even where no
    article uses it ("stuff" is an order): search does not take it for a typo of another word.
    """

    term: str
    in_phrase: bool
    names_product: bool = False
    in_lexicon: bool = False


@dataclass(frozen=True, slots=True)
class QueryAnalysis:
    """A query's terms (in order, stop words dropped), its concepts and the products it names."""

    words: tuple[QueryWord, ...]
    concepts: frozenset[str]
    product_types: frozenset[str]
    #: the concepts that some words mean only ("arrived cracked" is damage alone; "broken" is damage
    #: and a symptom, so it does not count here)
    plain_concepts: frozenset[str] = frozenset()


#: negative contractions (apostrophes are already dropped) -> their two words
CONTRACTIONS: dict[str, tuple[str, ...]] = {
    "dont": ("do", "not"),
    "doesnt": ("does", "not"),
    "didnt": ("did", "not"),
    "isnt": ("is", "not"),
    "arent": ("are", "not"),
    "wasnt": ("was", "not"),
    "werent": ("were", "not"),
    "hasnt": ("has", "not"),
    "havent": ("have", "not"),
    "hadnt": ("had", "not"),
    "wont": ("will", "not"),
    "cant": ("can", "not"),
    "cannot": ("can", "not"),
    "couldnt": ("could", "not"),
    "wouldnt": ("would", "not"),
    "shouldnt": ("should", "not"),
}


def expand_contractions(words: Iterable[str]) -> list[str]:
    """``words`` with every negative contraction written as its two words."""
    out: list[str] = []
    for word in words:
        out.extend(CONTRACTIONS.get(word, (word,)))
    return out


class ConceptAnalyzer:
    """Finds lexicon concepts in text with the search analyzer's words (phrases folded the same way)."""

    def __init__(self, analyzer: Analyzer, lexicon: Lexicon) -> None:
        self._analyzer = analyzer
        self._lexicon = lexicon
        #: the lexicon as matched: its phrases with contractions expanded like the text's words
        self._matcher = Lexicon(
            {
                concept: list(dict.fromkeys(" ".join(expand_contractions(p.split())) for p in phrases))
                for concept, phrases in lexicon.groups.items()
            },
            product_types=sorted(lexicon.product_types),
        )
        #: every word of the lexicon's phrases
        self._lexicon_words = frozenset(
            word for phrases in self._matcher.groups.values() for phrase in phrases for word in phrase.split()
        )
        #: words that are a concept on their own ("return" in "can i return" keeps its full weight)
        self._concept_words = frozenset(
            phrase for phrases in self._matcher.groups.values() for phrase in phrases if " " not in phrase
        )

    @property
    def lexicon(self) -> Lexicon:
        """The lexicon the concepts come from."""
        return self._lexicon

    def matches(self, words: list[str]) -> list[ConceptMatch]:
        """The lexicon's matches in ``words``, less those inside a longer phrase of another concept.

        "arrived damaged" is damage, not also an arrival; "desk chair" is a chair, not also a desk.
        """
        return _outermost(self._matcher.matches(words))

    def concept_counts(self, texts: Iterable[str]) -> Counter[str]:
        """Concept term -> occurrences in ``texts`` (each text matched on its own)."""
        counts: Counter[str] = Counter()
        for text in texts:
            for match in self.matches(expand_contractions(self._analyzer.words(text))):
                counts[concept_term(match.concept)] += 1
        return counts

    def analyze(self, query: str, known: Callable[[str], bool] | None = None) -> QueryAnalysis:
        """The query's terms, marking those inside a known phrase, with its concepts and products.

        With ``known`` (is this term in the index?), an unknown run-on word made of two known
        words is split ("giftcard" -> "gift card"). Conversational fillers ("asap", "tomorrow")
        are dropped like stop words.
        """
        words = expand_contractions(self._analyzer.words(query))
        if known is not None:
            words = self._split_run_ons(words, known)
        found = self._matcher.matches(words)
        matches = _outermost(found)
        kinds = self._lexicon.product_types
        #: the concepts each word has on its own ("late": lateness), kept or hidden by a longer phrase
        own: dict[int, set[str]] = {}
        for match in found:
            if match.end - match.start == 1:
                own.setdefault(match.start, set()).add(match.concept)
        covered: set[int] = set()
        product: set[int] = set()
        for match in matches:
            if match.concept in kinds:
                product.update(range(match.start, match.end))
            elif match.end - match.start > 1:
                # a word keeps its weight where it means its own concept here ("return" in "can i
                # return"), not where a longer phrase of another concept took it ("late" in "too late")
                covered.update(
                    i
                    for i in range(match.start, match.end)
                    if not any(m.concept in own.get(i, ()) and m.start <= i < m.end for m in matches)
                )
        out = tuple(
            QueryWord(
                term=self._analyzer.term(word),
                in_phrase=position in covered,
                names_product=position in product,
                in_lexicon=word in self._lexicon_words,
            )
            for position, word in enumerate(words)
            if word not in STOP_WORDS and word not in QUERY_FILLERS
        )
        return QueryAnalysis(
            words=out,
            concepts=frozenset(match.concept for match in matches),
            product_types=frozenset(m.concept for m in matches if m.concept in self._lexicon.product_types),
            plain_concepts=frozenset(
                match.concept
                for match in matches
                if not any(
                    other.concept != match.concept and other.start < match.end and match.start < other.end
                    for other in matches
                )
            ),
        )

    def _split_run_ons(self, words: list[str], known: Callable[[str], bool]) -> list[str]:
        out: list[str] = []
        term = self._analyzer.term
        for word in words:
            if (
                len(word) < 2 * MIN_SPLIT_PART
                or not word.isalpha()
                or known(term(word))
                or word in self._concept_words
            ):
                out.append(word)
                continue
            splits = [
                (word[:i], word[i:])
                for i in range(MIN_SPLIT_PART, len(word) - MIN_SPLIT_PART + 1)
                if word[:i] not in STOP_WORDS
                and word[i:] not in STOP_WORDS
                and known(term(word[:i]))
                and known(term(word[i:]))
            ]
            if splits:
                # the most even split: "giftcard" -> "gift card" rather than a short fragment
                out.extend(min(splits, key=lambda parts: abs(len(parts[0]) - len(parts[1]))))
            else:
                out.append(word)
        return out


#: each part of a split run-on word has at least this many letters
MIN_SPLIT_PART = 3


def _outermost(found: list[ConceptMatch]) -> list[ConceptMatch]:
    """``found`` less the matches inside a longer phrase of another concept."""
    return [match for match in found if not any(_inside(match, other) for other in found)]


def _inside(match: ConceptMatch, other: ConceptMatch) -> bool:
    """Whether ``match`` lies within a longer match of another concept."""
    return (
        other.concept != match.concept
        and other.start <= match.start
        and match.end <= other.end
        and other.end - other.start > match.end - match.start
    )
