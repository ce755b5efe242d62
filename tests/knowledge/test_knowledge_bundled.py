"""The demo shop's bundled knowledge base: complete, clean and consistent with the catalogue."""

from __future__ import annotations

import re

import pytest

from bot.demo.catalogue import CATALOGUE
from knowledge import (
    ArticleNotFoundError,
    KnowledgeBase,
    PolicyNotFoundError,
    check_knowledge_base,
    default_kb_dir,
)

SETUP_SKUS = [product.sku for product in CATALOGUE if product.requires_setup]
REQUIRED_TOPICS = [
    "track-your-order",
    "delivery-times",
    "tracking-statuses",
    "delivery-delays",
    "missing-parcel",
    "damaged-parcel",
    "wrong-item",
    "how-to-return",
    "return-policy",
    "exchanges",
    "refunds",
    "cancel-order",
    "change-address",
    "change-order",
    "warranty",
    "payment-methods",
    "receipts-and-invoices",
    "international-shipping",
    "pickup-points",
    "failed-delivery-attempt",
    "backorders",
    "gift-cards",
    "contact-support",
    "notification-settings",
    "shipping-policy",
]


def test_bundled_kb_checks_clean() -> None:
    assert check_knowledge_base(default_kb_dir()) == []


def test_bundled_kb_is_big_enough(bundled_kb: KnowledgeBase) -> None:
    assert len(bundled_kb) >= 45


def test_the_setup_products_are_the_expected_nine() -> None:
    assert SETUP_SKUS == [
        "ES-900",
        "KT-200",
        "VC-800",
        "TH-100",
        "CM-20",
        "RT-600",
        "SP-10",
        "SD-140",
        "CH-50",
    ]


@pytest.mark.parametrize("sku", SETUP_SKUS)
def test_every_setup_product_has_a_setup_guide_and_troubleshooting(
    bundled_kb: KnowledgeBase, sku: str
) -> None:
    setup = bundled_kb.for_product(sku, kind="setup")
    troubleshooting = bundled_kb.for_product(sku, kind="troubleshooting")

    assert len(setup) == 1
    assert len(troubleshooting) == 1
    assert 4 <= len(setup[0].steps()) <= 8
    assert setup[0].products == (sku,)
    assert troubleshooting[0].products == (sku,)


def test_sku_lookup_ignores_case(bundled_kb: KnowledgeBase) -> None:
    assert [a.id for a in bundled_kb.for_product("es-900", kind="setup")] == ["es-900-setup"]


@pytest.mark.parametrize("article_id", REQUIRED_TOPICS)
def test_required_topics_exist(bundled_kb: KnowledgeBase, article_id: str) -> None:
    assert bundled_kb.by_id(article_id).body


def test_urls_and_file_names_follow_the_ids(bundled_kb: KnowledgeBase) -> None:
    for article in bundled_kb:
        assert article.url == f"https://help.doorstep-demo.shop/articles/{article.id}"
        assert article.path is not None and article.path.name == f"{article.id}.md"
        assert article.locale == "en"


def test_return_policy_mapping_is_the_source_of_truth(bundled_kb: KnowledgeBase) -> None:
    article = bundled_kb.by_id("return-policy")

    assert article.policy == {
        "return_window_days": {"default": 30, "apparel": 60, "footwear": 60},
        "non_returnable_categories": ["gift-card"],
        "exchangeable_categories": ["apparel", "footwear"],
        "collected_categories": ["furniture"],
        "opened_electronics_fee_percent": 0,
    }
    assert bundled_kb.policy("return-policy") is article.policy
    assert bundled_kb.policy("return") is article.policy


def test_return_policy_text_says_the_same(bundled_kb: KnowledgeBase) -> None:
    policy = bundled_kb.return_policy()
    text = bundled_kb.by_id("return-policy").body

    assert policy.window_days("kitchen-appliance") == 30
    assert policy.window_days("apparel") == policy.window_days("footwear") == 60
    assert not policy.is_returnable("gift-card")
    assert "within **30 days** of delivery" in text
    assert "Clothing (apparel) and shoes (footwear) can be returned within **60 days**" in text
    assert "Gift cards cannot be returned" in text
    assert "the fee is 0%" in text
    exchanges = bundled_kb.by_id("exchanges").body
    assert {c for c in ("apparel", "footwear", "kitchen-appliance") if policy.is_exchangeable(c)} == {
        "apparel",
        "footwear",
    }
    assert "You can exchange clothing and footwear for another\nsize or colour" in exchanges


def test_shipping_policy(bundled_kb: KnowledgeBase) -> None:
    policy = bundled_kb.shipping_policy()
    text = bundled_kb.by_id("shipping-policy").body

    assert (policy.standard_delivery_days, policy.express_delivery_days) == (5, 2)
    assert "Standard delivery: within 5 business days" in text
    assert "Express delivery: within 2 business days" in text


def test_tracking_statuses_explains_every_shipment_status(bundled_kb: KnowledgeBase) -> None:
    text = bundled_kb.by_id("tracking-statuses").body.lower()

    for words in (
        "pre-transit",
        "in transit",
        "out for delivery",
        "available for pickup",
        "delivered",
        "delivery attempted",
        "delayed",
        "exception",
        "returned to sender",
        "lost",
    ):
        assert f"**{words}" in text or f"/ {words}" in text, words


def test_unknown_lookups_raise(bundled_kb: KnowledgeBase) -> None:
    with pytest.raises(ArticleNotFoundError, match="no article has id 'nope'"):
        bundled_kb.by_id("nope")
    with pytest.raises(PolicyNotFoundError, match="no article defines a policy named 'refund'"):
        bundled_kb.policy("refund")
    assert bundled_kb.get("nope") is None


def test_no_article_text_contains_placeholder_markers(bundled_kb: KnowledgeBase) -> None:
    for article in bundled_kb:
        assert not re.search(r"TODO|lorem|\{\w+\}|XXX", article.body), article.id
