"""What the journey rules can be tuned with: delays, help links, where shoppers reach support.

``JourneyConfig()`` holds the defaults of a fresh install (the demo shop's help centre); the
bot builds one from its settings (``bot.integrations.events.journey_config``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType

from handlers.journey.proposals import MessageKind

#: the demo shop's help centre; an article's URL is this base + its id
DEFAULT_HELP_BASE_URL = "https://help.doorstep-demo.shop/articles/"

#: kind -> id of the bundled help article (knowledge/articles/en) matching the situation
DEFAULT_HELP_ARTICLES: Mapping[MessageKind, str] = MappingProxyType(
    {
        MessageKind.ORDER_CONFIRMED: "track-your-order",
        MessageKind.SHIPPED: "track-your-order",
        MessageKind.OUT_FOR_DELIVERY: "tracking-statuses",
        MessageKind.DELIVERED: "missing-parcel",
        MessageKind.AVAILABLE_FOR_PICKUP: "pickup-points",
        MessageKind.ATTEMPT_FAILED: "failed-delivery-attempt",
        MessageKind.DELAYED: "delivery-delays",
        MessageKind.EXCEPTION: "tracking-statuses",
        MessageKind.LOST: "lost-parcel",
        MessageKind.RETURNED_TO_SENDER: "tracking-statuses",
        MessageKind.BACKORDERED: "backorders",
        MessageKind.SETUP_GUIDE: "chat-assistant",
        MessageKind.REVIEW_REQUEST: "warranty",
        MessageKind.RETURN_STARTED: "return-status",
        MessageKind.REFUND_ISSUED: "refunds",
        MessageKind.ORDER_CANCELLED: "cancel-order",
    }
)
#: SKU -> the bundled setup article of that product (demo catalogue products that need setup)
DEFAULT_SETUP_ARTICLES: Mapping[str, str] = MappingProxyType(
    {
        "ES-900": "es-900-setup",
        "KT-200": "kt-200-setup",
        "VC-800": "vc-800-setup",
        "TH-100": "th-100-setup",
        "CM-20": "cm-20-setup",
        "RT-600": "rt-600-setup",
        "SP-10": "sp-10-setup",
        "SD-140": "sd-140-setup",
        "CH-50": "ch-50-setup",
    }
)
DEFAULT_SUPPORT_ARTICLE = "contact-support"

#: how long after delivery the setup guide goes, per product category, when it should differ
#: from the general delay: furniture is assembled on a free evening, a router is wanted at once
DEFAULT_SETUP_DELAY_BY_CATEGORY: Mapping[str, timedelta] = MappingProxyType(
    {
        "furniture": timedelta(hours=24),
        "networking": timedelta(minutes=30),
        "smart-home": timedelta(hours=1),
    }
)


def article_links(articles: Mapping[str, str], base_url: str = DEFAULT_HELP_BASE_URL) -> dict[str, str]:
    """``{key: base_url + article id}`` for a table of article ids."""
    return {str(key): f"{base_url}{article_id}" for key, article_id in articles.items()}


@dataclass(frozen=True, slots=True)
class JourneyConfig:
    """Tuning of the journey rules.

    ``help_links`` maps a :class:`MessageKind` value to the help article URL for that situation;
    ``setup_links`` maps a SKU to its setup article (the setup guide links the first one found,
    else ``help_links["setup_guide"]``).
    """

    setup_guide_delay: timedelta = timedelta(hours=2)
    setup_guide_delay_by_category: Mapping[str, timedelta] = field(
        default_factory=lambda: dict(DEFAULT_SETUP_DELAY_BY_CATEGORY)
    )
    review_request_delay: timedelta = timedelta(days=14)
    #: an undelivered parcel without any scan for this long counts as delayed in the sweep
    stalled_after: timedelta = timedelta(days=5)
    help_links: Mapping[str, str] = field(default_factory=lambda: article_links(DEFAULT_HELP_ARTICLES))
    setup_links: Mapping[str, str] = field(default_factory=lambda: article_links(DEFAULT_SETUP_ARTICLES))
    support_url: str = DEFAULT_HELP_BASE_URL + DEFAULT_SUPPORT_ARTICLE
    #: where the shopper leaves a review; ``{order_number}`` is filled in
    review_url: str = "https://doorstep-demo.shop/orders/{order_number}/review"

    def help_link(self, kind: MessageKind) -> str:
        """The help article URL for ``kind`` (the support article when none is configured)."""
        return self.help_links.get(kind.value, self.support_url)

    def setup_delay(self, categories: list[str]) -> timedelta:
        """Delay after delivery for a parcel holding items of these categories (the shortest)."""
        delays = [self.setup_guide_delay_by_category.get(c, self.setup_guide_delay) for c in categories]
        return min(delays, default=self.setup_guide_delay)
