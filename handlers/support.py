"""The support desk as a shopper meets it: whether a person can answer, when, and how else to reach one.

``DOORSTEP_SUPPORT_HOURS`` (``Mon-Fri 09:00-17:00``, several groups separated by commas, or ``24/7``)
is read by :meth:`SupportHours.parse`, which the settings use to refuse a wrong value at start-up.
:class:`SupportDesk` joins the hours, the shop's time zone, the email and phone shoppers may use,
and whether any staff channel (Slack, an operator console) is configured at all. The handoff
replies are written from it, so the bot never promises a reply that nobody can give.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_LONG_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ALWAYS = "24/7"
#: the first reply of every conversation starts with this (EU AI Act art. 50); DOORSTEP_DISCLOSURE_TEXT
DEFAULT_DISCLOSURE = (
    "You're chatting with our automated assistant, not a person. To reach a person at any time, type “agent”."
)


def with_disclosure(text: str, disclosure: str = DEFAULT_DISCLOSURE) -> str:
    """The first reply of a conversation: the disclosure, a blank line, then the reply."""
    return f"{disclosure}\n\n{text}"


_GROUP = re.compile(
    r"^(?P<first>[A-Za-z]{3})(?:\s*-\s*(?P<last>[A-Za-z]{3}))?\s+"
    r"(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})$"
)
#: how far ahead :meth:`SupportHours.next_opening` looks
_LOOKAHEAD_DAYS = 8


def _clock(value: str, *, end: bool) -> time:
    hours, _, minutes = value.partition(":")
    h, m = int(hours), int(minutes)
    if end and (h, m) == (24, 0):
        return time.max
    if h > 23 or m > 59:
        raise ValueError(f"{value!r} is not a time of day (HH:MM)")
    return time(h, m)


@dataclass(frozen=True, slots=True)
class SupportWindow:
    """One day of the week's opening: ``weekday`` (Monday = 0) from ``start`` to ``end``."""

    weekday: int
    start: time
    end: time


@dataclass(frozen=True, slots=True)
class SupportHours:
    """When people answer, as opening windows per weekday in the shop's time zone."""

    windows: tuple[SupportWindow, ...] = ()
    always: bool = False
    text: str = ""

    @classmethod
    def parse(cls, text: str) -> SupportHours:
        """``Mon-Fri 09:00-17:00, Sat 10:00-14:00`` or ``24/7``; raises ValueError naming what is wrong."""
        cleaned = " ".join(text.split())
        if cleaned.lower() == ALWAYS:
            return cls(always=True, text=ALWAYS)
        if not cleaned:
            raise ValueError("is empty; use e.g. 'Mon-Fri 09:00-17:00' or '24/7'")
        windows: list[SupportWindow] = []
        for group in (part.strip() for part in cleaned.split(",")):
            match = _GROUP.match(group)
            if match is None:
                raise ValueError(f"{group!r} is not like 'Mon-Fri 09:00-17:00'")
            days = _day_range(match["first"], match["last"] or match["first"])
            start = _clock(match["start"], end=False)
            end = _clock(match["end"], end=True)
            if end <= start:
                raise ValueError(f"{group!r} ends before it starts")
            windows.extend(SupportWindow(day, start, end) for day in days)
        return cls(windows=tuple(windows), text=cleaned)

    def is_open(self, local: datetime) -> bool:
        """Whether ``local`` (a time in the shop's zone) falls in an opening window."""
        if self.always:
            return True
        moment = local.time().replace(tzinfo=None)
        return any(w.weekday == local.weekday() and w.start <= moment < w.end for w in self.windows)

    def closes_at(self, local: datetime) -> time | None:
        """The end of the window ``local`` is in (None when closed or always open)."""
        moment = local.time().replace(tzinfo=None)
        for window in self.windows:
            if window.weekday == local.weekday() and window.start <= moment < window.end:
                return window.end
        return None

    def next_opening(self, local: datetime) -> datetime | None:
        """The next moment after ``local`` that the desk opens (None when it never does)."""
        if self.always:
            return local
        best: datetime | None = None
        for offset in range(_LOOKAHEAD_DAYS):
            day = local.date() + timedelta(days=offset)
            for window in self.windows:
                if window.weekday != day.weekday():
                    continue
                opening = datetime.combine(day, window.start, tzinfo=local.tzinfo)
                if opening > local and (best is None or opening < best):
                    best = opening
            if best is not None:
                return best
        return best

    def describe(self) -> str:
        """``Monday to Friday, 09:00–17:00`` (groups joined with ``;``), or ``around the clock``."""
        if self.always:
            return "around the clock"
        groups: list[str] = []
        for (start, end), days in _by_hours(self.windows).items():
            groups.append(f"{_day_span(days)}, {_hhmm(start)}–{_hhmm(end)}")
        return "; ".join(groups)


