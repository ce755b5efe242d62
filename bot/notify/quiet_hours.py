"""Quiet hours in the customer's own time zone."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@lru_cache(maxsize=256)
def parse_clock_time(value: str) -> time:
    """``"21:00"`` -> ``time(21, 0)``."""
    hours, _, minutes = value.partition(":")
    return time(int(hours), int(minutes or 0))


@lru_cache(maxsize=1024)
def customer_zone(name: str | None) -> ZoneInfo:
    """The customer's time zone; UTC when unknown or invalid."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def quiet_until(at: datetime, *, zone: ZoneInfo, start: time, end: time) -> datetime | None:
    """When the quiet period containing ``at`` ends (aware UTC), or None when ``at`` is not quiet.

    ``start``/``end`` are local wall-clock times; a period may wrap midnight (21:00-08:00).
    ``start == end`` means no quiet hours.
    """
    if start == end:
        return None
    local = at.astimezone(zone)
    now = local.time().replace(tzinfo=None)
    if start < end:
        quiet = start <= now < end
        end_day = local.date()
    else:
        quiet = now >= start or now < end
        end_day = local.date() + timedelta(days=1) if now >= start else local.date()
    if not quiet:
        return None
    end_local = datetime.combine(end_day, end, tzinfo=zone)
    return end_local.astimezone(UTC)
