"""Comparing WISMO contacts per 100 shipments between treated and holdout customers."""

from __future__ import annotations

import math
from dataclasses import dataclass

METHOD = "Wald interval for a difference of two Poisson rates (contacts per shipment)"
#: z for a two-sided 95% interval
Z95 = 1.959963984540054
#: fewer than these in either group: too small a sample to conclude
MIN_SHIPMENTS = 100
MIN_CONTACTS = 10


def per_100(contacts: int, shipments: int) -> float | None:
    """Contacts per 100 shipments (2 decimals), None without shipments."""
    return round(100.0 * contacts / shipments, 2) if shipments else None


@dataclass(frozen=True, slots=True)
class Comparison:
    """Treated minus holdout, per 100 shipments, with its 95% interval and a sentence."""

    difference: float | None
    ci95: tuple[float, float] | None
    conclusion: str


def rate_difference_ci(
    treated: tuple[int, int], holdout: tuple[int, int]
) -> tuple[float, tuple[float, float]] | None:
    """(difference, (low, high)) per 100 shipments of ``(contacts, shipments)`` pairs, unrounded;
    None when a group has no shipment. Wald: d ± z·√(c₁/n₁² + c₂/n₂²)."""
    (c1, n1), (c2, n2) = treated, holdout
    if n1 <= 0 or n2 <= 0:
        return None
    difference = c1 / n1 - c2 / n2
    half = Z95 * math.sqrt(c1 / n1**2 + c2 / n2**2)
    return 100 * difference, (100 * (difference - half), 100 * (difference + half))


def compare(treated: tuple[int, int], holdout: tuple[int, int], *, percent: int) -> Comparison:
    """The holdout comparison of docs/REPORT.md: difference, interval and conclusion."""
    (c1, n1), (c2, n2) = treated, holdout
    found = rate_difference_ci(treated, holdout)
    if found is None:
        if percent <= 0:
            sentence = (
                "No holdout group: set DOORSTEP_HOLDOUT_PERCENT (e.g. 10) to measure what proactive "
                "messages change."
            )
        else:
            sentence = f"Not enough data to compare: {n1} treated and {n2} holdout shipments in the period."
        return Comparison(None, None, sentence)
    difference, (low, high) = found
    ci = (round(low, 2), round(high, 2))
    r1, r2 = 100 * c1 / n1, 100 * c2 / n2
    if min(n1, n2) < MIN_SHIPMENTS or min(c1, c2) < MIN_CONTACTS:
        sentence = (
            f"The sample is too small to conclude: {n1} treated and {n2} holdout shipments, {c1} and {c2} "
            f"WISMO contacts (at least {MIN_SHIPMENTS} shipments and {MIN_CONTACTS} contacts in each group "
            "are needed)."
        )
    elif low <= 0 <= high:
        sentence = (
            f"No clear difference: {r1:.1f} WISMO contacts per 100 shipments with proactive messages against "
            f"{r2:.1f} in the holdout; the 95% interval of the difference ({low:+.1f} to {high:+.1f}) "
            "includes zero."
        )
    elif high < 0:
        sentence = (
            f"Proactive messages cut WISMO contacts: {r1:.1f} per 100 shipments against {r2:.1f} in the "
            f"holdout, {difference:+.1f} per 100 shipments (95% CI {low:+.1f} to {high:+.1f})."
        )
    else:
        sentence = (
            f"Customers sent proactive messages asked more: {r1:.1f} WISMO contacts per 100 shipments "
            f"against {r2:.1f} in the holdout, {difference:+.1f} (95% CI {low:+.1f} to {high:+.1f})."
        )
    return Comparison(round(difference, 2), ci, sentence)
