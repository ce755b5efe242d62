"""Text normalization and sparse features for the intent classifier.

A message becomes a list of lower-case word tokens in which order numbers, codes, tracking numbers, e-mail
addresses and plain numbers are replaced by shape tokens (``zznum``, ``zzordnum``, ...), so "#1001" and
"#2087" look the same to the model. Tokens the training corpus never saw are spelling-corrected towards the
in-domain vocabulary with rapidfuzz (OSA distance), and a long unknown token that is several words run
together ("whereismyorder") is split into them; then the tokens become word unigrams, word bigrams and
character n-grams.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

_APOSTROPHES = str.maketrans({"\u2019": "", "\u2018": "", "`": "", "'": ""})
_SHAPES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), " zzemail "),
    (re.compile(r"(?:https?://|www\.)\S+"), " zzurl "),
    (re.compile(r"#\s?\d{2,15}\b"), " zzordnum "),
    (re.compile(r"\b0\d{7,14}\b"), " zzordnum "),
    (re.compile(r"\b[a-z]{1,4}-\d{2,7}\b"), " zzcode "),
    (re.compile(r"\b(?=[a-z]*\d)(?=\d*[a-z])[a-z0-9]{10,34}\b"), " zztracking "),
    (re.compile(r"\b\d{10,34}\b"), " zztracking "),
    (re.compile(r"\b\d{3,9}\b"), " zznum "),
    (re.compile(r"\d+"), " zzdigit "),
)
#: amounts of money ($299, £45.99, 20 euros), replaced before accents and symbols are dropped
_MONEY = re.compile(
    r"[$\u00a3\u20ac]\s?\d[\d,]*(?:\.\d+)?|\b\d[\d,]*(?:\.\d+)?\s?(?:dollars|euros|pounds|bucks|usd|eur|gbp)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z]+")
#: tokens shorter than this are never spelling-corrected
MIN_CORRECTABLE = 4
CHAR_NGRAM_SIZES: tuple[int, ...] = (4,)
_CACHE_LIMIT = 20_000
#: run-on tokens at least this long are split into known words ("trackmyorder" -> track my order)
MIN_RUN_ON = 7
#: at most this many words come out of one run-on token
MAX_RUN_ON_WORDS = 5
#: the count an ordinary (out-of-scope corpus) word has in the run-on splitter's unigram model
GENERAL_WORD_COUNT = 5
_REPEATS = re.compile(r"([a-z])\1{2,}")


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens with entity shapes replaced (``"Where is #1001?"`` -> where, is, zzordnum).

    Accents are dropped ("héllo" -> "hello"); letters repeated three times or more are cut to two
    ("heyyy" -> "heyy", "pleeease" -> "pleease").
    """
    text = _MONEY.sub(" zzmoney ", text)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = text.lower().translate(_APOSTROPHES)
    for pattern, shape in _SHAPES:
        text = pattern.sub(shape, text)
    return _WORD.findall(_REPEATS.sub(r"\1\1", text))


def max_edits(token: str) -> int:
    """How many edits a spelling correction of ``token`` may make (0 for short tokens)."""
    if len(token) < MIN_CORRECTABLE:
        return 0
    return 1 if len(token) < 8 else 2


