"""Finding the shop's products in a message: SKUs, name phrases, head nouns, synonyms and typos.

Aliases are derived from the catalogue itself, so any shop's product list works:
- the SKU ("ES-900", "es900", "es 900");
- every 2-3 word phrase of a product name ("espresso machine", "running shoes") that has a non-generic
  word or is the name's last two words ("gift card");
- single name words that belong to at most two products and are not generic English ("thermostat",
  "desk", "router"; but not "pro", "smart", "home", "set"). A few generic nouns ("book", "machine",
  "set", "cover") count only right after "my/the/this/that/your";
- shopper synonyms ("hoover" -> vacuum, "coffee maker" -> espresso machine, "sneakers" -> shoes);
- typos of single name words (rapidfuzz OSA distance: 1 edit from 6 letters, 2 from 8; 5-letter words
  only by an inserted/dropped letter or a swap), never for words the caller says are ordinary English.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel


@dataclass(frozen=True, slots=True)
class ProductRef:
    """A product the NLU can recognise: the engine builds these from storage or the demo catalogue."""

    sku: str
    name: str
    category: str

    def to_dict(self) -> dict[str, str]:
        """JSON form."""
        return {"sku": self.sku, "name": self.name, "category": self.category}


#: name words that never identify a product on their own
GENERIC_WORDS = frozenset(
    """
    a an and the of for with in on to by my your our pro plus max mini smart home set book cover card gift
    machine indoor outdoor office running rain charging organic cotton linen noise cancelling standing robot
    sound clean view link lift quiet tone trail shell cloud run power blend secure sense aura mesh ergo seat
    wi fi wifi usb c new black white grey gray blue red green pack kit one two air light classic original
    edition series model portable wireless electric digital premium deluxe basic large small medium
    """.split()
)
#: generic nouns that identify a product when a determiner comes right before them ("my machine")
DETERMINED_NOUNS = frozenset({"book", "machine", "set", "cover"})
DETERMINERS = frozenset({"my", "the", "this", "that", "your", "our", "these", "those"})
#: phrase aliases may not start or end with these
EDGE_STOPWORDS = frozenset({"a", "an", "and", "the", "of", "for", "with", "in", "on", "to", "by"})
#: shopper words -> the catalogue words they mean (applied to the message before matching)
SYNONYMS: dict[str, str] = {
    "coffee machine": "espresso machine",
    "coffee maker": "espresso machine",
    "espresso maker": "espresso machine",
    "hoover": "vacuum",
    "roomba": "vacuum",
    "robovac": "vacuum",
    "vac": "vacuum",
    "cam": "camera",
    "webcam": "camera",
    "headset": "headphones",
    "earphones": "headphones",
    "sneakers": "shoes",
    "trainers": "shoes",
    "raincoat": "jacket",
    "tshirt": "shirt",
    "tee": "shirt",
    "charger": "cable",
    "cord": "cable",
    "cushion": "pillow",
    "pillowcase": "pillow",
    "voucher": "gift card",
    "giftcard": "gift card",
    "thermo": "thermostat",
    "modem": "router",
    "wifi box": "router",
    "wi-fi box": "router",
    "internet box": "router",
    "ear phones": "headphones",
    "head phones": "headphones",
    "standing table": "standing desk",
    "sit stand desk": "standing desk",
    "sit-stand desk": "standing desk",
}
_WORD = re.compile(r"[a-z0-9]+")
_SKU_LIKE = re.compile(r"\b([a-z]{1,4})[\s-]?(\d{1,5})\b")
MAX_SHARED = 2
_CACHE_LIMIT = 10_000


def stem(word: str) -> str:
    """Crude plural folding shared by aliases and messages ("headphones" -> "headphone")."""
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _name_tokens(text: str) -> list[str]:
    return [stem(token) for token in _WORD.findall(text.lower())]


def _fuzzy_limit(token: str) -> int:
    if len(token) >= 8:
        return 2
    if len(token) >= 5:
        return 1
    return 0


@dataclass(frozen=True, slots=True)
class _Hit:
    position: int
    products: tuple[ProductRef, ...]


class ProductMatcher:
    """Finds catalogue products mentioned in a message (see the module docstring for the rules)."""

    def __init__(self, catalogue: Sequence[ProductRef], known_words: Iterable[str] = ()) -> None:
        self._known = frozenset(known_words)
        self._skus: dict[str, ProductRef] = {}
        self._phrases: dict[tuple[str, ...], list[ProductRef]] = {}
        words: dict[str, list[ProductRef]] = {}
        for product in catalogue:
            self._skus[re.sub(r"[^a-z0-9]", "", product.sku.lower())] = product
            raw = _WORD.findall(product.name.lower())
            tokens = [stem(token) for token in raw]
            joined = [stem("".join(raw[i : i + 2])) for i in range(len(raw) - 1)]
            head = tuple([token for token in tokens if token.isalpha()][-2:])
            for n in (2, 3):
                for start in range(len(tokens) - n + 1):
                    phrase = tuple(tokens[start : start + n])
                    if phrase[0] in EDGE_STOPWORDS or phrase[-1] in EDGE_STOPWORDS:
                        continue
                    if all(t in GENERIC_WORDS or not t.isalpha() for t in phrase) and phrase != head:
                        continue  # "wi fi", "usb c": generic words only, unless it is the name's head
                    _add(self._phrases, phrase, product)
            for token in {*tokens, *joined}:
                if len(token) >= 3 and token.isalpha() and token not in EDGE_STOPWORDS:
                    _add(words, token, product)
        self._words = {w: ps for w, ps in words.items() if len(ps) <= MAX_SHARED}
        self._single = {w: ps for w, ps in self._words.items() if w not in GENERIC_WORDS}
        self._fuzzy_targets = sorted(w for w in self._single if len(w) >= 5)
        self._synonyms = {
            tuple(stem(t) for t in k.split()): [stem(t) for t in v.split()] for k, v in SYNONYMS.items()
        }
        self._fuzzy_cache: dict[str, tuple[ProductRef, ...]] = {}
        self._max_phrase = max((len(k) for k in self._phrases), default=1)

    def find(self, text: str) -> list[ProductRef]:
        """Products mentioned in ``text``, in order of first mention, without duplicates."""
        lowered = text.lower()
        hits: list[_Hit] = []
        for match in _SKU_LIKE.finditer(lowered):
            product = self._skus.get(match.group(1) + match.group(2))
            if product is not None:
                hits.append(_Hit(match.start(), (product,)))
        tokens = self._with_synonyms([stem(token) for token in _WORD.findall(lowered)])
        used = [False] * len(tokens)
        offset = len(lowered) + 1  # word hits sort after SKU hits at equal positions
        self._match_phrases(tokens, used, hits, offset)
        self._match_words(tokens, used, hits, offset)
        seen: set[str] = set()
        found: list[ProductRef] = []
        for hit in sorted(hits, key=lambda h: h.position):
            for product in hit.products:
                if product.sku not in seen:
                    seen.add(product.sku)
                    found.append(product)
        return found

    def _with_synonyms(self, tokens: list[str]) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(tokens):
            pair = tuple(tokens[i : i + 2])
            if len(pair) == 2 and pair in self._synonyms:
                out.extend(self._synonyms[pair])
                i += 2
                continue
            out.extend(self._synonyms.get((tokens[i],), [tokens[i]]))
            i += 1
        return out

    def _match_phrases(self, tokens: list[str], used: list[bool], hits: list[_Hit], offset: int) -> None:
        for n in range(self._max_phrase, 1, -1):
            for start in range(len(tokens) - n + 1):
                if any(used[start : start + n]):
                    continue
                products = self._phrases.get(tuple(tokens[start : start + n]))
                if products is None and n == 2:
                    products = self._single.get(tokens[start] + tokens[start + 1])
                if products:
                    hits.append(_Hit(offset + start, tuple(products)))
                    used[start : start + n] = [True] * n

    def _match_words(self, tokens: list[str], used: list[bool], hits: list[_Hit], offset: int) -> None:
        for i, token in enumerate(tokens):
            if used[i]:
                continue
            products = self._single.get(token)
            if products is None and token in DETERMINED_NOUNS and i and tokens[i - 1] in DETERMINERS:
                products = self._words.get(token)
            if not products:
                products = self._fuzzy(token)
            if products:
                hits.append(_Hit(offset + i, tuple(products)))
                used[i] = True

    def _fuzzy(self, token: str) -> tuple[ProductRef, ...]:
        cached = self._fuzzy_cache.get(token)
        if cached is None:
            cached = self._fuzzy_uncached(token)
            if len(self._fuzzy_cache) >= _CACHE_LIMIT:
                self._fuzzy_cache.clear()
            self._fuzzy_cache[token] = cached
        return cached

    def _fuzzy_uncached(self, token: str) -> tuple[ProductRef, ...]:
        limit = _fuzzy_limit(token)
        if not limit or token in self._known or not token.isalpha():
            return ()
        candidates = [
            w for w in self._fuzzy_targets if w[0] == token[0] and abs(len(w) - len(token)) <= limit
        ]
        match = process.extractOne(token, candidates, scorer=OSA.distance, score_cutoff=limit)
        if match is None:
            return ()
        word = match[0]
        if len(token) < 6 and Indel.distance(token, word) > 1 and sorted(token) != sorted(word):
            return ()  # 5-letter words: no substitutions ("chain" is not "chair")
        return tuple(self._single[word])


def _add(index: dict, key: object, product: ProductRef) -> None:
    bucket = index.setdefault(key, [])
    if product not in bucket:
        bucket.append(product)
