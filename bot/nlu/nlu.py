"""The NLU facade the dialogue engine calls: intent, confidence and entities for one message."""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.nlu.classifier import IntentClassifier, TrainingConfig
from bot.nlu.corpus import default_training_set
from bot.nlu.entities import Entities, EntityExtractor
from bot.nlu.model_file import load_classifier
from bot.nlu.products import ProductRef
from bot.nlu.topics import NearDomainTopic, near_domain_topic
from storage.domain import Intent

#: only this many characters of a message are analysed (keeps the worst case fast)
MAX_CHARS = 1000
#: parses of this many recent distinct short messages are remembered ("hi", "where is my order?"
#: and "thanks" come again and again)
CACHE_SIZE = 4096
#: longer messages are not remembered
CACHE_MAX_CHARS = 120
#: nor messages with a digit or an "@": order numbers, emails and phones are not kept in memory
_NOT_CACHED = re.compile(r"[\d@]")


class ProductLike(Protocol):
    """Anything with a SKU, a name and a category (ProductRef, bot.demo.catalogue.Product, a DB row)."""

    @property
    def sku(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def category(self) -> str: ...


@dataclass(frozen=True, slots=True)
class NluResult:
    """What the NLU understood from one message."""

    intent: Intent
    confidence: float
    entities: Entities
    #: for an out_of_scope message about the shop (account, payment, invoice ...), which topic
    topic: NearDomainTopic | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON form: ``{"intent", "confidence", "entities"}`` plus ``"topic"`` when there is one."""
        out: dict[str, object] = {
            "intent": self.intent.value,
            "confidence": round(self.confidence, 4),
            "entities": self.entities.to_dict(),
        }
        if self.topic is not None:
            out["topic"] = self.topic.value
        return out


def product_refs(products: Iterable[ProductLike]) -> list[ProductRef]:
    """ProductRefs from any product objects (e.g. ``bot.demo.catalogue.CATALOGUE``)."""
    return [ProductRef(p.sku, p.name, p.category) for p in products]


class Nlu:
    """Classifies a message and extracts its entities; cheap to call on every chat message."""

    def __init__(self, classifier: IntentClassifier, catalogue: Sequence[ProductLike] = ()) -> None:
        self.classifier = classifier
        self.catalogue: tuple[ProductRef, ...] = tuple(product_refs(catalogue))
        self._extractor = EntityExtractor(self.catalogue, sorted(classifier.general_words))
        self._recent: OrderedDict[str, NluResult] = OrderedDict()

    def parse(self, text: str) -> NluResult:
        """Intent, confidence and entities of ``text`` (out_of_scope for empty or unrelated text).

        The parse of a short message without digits or "@" is remembered (the model does not
        change once trained), up to :data:`CACHE_SIZE` messages, least recently used first out.
        """
        text = text[:MAX_CHARS]
        cacheable = len(text) <= CACHE_MAX_CHARS and _NOT_CACHED.search(text) is None
        if cacheable:
            known = self._recent.get(text)
            if known is not None:
                self._recent.move_to_end(text)
                return NluResult(known.intent, known.confidence, _copy(known.entities), known.topic)
        intent, confidence = self.classifier.predict(text)
        topic = near_domain_topic(text) if intent is Intent.OUT_OF_SCOPE else None
        result = NluResult(intent, confidence, self._extractor.extract(text), topic)
        if cacheable:
            self._recent[text] = NluResult(intent, confidence, _copy(result.entities), topic)
            if len(self._recent) > CACHE_SIZE:
                self._recent.popitem(last=False)
        return result

    def entities(self, text: str) -> Entities:
        """Only the entities of ``text`` (for replies to "what is your order number?")."""
        return self._extractor.extract(text[:MAX_CHARS])


def _copy(entities: Entities) -> Entities:
    """Entities with lists of their own (a caller may change what it was given)."""
    return Entities(
        order_numbers=list(entities.order_numbers),
        emails=list(entities.emails),
        phones=list(entities.phones),
        tracking_numbers=list(entities.tracking_numbers),
        products=list(entities.products),
    )


def build_default_nlu(catalogue: Sequence[ProductLike] = (), config: TrainingConfig | None = None) -> Nlu:
    """An Nlu with the shipped intent model (loads in a fraction of a second).

    With ``config``, the model is trained afresh on :func:`bot.nlu.corpus.default_training_set` instead
    (tens of seconds): for experiments and benchmarks.
    """
    if config is None:
        return Nlu(load_classifier(), catalogue)
    return Nlu(IntentClassifier.train(default_training_set(), config), catalogue)
