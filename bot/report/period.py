"""The report's period: UTC calendar days, both ends included."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from bot.report.errors import BadPeriod
from storage.repositories.reports import Period

#: without ``since``, the period is this many days ending with ``until``
DEFAULT_DAYS = 30
#: a longer period is refused (the daily series would grow without bound)
MAX_DAYS = 366


def _parse(name: str, value: str | None) -> date | None:
    if value is None or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadPeriod(f"{name} must be a date like 2026-11-30, got {value.strip()[:40]!r}") from None


def parse_period(since: str | None, until: str | None, *, today: date) -> Period:
    """The period from ``since``/``until`` (``YYYY-MM-DD`` or empty); raises :class:`BadPeriod` with the reason."""
    first, last = _parse("since", since), _parse("until", until)
    last = last or today
    try:
        first = first or last - timedelta(days=DEFAULT_DAYS - 1)
        end = last + timedelta(days=1)
    except OverflowError:  # 0001-01-01 has no 30 days before it, 9999-12-31 no day after it
        raise BadPeriod(f"the period around {last} falls outside the calendar") from None
    if first > last:
        raise BadPeriod(f"since ({first}) is after until ({last})")
    days = (last - first).days + 1
    if days > MAX_DAYS:
        raise BadPeriod(f"the period is {days} days; at most {MAX_DAYS} are reported at once")
    return Period(
        since=first,
        until=last,
        start=datetime.combine(first, time(0), tzinfo=UTC),
        end=datetime.combine(end, time(0), tzinfo=UTC),
    )


def days_of(period: Period) -> list[date]:
    """Every day of the period, in order."""
    return [period.since + timedelta(days=i) for i in range((period.until - period.since).days + 1)]
