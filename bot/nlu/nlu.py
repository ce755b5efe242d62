"""The NLU facade the dialogue engine calls: intent, confidence and entities for one message."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.nlu.classifier import IntentClassifier, TrainingConfig
from bot.nlu.entities import Entities, EntityExtractor
from bot.nlu.products import ProductRef
from bot.nlu.training_data import default_training_set
from storage.domain import Intent

#: only this many characters of a message are analysed (keeps the worst case fast)
MAX_CHARS = 1000


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

    def to_dict(self) -> dict[str, object]:
        """JSON form: ``{"intent", "confidence", "entities"}``."""
        return {
            "intent": self.intent.value,
            "confidence": round(self.confidence, 4),
            "entities": self.entities.to_dict(),
        }


def product_refs(products: Iterable[ProductLike]) -> list[ProductRef]:
    """ProductRefs from any product objects (e.g. ``bot.demo.catalogue.CATALOGUE``)."""
    return [ProductRef(p.sku, p.name, p.category) for p in products]


class Nlu:
    """Classifies a message and extracts its entities; cheap to call on every chat message."""

    def __init__(self, classifier: IntentClassifier, catalogue: Sequence[ProductLike] = ()) -> None:
        self.classifier = classifier
        self.catalogue: tuple[ProductRef, ...] = tuple(product_refs(catalogue))
        self._extractor = EntityExtractor(self.catalogue, sorted(classifier.general_words))

    def parse(self, text: str) -> NluResult:
        """Intent, confidence and entities of ``text`` (out_of_scope for empty or unrelated text)."""
        text = text[:MAX_CHARS]
        intent, confidence = self.classifier.predict(text)
        return NluResult(intent, confidence, self._extractor.extract(text))

    def entities(self, text: str) -> Entities:
        """Only the entities of ``text`` (for replies to "what is your order number?")."""
        return self._extractor.extract(text[:MAX_CHARS])


def build_default_nlu(catalogue: Sequence[ProductLike] = (), config: TrainingConfig | None = None) -> Nlu:
    """An Nlu trained on the bundled data (train split + out-of-scope negatives); takes well under 2 s."""
    return Nlu(IntentClassifier.train(default_training_set(), config), catalogue)
