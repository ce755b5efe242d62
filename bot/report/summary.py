"""The outcome report as JSON-ready data (keys in docs/REPORT.md), from the database's grouped counts."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from bot.report.kinds import NON_URGENT_KINDS, PROACTIVE_KINDS, SHIPPING_NEWS_KINDS, WISMO_INTENTS
from bot.report.period import days_of
from bot.report.stats import METHOD, compare, per_100
from storage.repositories.reports import (
    OUTCOME_CLASSES,
    ContactGroup,
    DecisionGroup,
    OutcomeGroup,
    Period,
    ShipmentGroup,
)
from storage.store import Store

OUTCOMES = OUTCOME_CLASSES
#: the decisions ``proactive.by_kind`` shows for every kind
KIND_COLUMNS = ("sent", "deferred", "suppressed", "failed")


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """What the report needs besides the period: the holdout share and the per-order touch cap."""

    holdout_percent: int = 0
    touch_cap: int = 6


async def build_report(
    store: Store, period: Period, options: ReportOptions, *, now: datetime | None = None
) -> dict[str, Any]:
    """The report for ``period`` (a handful of grouped queries in one read transaction)."""
    async with store.transaction() as repos:
        reports = repos.reports
        outcomes = await reports.outcomes(since=period.since, until=period.until)
        intents = await reports.intents(since=period.since, until=period.until)
        contacts = await reports.wismo_contacts(
            period=period,
            wismo_intents=WISMO_INTENTS,
            proactive_kinds=SHIPPING_NEWS_KINDS,
            holdout_percent=options.holdout_percent,
        )
        shipments = await reports.shipments(
            period=period, proactive_kinds=SHIPPING_NEWS_KINDS, holdout_percent=options.holdout_percent
        )
        sent = await reports.sent_by_kind(period=period, kinds=PROACTIVE_KINDS)
        decisions = await reports.decisions(period=period, kinds=PROACTIVE_KINDS)
        touches = await reports.touches(period=period, kinds=NON_URGENT_KINDS)
    stamp = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    conversations = _conversations(outcomes, intents)
    informative = conversations["total"] - conversations["by_outcome"]["informational"]
    return {
        "period": {
            "since": period.since.isoformat(),
            "until": period.until.isoformat(),
            "days": (period.until - period.since).days + 1,
        },
        "generated_at": stamp.isoformat().replace("+00:00", "Z"),
        "conversations": conversations,
        "automated_resolution_rate": _share(conversations["by_outcome"]["contained"], informative),
        "handoff_rate": _share(conversations["by_outcome"]["escalated"], informative),
        "durable_containment_rate": _share(conversations["durable_contained"], informative),
        "wismo": _wismo(contacts, shipments),
        "proactive": _proactive(sent, decisions, touches, options.touch_cap),
        "holdout": _holdout(contacts, shipments, options.holdout_percent),
        "daily": _daily(period, outcomes, contacts, shipments),
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _conversations(groups: list[OutcomeGroup], intents: dict[str | None, int]) -> dict[str, Any]:
    by_outcome = dict.fromkeys(OUTCOMES, 0)
    for group in groups:
        for outcome, count in group.counts.items():
            by_outcome[outcome] += count
    by_intent = {intent or "none": count for intent, count in intents.items()}
    return {
        "total": sum(by_outcome.values()),
        "by_outcome": by_outcome,
        "by_intent": dict(sorted(by_intent.items(), key=lambda item: (-item[1], item[0]))),
        "durable_contained": sum(group.durable for group in groups),
    }


def _rate(contacts: int, shipments: int) -> dict[str, Any]:
    return {"contacts": contacts, "shipments": shipments, "per_100_shipments": per_100(contacts, shipments)}


def _wismo(contacts: list[ContactGroup], shipments: list[ShipmentGroup]) -> dict[str, Any]:
    by_split: Counter[str] = Counter()
    for group in contacts:
        by_split[group.split] += group.count
    shipped = sum(g.count for g in shipments)
    with_proactive = sum(g.count for g in shipments if g.with_proactive)
    total = sum(by_split.values())
    return {
        **_rate(total, shipped),
        "order_unknown": by_split["unknown"],
        "after_proactive": _rate(by_split["after"], with_proactive),
        "without_proactive": _rate(by_split["without"], shipped - with_proactive),
    }


def _proactive(
    sent: dict[str, int], decisions: list[DecisionGroup], touches: dict[int, int], cap: int
) -> dict[str, Any]:
    by_kind: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(KIND_COLUMNS, 0))
    matrix: Counter[tuple[str, str]] = Counter()
    suppressed: Counter[str] = Counter()
    for kind, count in sent.items():
        by_kind[kind]["sent"] += count
        matrix[(kind, "sent")] += count
    for group in decisions:
        if group.reason is not None:
            if group.decision == "suppressed":
                suppressed[group.reason] += group.count
            continue
        matrix[(group.kind, group.decision)] += group.count
        if group.decision in KIND_COLUMNS:
            by_kind[group.kind][group.decision] += group.count
    totals = {column: sum(row[column] for row in by_kind.values()) for column in KIND_COLUMNS}
    return {
        "sent": totals["sent"],
        "deferred": totals["deferred"],
        "failed": totals["failed"],
        "suppressed": dict(sorted(suppressed.items(), key=lambda item: (-item[1], item[0]))),
        "suppressed_total": totals["suppressed"],
        "by_kind": {kind: by_kind[kind] for kind in sorted(by_kind)},
        "by_kind_and_decision": [
            {"kind": kind, "decision": decision, "count": count}
            for (kind, decision), count in sorted(matrix.items())
        ],
        "touches_per_order": _touch_stats(touches, cap),
        "touches_histogram": [{"touches": t, "orders": touches[t]} for t in sorted(touches)],
    }


def _touch_stats(histogram: dict[int, int], cap: int) -> dict[str, Any]:
    orders = sum(histogram.values())
    return {
        "orders": orders,
        "p50": _percentile(histogram, orders, 50),
        "p90": _percentile(histogram, orders, 90),
        "max": max(histogram) if histogram else None,
        "cap": cap,
    }


def _percentile(histogram: dict[int, int], total: int, p: int) -> int | None:
    """Nearest-rank percentile of the values counted in ``histogram``."""
    if total == 0:
        return None
    rank = max(1, math.ceil(p / 100 * total))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return max(histogram)


def _holdout(contacts: list[ContactGroup], shipments: list[ShipmentGroup], percent: int) -> dict[str, Any]:
    asked: Counter[str] = Counter()
    shipped: Counter[str] = Counter()
    for contact in contacts:
        asked[contact.group] += contact.count
    for shipment in shipments:
        shipped[shipment.group] += shipment.count
    treated = (asked["treated"], shipped["treated"])
    holdout = (asked["holdout"], shipped["holdout"])
    comparison = compare(treated, holdout, percent=percent)
    return {
        "percent": percent,
        "treated": _rate(*treated),
        "holdout": _rate(*holdout),
        "difference": comparison.difference,
        "ci95": list(comparison.ci95) if comparison.ci95 is not None else None,
        "method": METHOD,
        "conclusion": comparison.conclusion,
    }


def _daily(
    period: Period, outcomes: list[OutcomeGroup], contacts: list[ContactGroup], shipments: list[ShipmentGroup]
) -> list[dict[str, Any]]:
    classes: dict[date, Counter[str]] = defaultdict(Counter)
    asked: Counter[date] = Counter()
    shipped: Counter[date] = Counter()
    for group in outcomes:
        classes[group.day].update(group.counts)
    for contact in contacts:
        asked[contact.day] += contact.count
    for shipment in shipments:
        shipped[shipment.day] += shipment.count
    return [
        {
            "date": day.isoformat(),
            "wismo_contacts": asked[day],
            "shipments": shipped[day],
            "wismo_per_100_shipments": per_100(asked[day], shipped[day]),
            **{outcome: classes[day][outcome] for outcome in OUTCOMES},
        }
        for day in days_of(period)
    ]