def _day_range(first: str, last: str) -> list[int]:
    names = [name.lower() for name in DAY_NAMES]
    try:
        a, b = names.index(first.lower()), names.index(last.lower())
    except ValueError:
        raise ValueError(f"unknown day in {first}-{last}; use {', '.join(DAY_NAMES)}") from None
    return [(a + n) % 7 for n in range((b - a) % 7 + 1)]


def _by_hours(windows: tuple[SupportWindow, ...]) -> dict[tuple[time, time], list[int]]:
    grouped: dict[tuple[time, time], list[int]] = {}
    for window in windows:
        days = grouped.setdefault((window.start, window.end), [])
        if window.weekday not in days:
            days.append(window.weekday)
    return grouped


def _day_span(days: list[int]) -> str:
    ordered = sorted(days)
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{_LONG_DAY_NAMES[ordered[0]]} to {_LONG_DAY_NAMES[ordered[-1]]}"
    return ", ".join(_LONG_DAY_NAMES[d] for d in ordered)


def _hhmm(value: time) -> str:
    return "24:00" if value == time.max else f"{value:%H:%M}"


def shop_zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; raises ValueError for an unknown one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not an IANA time zone like Europe/Berlin") from None


def opening_words(opening: datetime, now_local: datetime) -> str:
    """``today at 09:00``, ``tomorrow at 09:00`` or ``on Monday at 09:00`` (shop time)."""
    delta = (opening.date() - now_local.date()).days
    when = "today" if delta == 0 else "tomorrow" if delta == 1 else f"on {opening:%A}"
    return f"{when} at {opening:%H:%M}"


@dataclass(frozen=True, slots=True)
class DeskNow:
    """The desk at one moment: open or not, and when it opens next (shop time)."""

    open: bool
    next_opening: datetime | None
    local_now: datetime


@dataclass(frozen=True, slots=True)
class SupportDesk:
    """Who can answer a shopper who asks for a person, and when.

    ``staffed`` is False when no staff channel is configured: then no handoff is opened and
    the shopper is told how else to reach the shop (``email``, ``phone``).
    """

    hours: SupportHours = field(default_factory=lambda: SupportHours.parse("Mon-Fri 09:00-17:00"))
    timezone: str = "UTC"
    email: str | None = None
    phone: str | None = None
    staffed: bool = True

    def at(self, now: datetime) -> DeskNow:
        """Whether the desk is open at ``now`` (aware UTC) and when it next opens."""
        local = now.astimezone(shop_zone(self.timezone))
        is_open = self.hours.is_open(local)
        return DeskNow(
            open=is_open, next_opening=None if is_open else self.hours.next_opening(local), local_now=local
        )

    def hours_words(self) -> str:
        """``Monday to Friday, 09:00–17:00 (UTC)``."""
        if self.hours.always:
            return "around the clock"
        return f"{self.hours.describe()} ({self.timezone} time)"

    def other_ways(self) -> str:
        """``email support@… or call +1…`` (empty when neither is configured)."""
        ways = []
        if self.email:
            ways.append(f"email {self.email}")
        if self.phone:
            ways.append(f"call {self.phone}")
        return " or ".join(ways)

    def back_words(self, now: datetime) -> str:
        """When a person is next in: ``today at 09:00 (UTC time)``; empty when never."""
        desk = self.at(now)
        if desk.next_opening is None:
            return ""
        return f"{opening_words(desk.next_opening, desk.local_now)} ({self.timezone} time)"

    def today(self, now: datetime) -> date:
        """The shop's date at ``now``."""
        return now.astimezone(shop_zone(self.timezone)).date()