class Speller:
    """Corrects unknown or one-off tokens to a frequent in-domain word (same first letter, 1-2 OSA edits).

    ``general`` is the vocabulary of the out-of-scope corpus (ordinary English: never corrected);
    ``domain_counts`` counts the words of the in-domain examples. A domain word seen at least
    ``min_count`` times is kept and is a correction target; a rarer one (usually a typo written into the
    training data on purpose) is corrected like an unknown word, to the nearest target, the most frequent
    one on ties. Results are memoised per instance.
    """

    def __init__(self, general: Iterable[str], domain_counts: dict[str, int], min_count: int = 2) -> None:
        frequent = {
            word: n for word, n in domain_counts.items() if n >= min_count and not word.startswith("zz")
        }
        self._general = frozenset(general)
        self._keep = self._general | frozenset(frequent)
        self._counts = frequent
        by_letter: dict[str, list[str]] = {}
        for word in sorted(frequent):
            if len(word) >= MIN_CORRECTABLE - 1:
                by_letter.setdefault(word[0], []).append(word)
        self._targets = by_letter
        self._cache: dict[str, str] = {}
        self._splits: dict[str, tuple[str, ...]] = {}
        self._total = sum(frequent.values()) + GENERAL_WORD_COUNT * len(self._general) + 1.0

    def state(self) -> dict[str, object]:
        """What rebuilds this speller: ``Speller(**state)`` (the general words and the frequent domain words)."""
        return {"general": sorted(self._general), "domain_counts": dict(sorted(self._counts.items()))}

    def words(self, tokens: Iterable[str]) -> list[str]:
        """``tokens`` spelling-corrected, with run-on tokens split into their words."""
        out: list[str] = []
        for token in tokens:
            corrected = self.correct(token)
            if corrected == token and len(token) >= MIN_RUN_ON and token not in self._general:
                out.extend(self.split(token))
            else:
                out.append(corrected)
        return out

    def split(self, token: str) -> tuple[str, ...]:
        """``token`` split into known words ("whereismyorder" -> where, is, my, order), or ``(token,)``.

        The most likely split under a unigram model of the training words wins (Norvig's word
        segmentation): at most :data:`MAX_RUN_ON_WORDS` known words, each at least two letters long ("a"
        and "i" apart), one of them a frequent in-domain word, and more likely than the token itself. So a
        rare run-on seen in training ("myorder") is split too, while an ordinary word ("without") or an
        unknown product name is left whole.
        """
        cached = self._splits.get(token)
        if cached is not None:
            return cached
        size = len(token)
        # best[i]: the log-probability of the likeliest split of token[:i], and that split
        best: list[tuple[float, tuple[str, ...]] | None] = [None] * (size + 1)
        best[0] = (0.0, ())
        for end in range(1, size + 1):
            for start in range(max(0, end - 20), end):
                before = best[start]
                if before is None or len(before[1]) >= MAX_RUN_ON_WORDS:
                    continue
                piece = token[start:end]
                if piece == token or not (len(piece) >= 2 or piece in ("a", "i")) or piece not in self._keep:
                    continue
                score = before[0] + self._log_probability(piece)
                current = best[end]
                if current is None or score > current[0]:
                    best[end] = (score, (*before[1], piece))
        found = best[size]
        result = (token,)
        if (
            found is not None
            and any(word in self._counts for word in found[1])
            and (token not in self._keep or found[0] > self._log_probability(token))
        ):
            result = found[1]
        if len(self._splits) >= _CACHE_LIMIT:
            self._splits.clear()
        self._splits[token] = result
        return result

    def _log_probability(self, word: str) -> float:
        """log P(word) under a unigram model: in-domain document counts, ordinary words a nominal count."""
        count = self._counts.get(word, 0) + (GENERAL_WORD_COUNT if word in self._general else 0)
        return math.log((count + 0.5) / self._total)

    def correct(self, token: str) -> str:
        """The corrected token, or ``token`` itself when it is known or nothing is close enough."""
        if token in self._keep:
            return token
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        result = token
        limit = max_edits(token)
        candidates = self._targets.get(token[0]) if limit else None
        if candidates:
            matches = process.extract(token, candidates, scorer=OSA.distance, score_cutoff=limit, limit=None)
            if matches:
                result = min(matches, key=lambda m: (m[1], -self._counts[m[0]], m[0]))[0]
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[token] = result
        return result


@dataclass(frozen=True, slots=True)
class Span:
    """Words ``start``..``end`` (exclusive) of a message are a phrase of lexicon concept ``concept``."""

    start: int
    end: int
    concept: str


def abstract_stream(tokens: list[str], spans: Sequence[Span]) -> list[str]:
    """The tokens with each concept span replaced by ``@concept`` ("lodge a reclamation" -> lodge a @complaint)."""
    out: list[str] = []
    at = 0
    for span in spans:
        out.extend(tokens[at : span.start])
        out.append("@" + span.concept)
        at = span.end
    out.extend(tokens[at:])
    return out


def extract_features(
    tokens: list[str],
    char_ngrams: tuple[int, ...] = CHAR_NGRAM_SIZES,
    concepts: Sequence[str] = (),
    spans: Sequence[Span] = (),
    *,
    abstract_only: bool = False,
) -> list[str]:
    """Sparse binary features of a message.

    - length bucket, word unigrams, bigrams (with a start marker) and character n-grams;
    - the lexicon concepts of the message (``k:refund``) with every pair of them (``kk:cancel|order``);
    - bigrams over the message with its concept ``spans`` abstracted (``a:lodge @complaint``), so a frame
      learnt with one synonym carries over to the others.

    ``abstract_only`` leaves out the words inside concept spans (their unigrams, bigrams and character
    n-grams): training adds such rows so that the model learns to decide from the concepts alone, as it
    must for a synonym it never saw.
    """
    # a dict keeps the features in a fixed order (a set's order changes with the hash seed, and so would
    # the float sums of training): trained weights are the same in every run
    feats: dict[str, None] = {f"n:{min(len(tokens), 6)}": None}
    add = feats.setdefault
    for i, concept in enumerate(concepts):
        add("k:" + concept)
        for other in concepts[i + 1 :]:
            add("kk:" + "|".join(sorted((concept, other))))
    inside: set[int] = set()
    if spans:
        for span in spans:
            inside.update(range(span.start, span.end))
        previous = "^"
        for token in abstract_stream(tokens, spans):
            add("a:" + previous + " " + token)
            previous = token
    previous = "^"
    for i, token in enumerate(tokens):
        if abstract_only and i in inside:
            previous = "@"
            continue
        add("w:" + token)
        if previous != "@":
            add("b:" + previous + " " + token)
        previous = token
        if token.startswith("zz"):
            continue
        padded = "<" + token + ">"
        size = len(padded)
        for n in char_ngrams:
            if n > size:
                continue
            for start in range(size - n + 1):
                add("c:" + padded[start : start + n])
    return list(feats)
