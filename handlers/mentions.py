"""What a message says of the products it names."""

from __future__ import annotations

import re
from collections.abc import Sequence

from handlers.context import ProductMention

#: a message of at most this many words that names one product says nothing else about it
PRODUCT_ALONE_WORDS = 3

#: words around a product named alone that add nothing ("the kettle I mean", "sorry, the blender")
_ASIDE = re.compile(r"\b(?:i mean|i meant|sorry|please|pls|thanks|thx|i think)\b", re.I)


def product_alone(products: Sequence[ProductMention], text: str) -> ProductMention | None:
    """The one product a message of a few words names and nothing more ("kettle", "the blender", "the kettle
    I mean")."""
    if len(products) != 1 or len(_ASIDE.sub(" ", text).split()) > PRODUCT_ALONE_WORDS or "?" in text:
        return None
    return products[0]
