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


#: kinds of thing shoppers buy, in everyday words: one named that matches nothing recognised in the message or
#: in the order is another product ("the wardrobe", "my earbuds"), not the order's only item. Devices used with
#: what they bought (phones, laptops, TVs) and words with other senses ("a fan of", "watch") are left out.
_THING_WORDS = (
    r"wardrobes?|dressers?|beds?|mattress(?:es)?|sofas?|couch(?:es)?|bookcases?|shel(?:f|ves)|rugs?|lamps?|"
    r"(?:smart )?bulbs?|ear ?buds|airpods|"
    r"toasters?|microwaves?|fridges?|ovens?|air ?fryers?|fryers?|mixers?|grinders?|irons?|hair ?dryers?|"
    r"dryers?|washing machines?|dishwashers?|heaters?|dyson|hoovers?|drills?|bikes?|scooters?|"
    r"trainers|sneakers|shoes|boots|sandals|slippers|dress(?:es)?|shirts?|t-?shirts?|jumpers?|sweaters?|"
    r"cardigans?|hoodies?|jeans|trousers|skirts?|towels?|pillows?|duvets?|curtains?|pans?|casserole(?: dish)?|"
    r"toys?|cushion(?: covers?)?s?|garden bench(?:es)?|dining chairs?|bath towels?|(?:air )?purifiers?|"
    r"(?:de)?humidifiers?"
)
#: the ones never anything else, even without "the" or "my" before them ("Dyson V11 - how do I clean the filter")
_PLAIN_THING_WORDS = (
    r"dyson|airpods|ear ?buds|wardrobes?|air ?fryers?|toasters?|microwaves?|dishwashers?|washing machines?|"
    r"hair ?dryers?|mattress(?:es)?|sofas?|trainers|sneakers|air purifiers?|(?:de)?humidifiers?"
)
#: names written with a capital
_BRANDS = frozenset({"dyson", "airpods"})
_THING = re.compile(
    r"\b(?:the|my|this|these|that|those|our|a|an)\s+(?:\w+\s+)??(?P<thing>" + _THING_WORDS + r")\b|"
    r"\b(?P<plain>" + _PLAIN_THING_WORDS + r")\b",
    re.I,
)


def other_product(text: str, names: Sequence[str]) -> str | None:
    """The everyday name of a thing the message is about that none of ``names`` (the order's items, or the
    products recognised) is: "how do I clean the filter of my Dyson" about an order of a kettle."""
    for match in _THING.finditer(text):
        thing = match.group("thing") or match.group("plain")
        stem = thing.lower().rstrip("s") if len(thing) > 4 else thing.lower()
        if not any(stem in name.lower() for name in names):
            return thing.lower().capitalize() if thing.lower() in _BRANDS else thing.lower()
    return None
