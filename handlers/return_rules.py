"""Return eligibility: computed from the delivery date, the return window and the item's category.

The policy numbers come from the knowledge base (the ``return-policy`` article's ``policy``
front matter), so the article shoppers read and the answer the bot computes cannot disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from handlers.order_facts import delivered_on, is_cancelled
from handlers.wording import mask_email
from knowledge.policies import ReturnPolicy
from storage.models import OrderItem, ReturnRequest
from storage.repositories.orders import OrderDetails

#: shopper-friendly names of catalogue categories (others: the category with spaces)
CATEGORY_WORDS: dict[str, str] = {
    "apparel": "clothing",
    "footwear": "shoes",
    "gift-card": "gift cards",
    "kitchen-appliance": "kitchen appliances",
    "home-appliance": "home appliances",
    "smart-home": "smart-home devices",
    "electronics-accessory": "electronics accessories",
}

OK = "ok"
NOT_DELIVERED = "not_delivered"
NON_RETURNABLE = "non_returnable"
WINDOW_CLOSED = "window_closed"
ALREADY_REQUESTED = "already_requested"
CANCELLED = "cancelled"


def category_words(category: str) -> str:
    """How a category is called in a sentence."""
    return CATEGORY_WORDS.get(category, category.replace("-", " "))


@dataclass(frozen=True, slots=True)
class ItemEligibility:
    """Whether one order line can be returned now, and why not otherwise."""

    item: OrderItem
    verdict: str
    last_day: date | None = None
    return_id: int | None = None

    @property
    def returnable(self) -> bool:
        """True when a return can be started for the item today."""
        return self.verdict == OK


def eligibility(
    details: OrderDetails, policy: ReturnPolicy, today: date, returns: Sequence[ReturnRequest] = ()
) -> list[ItemEligibility]:
    """The verdict for every line of the order, in order-line order."""
    requested = {sku: r.id for r in returns if r.status != "cancelled" for sku in r.skus}
    out: list[ItemEligibility] = []
    for item in details.items:
        if is_cancelled(details):
            out.append(ItemEligibility(item, CANCELLED))
            continue
        if not policy.is_returnable(item.category):
            out.append(ItemEligibility(item, NON_RETURNABLE))
            continue
        if item.sku in requested:
            out.append(ItemEligibility(item, ALREADY_REQUESTED, return_id=requested[item.sku]))
            continue
        delivered = delivered_on(details, item.sku)
        if delivered is None:
            out.append(ItemEligibility(item, NOT_DELIVERED))
            continue
        last_day = delivered + timedelta(days=policy.window_days(item.category))
        verdict = OK if today <= last_day else WINDOW_CLOSED
        out.append(ItemEligibility(item, verdict, last_day=last_day))
    return out


def label_details(details: OrderDetails) -> tuple[str, str]:
    """Where the return label goes (the masked email) and whose drop-off points take the parcel."""
    carrier = details.shipments[0].carrier if details.shipments else "carrier"
    return mask_email(details.customer.email), carrier


def policy_summary(policy: ReturnPolicy) -> str:
    """The return policy in two or three sentences."""
    parts = [f"Most items can be returned within {policy.default_window_days} days of delivery."]
    longer: dict[int, list[str]] = {}
    for category, days in sorted(policy.window_days_by_category.items()):
        if days != policy.default_window_days:
            longer.setdefault(days, []).append(category_words(category))
    for days, names in sorted(longer.items()):
        parts.append(f"{_join(names).capitalize()}: {days} days.")
    if policy.non_returnable_categories:
        names = sorted(category_words(c) for c in policy.non_returnable_categories)
        parts.append(f"{_join(names).capitalize()} can't be returned.")
    if policy.opened_electronics_fee_percent > 0:
        parts.append(f"Opened electronics carry a {policy.opened_electronics_fee_percent:g}% restocking fee.")
    else:
        parts.append("Returns are free, even for opened electronics.")
    return " ".join(parts)


def exchange_summary(policy: ReturnPolicy) -> str:
    """What can be exchanged, in one sentence (nothing, or the policy's exchangeable categories)."""
    if not policy.exchangeable_categories:
        return "We don't exchange items, but you can return them for a refund and order what you'd like instead."
    names = _join(sorted(category_words(c) for c in policy.exchangeable_categories))
    return (
        f"Yes: {names} can be exchanged for another size or colour of the same product, free of charge, within "
        "their return window. Other items can be returned for a refund."
    )


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]
