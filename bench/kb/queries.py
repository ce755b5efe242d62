"""Realistic shopper queries for the search benchmark, deterministic for a seed.

A mix of help-centre questions about orders, deliveries and returns, questions made from the
articles themselves (product names, symptoms, regions, carriers, with words dropped as people
do), short keyword queries, and about one in ten with a typo.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from knowledge import Article

SHOPPER_QUESTIONS = (
    "where is my order",
    "where is my refund",
    "when will my order arrive",
    "my parcel says delivered but it is not here",
    "tracking has not updated for 5 days",
    "what does out for delivery mean",
    "my package arrived damaged",
    "you sent me the wrong item",
    "an item is missing from my order",
    "how do I return something",
    "what is your return policy",
    "can I return shoes after 40 days",
    "how long do I have to return a kettle",
    "can I exchange a jacket for a bigger size",
    "how long does a refund take",
    "I want to cancel my order",
    "can I change my delivery address",
    "I made a typo in my address",
    "can I add an item to my order",
    "I was charged twice",
    "can I get an invoice for my company",
    "do you ship to canada",
    "do I have to pay customs in switzerland",
    "my parcel is at a pickup point",
    "the driver left a missed delivery card",
    "the item is out of stock when will it ship",
    "how do I check my gift card balance",
    "I want to talk to a person",
    "stop sending me messages",
    "I did not get an order confirmation email",
    "my order came in two boxes",
    "my promo code does not work",
    "how do I descale my espresso machine",
    "espresso machine leaking water",
    "kettle switches off before it boils",
    "robot vacuum won't go back to the dock",
    "thermostat screen is blank",
    "camera keeps going offline",
    "router light is orange no internet",
    "speaker does not respond to wake word",
    "standing desk shows E01",
    "office chair keeps sinking",
    "how do I pair my headphones",
    "is my parcel lost",
    "warranty claim for broken blender",
)
OPENERS = ("", "", "how do I ", "my ", "help ", "why does my ", "what to do if my ", "hi, ")
KEYWORDS = (
    "refund",
    "delivery",
    "return label",
    "tracking",
    "warranty",
    "setup",
    "wifi",
    "reset",
    "filter",
    "battery",
    "firmware",
    "error code",
    "customs",
    "express shipping",
    "exchange",
    "invoice",
    "app",
    "pairing",
    "replacement",
    "leaking",
    "noise",
    "cancel",
    "address",
    "pickup",
    "damaged",
)


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1 :]  # drop a letter
    if kind == 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # swap two letters
    return word[:i] + rng.choice("aeiourstn") + word[i + 1 :]  # wrong letter


def _with_typo(query: str, rng: random.Random) -> str:
    words = query.split()
    candidates = [i for i, word in enumerate(words) if len(word) >= 5 and word.isalpha()]
    if not candidates:
        return query
    i = rng.choice(candidates)
    words[i] = _typo(words[i], rng)
    return " ".join(words)


def _from_article(article: Article, rng: random.Random) -> str:
    words = article.title.lower().replace(":", "").split()
    if article.kind in ("setup", "troubleshooting", "faq") and len(words) > 4:
        # people name the kind of product and the problem, rarely the full model name
        keep = [w for w in words if not w[0].isdigit() and rng.random() > 0.35]
        words = keep or words
    return (rng.choice(OPENERS) + " ".join(words)).strip()


def generate_queries(articles: Sequence[Article], count: int, seed: int = 11) -> list[str]:
    """``count`` queries: 40% shopper questions, 45% from articles, 15% keywords; ~10% with a typo."""
    rng = random.Random(seed)
    queries: list[str] = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.40:
            query = rng.choice(SHOPPER_QUESTIONS)
        elif roll < 0.85:
            query = _from_article(rng.choice(articles), rng)
        else:
            query = " ".join(rng.sample(KEYWORDS, rng.randint(1, 3)))
        if rng.random() < 0.10:
            query = _with_typo(query, rng)
        queries.append(query)
    return queries
