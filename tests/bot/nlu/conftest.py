"""Shared fixtures for the NLU tests: the demo catalogue as ProductRefs and one trained Nlu per session."""

from __future__ import annotations

import pytest

from bot.demo.catalogue import CATALOGUE
from bot.nlu import EntityExtractor, IntentClassifier, Nlu, ProductRef, build_default_nlu, product_refs


@pytest.fixture(scope="session")
def catalogue_refs() -> list[ProductRef]:
    """The demo shop's 19 products."""
    return product_refs(CATALOGUE)


@pytest.fixture(scope="session")
def default_nlu(catalogue_refs: list[ProductRef]) -> Nlu:
    """The Nlu the bot uses by default (trained on the bundled data), shared by the whole session."""
    return build_default_nlu(catalogue_refs)


@pytest.fixture(scope="session")
def classifier(default_nlu: Nlu) -> IntentClassifier:
    """The trained default classifier."""
    return default_nlu.classifier


@pytest.fixture(scope="session")
def extractor(catalogue_refs: list[ProductRef], classifier: IntentClassifier) -> EntityExtractor:
    """Entity extractor over the demo catalogue, with the classifier's ordinary-English vocabulary."""
    return EntityExtractor(catalogue_refs, sorted(classifier.general_words))
