"""Typed views of the machine-readable ``policy`` mappings that policy articles carry.

The article text explains a policy to shoppers; its front matter ``policy`` mapping is what the
handlers compute with. Both live in the same file so they cannot drift apart unnoticed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import PolicyError

RETURN_POLICY_ID = "return-policy"
SHIPPING_POLICY_ID = "shipping-policy"


def _non_negative_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PolicyError(f"'{name}' must be a whole number of 0 or more, got {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class ReturnPolicy:
    """How long shoppers have to return things, and what cannot be returned."""

    default_window_days: int
    window_days_by_category: Mapping[str, int]
    non_returnable_categories: frozenset[str]
    opened_electronics_fee_percent: float
    #: categories that can be exchanged for another size or colour of the same product
    exchangeable_categories: frozenset[str] = frozenset()
    #: categories too large to post: collected from the shopper's home on a date arranged with them
    collected_categories: frozenset[str] = frozenset()

    def window_days(self, category: str | None) -> int:
        """Days after delivery during which an item of ``category`` can be returned."""
        if category is None:
            return self.default_window_days
        return self.window_days_by_category.get(category, self.default_window_days)

    def is_returnable(self, category: str | None) -> bool:
        """Whether items of ``category`` can be returned at all."""
        return category not in self.non_returnable_categories

    def is_collected(self, category: str | None) -> bool:
        """Whether a returned item of ``category`` is collected from home instead of posted with a label."""
        return category is not None and category in self.collected_categories

    def is_exchangeable(self, category: str | None) -> bool:
        """Whether items of ``category`` can be swapped for another size or colour (within the window)."""
        return category is not None and category in self.exchangeable_categories and self.is_returnable(category)

    @classmethod
    def from_mapping(cls, policy: Mapping[str, Any]) -> ReturnPolicy:
        """Build from the ``policy`` mapping of the ``return-policy`` article; raises ``PolicyError``."""
        windows = policy.get("return_window_days")
        if isinstance(windows, int) and not isinstance(windows, bool):
            default, by_category = _non_negative_int(windows, "return_window_days"), {}
        elif isinstance(windows, Mapping):
            if "default" not in windows:
                raise PolicyError("'return_window_days' needs a 'default' entry")
            default = _non_negative_int(windows["default"], "return_window_days.default")
            by_category = {
                str(name): _non_negative_int(days, f"return_window_days.{name}")
                for name, days in windows.items()
                if name != "default"
            }
        else:
            raise PolicyError("'return_window_days' must be a number of days or a mapping with 'default'")
        excluded = policy.get("non_returnable_categories", [])
        if not isinstance(excluded, list) or not all(isinstance(item, str) for item in excluded):
            raise PolicyError("'non_returnable_categories' must be a list of category names")
        exchangeable = policy.get("exchangeable_categories", [])
        if not isinstance(exchangeable, list) or not all(isinstance(item, str) for item in exchangeable):
            raise PolicyError("'exchangeable_categories' must be a list of category names")
        collected = policy.get("collected_categories", [])
        if not isinstance(collected, list) or not all(isinstance(item, str) for item in collected):
            raise PolicyError("'collected_categories' must be a list of category names")
        fee = policy.get("opened_electronics_fee_percent", 0)
        if isinstance(fee, bool) or not isinstance(fee, int | float) or not 0 <= fee <= 100:
            raise PolicyError(f"'opened_electronics_fee_percent' must be between 0 and 100, got {fee!r}")
        return cls(
            default_window_days=default,
            window_days_by_category=by_category,
            non_returnable_categories=frozenset(excluded),
            opened_electronics_fee_percent=float(fee),
            exchangeable_categories=frozenset(exchangeable),
            collected_categories=frozenset(collected),
        )


@dataclass(frozen=True, slots=True)
class ShippingPolicy:
    """Advertised delivery times, in business days after dispatch."""

    standard_delivery_days: int
    express_delivery_days: int

    @classmethod
    def from_mapping(cls, policy: Mapping[str, Any]) -> ShippingPolicy:
        """Build from the ``policy`` mapping of the ``shipping-policy`` article; raises ``PolicyError``."""
        for name in ("standard_delivery_days", "express_delivery_days"):
            if name not in policy:
                raise PolicyError(f"'{name}' is missing")
        return cls(
            standard_delivery_days=_non_negative_int(
                policy["standard_delivery_days"], "standard_delivery_days"
            ),
            express_delivery_days=_non_negative_int(policy["express_delivery_days"], "express_delivery_days"),
        )


#: policies whose shape the loader checks, by article id
POLICY_PARSERS: Mapping[str, Callable[[Mapping[str, Any]], object]] = {
    RETURN_POLICY_ID: ReturnPolicy.from_mapping,
    SHIPPING_POLICY_ID: ShippingPolicy.from_mapping,
}
