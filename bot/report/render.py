"""The report as text for people, or as ``key,value`` CSV lines (dotted JSON keys)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _per100(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _rate_line(part: dict[str, Any]) -> str:
    return (
        f"{part['contacts']} contacts for {part['shipments']} shipments = "
        f"{_per100(part['per_100_shipments'])} per 100 shipments"
    )


def _counts(mapping: dict[str, int]) -> str:
    return ", ".join(f"{key} {value}" for key, value in mapping.items()) or "none"


def as_text(report: dict[str, Any]) -> str:
    """A readable summary of the whole report (the daily series left out: see --format csv/json)."""
    period, conv = report["period"], report["conversations"]
    outcomes, wismo, pro, hold = conv["by_outcome"], report["wismo"], report["proactive"], report["holdout"]
    touches = pro["touches_per_order"]
    lines = [
        f"doorstep report: {period['since']} to {period['until']} ({period['days']} days, UTC)",
        "",
        f"Conversations: {conv['total']}",
        *(f"  {name:<15}{outcomes[name]:>7}" for name in ("contained", "escalated", "unresolved")),
        f"  {'informational':<15}{outcomes['informational']:>7}  (left out of the rates)",
        f"  durable contained (no return within 7 days): {conv['durable_contained']}",
        f"Automated resolution rate {_pct(report['automated_resolution_rate'])}, "
        f"handoff rate {_pct(report['handoff_rate'])}, "
        f"durable containment {_pct(report['durable_containment_rate'])}",
        f"By first intent: {_counts(conv['by_intent'])}",
        "",
        f"WISMO: {_rate_line(wismo)}",
        f"  after a proactive message: {_rate_line(wismo['after_proactive'])}",
        f"  without one:               {_rate_line(wismo['without_proactive'])}",
        f"  contacts that never named an order: {wismo['order_unknown']}",
        "",
        f"Proactive messages: {pro['sent']} sent, {pro['deferred']} deferred, "
        f"{pro['suppressed_total']} suppressed, {pro['failed']} failed",
        f"  suppressed by reason: {_counts(pro['suppressed'])}",
        f"  touches per order: p50 {touches['p50']}, p90 {touches['p90']}, max {touches['max']} "
        f"(cap {touches['cap']}) over {touches['orders']} orders",
        "",
        f"Holdout ({hold['percent']}% of customers get no non-urgent shipping messages):",
        f"  treated: {_rate_line(hold['treated'])}",
        f"  holdout: {_rate_line(hold['holdout'])}",
    ]
    if hold["difference"] is not None:
        ci = hold["ci95"]
        interval = f" (95% CI {ci[0]:+.2f} to {ci[1]:+.2f})" if ci else ""
        lines.append(f"  difference: {hold['difference']:+.2f} per 100 shipments{interval}")
    lines.append(f"  {hold['conclusion']}")
    return "\n".join(lines)


def flatten(report: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(dotted key, value) pairs of the report; list entries are keyed by date, touches, or kind and decision."""
    for key, value in report.items():
        if key == "daily":
            for day in value:
                for field, number in day.items():
                    if field != "date":
                        yield f"daily.{day['date']}.{field}", number
        elif isinstance(value, dict):
            yield from _flat(key, value)
        else:
            yield key, value


def _flat(prefix: str, mapping: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for key, value in mapping.items():
        name = f"{prefix}.{key}"
        if key == "by_kind_and_decision":
            for row in value:
                yield f"{name}.{row['kind']}.{row['decision']}", row["count"]
        elif key == "touches_histogram":
            for row in value:
                yield f"{name}.{row['touches']}", row["orders"]
        elif key == "ci95":
            yield f"{name}.low", value[0] if value else None
            yield f"{name}.high", value[1] if value else None
        elif isinstance(value, dict):
            yield from _flat(name, value)
        else:
            yield name, value


def as_csv(report: dict[str, Any]) -> str:
    """``key,value`` lines with a header; empty values for nulls."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["key", "value"])
    for key, value in flatten(report):
        writer.writerow([key, "" if value is None else value])
    return out.getvalue()
