"""Natural-language understanding for doorstep: intent classification and entity extraction.

Typical use::

    nlu = build_default_nlu(product_refs(CATALOGUE))
    result = nlu.parse("my expresso machine wont heat, order #1001")
    result.intent, result.confidence, result.entities.order_numbers, result.entities.products
"""

from bot.nlu.classifier import DEFAULT_THRESHOLD, IntentClassifier, TrainingConfig
from bot.nlu.corpus import default_training_set
from bot.nlu.entities import Entities, EntityExtractor, normalize_phone, same_phone
from bot.nlu.errors import NluError, NotTrainedError, TrainingDataError
from bot.nlu.model_file import load_classifier, save_classifier, training_fingerprint
from bot.nlu.nlu import Nlu, NluResult, build_default_nlu, product_refs
from bot.nlu.products import ProductMatcher, ProductRef
from bot.nlu.topics import NearDomainTopic, near_domain_topic
from bot.nlu.training_data import (
    TrainingExample,
    load_negative_examples,
    load_training_examples,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "Entities",
    "EntityExtractor",
    "IntentClassifier",
    "NearDomainTopic",
    "Nlu",
    "NluError",
    "NluResult",
    "NotTrainedError",
    "ProductMatcher",
    "ProductRef",
    "TrainingConfig",
    "TrainingDataError",
    "TrainingExample",
    "build_default_nlu",
    "default_training_set",
    "load_classifier",
    "load_negative_examples",
    "load_training_examples",
    "near_domain_topic",
    "normalize_phone",
    "product_refs",
    "same_phone",
    "save_classifier",
    "training_fingerprint",
]
