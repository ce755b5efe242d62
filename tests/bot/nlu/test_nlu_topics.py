"""Near-domain topics: the words that name them, and which of those are features of the intent model."""

from __future__ import annotations

import pytest

from bot.nlu.topics import NearDomainTopic, near_domain_topic, topic_words


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("I forgot my password", NearDomainTopic.ACCOUNT),
        ("do you offer gift wrapping?", NearDomainTopic.GIFT),
        ("can I get a gift receipt", NearDomainTopic.GIFT),
        ("is my parcel insured", NearDomainTopic.INSURANCE),
        ("do you deliver on weekends", NearDomainTopic.SHIPPING_OPTIONS),
        ("what are the dimensions of the standing desk", NearDomainTopic.PRODUCT_ADVICE),
        ("can I reorder it", NearDomainTopic.ORDERING),
        ("how do I place an order", NearDomainTopic.ORDERING),
        ("I want to leave a review", NearDomainTopic.REVIEW),
        ("I want to give you 5 stars", NearDomainTopic.REVIEW),
        ("you overcharged me", NearDomainTopic.OVERCHARGED),
        ("I was charged more than the price on the website", NearDomainTopic.OVERCHARGED),
        ("you charged me twice", NearDomainTopic.PAYMENT),
        ("what's the weather like", None),
        ("what time does the store close on sunday", NearDomainTopic.STORES),
        ("Does the lamp come with a bulb? Planning to order one", NearDomainTopic.PRODUCT_ADVICE),
        ("will it come back in white?", NearDomainTopic.PRODUCT_ADVICE),
        ("Do you have this dress in a size 18?", NearDomainTopic.PRODUCT_ADVICE),
        ("Is the sofa available in green velvet?", NearDomainTopic.PRODUCT_ADVICE),
        ("Can I use UPI to pay?", NearDomainTopic.PAYMENT),
    ],
)
def test_near_domain_topic(text: str, topic: NearDomainTopic | None) -> None:
    assert near_domain_topic(text) == topic


def test_answer_only_words_are_no_model_features() -> None:
    # teaching these to the intent model raised its false accepts on unrelated text
    assert topic_words("is my parcel insured") == []
    assert topic_words("what are the dimensions of the standing desk") == []
    assert topic_words("do you offer gift wrapping?") == [NearDomainTopic.GIFT]
    assert topic_words("I want to leave a review") == []
    assert topic_words("you overcharged me") == []
    assert topic_words("what time does the store close on sunday") == []
