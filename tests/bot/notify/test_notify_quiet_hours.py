"""Quiet hours in the customer's own time zone."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from bot.notify.quiet_hours import customer_zone, quiet_until

NY = ZoneInfo("America/New_York")
NIGHT = (time(21, 0), time(8, 0))


def _until(at: datetime, zone: ZoneInfo = NY, window: tuple[time, time] = NIGHT) -> datetime | None:
    return quiet_until(at, zone=zone, start=window[0], end=window[1])


def test_evening_and_early_morning_wait_for_eight_local() -> None:
    # 22:30 on Friday in New York -> 08:00 Saturday (13:00 UTC)
    assert _until(datetime(2026, 11, 21, 3, 30, tzinfo=UTC)) == datetime(2026, 11, 21, 13, 0, tzinfo=UTC)
    # 06:00 in New York -> 08:00 the same day
    assert _until(datetime(2026, 11, 21, 11, 0, tzinfo=UTC)) == datetime(2026, 11, 21, 13, 0, tzinfo=UTC)


def test_daytime_and_the_edges() -> None:
    assert _until(datetime(2026, 11, 21, 13, 0, tzinfo=UTC)) is None  # 08:00 exactly: awake
    assert _until(datetime(2026, 11, 21, 1, 59, tzinfo=UTC)) is None  # 20:59
    assert _until(datetime(2026, 11, 21, 2, 0, tzinfo=UTC)) == datetime(
        2026, 11, 21, 13, 0, tzinfo=UTC
    )  # 21:00


def test_a_window_inside_one_day_and_an_empty_window() -> None:
    lunch = (time(12, 0), time(13, 30))
    berlin = ZoneInfo("Europe/Berlin")
    assert _until(datetime(2026, 11, 21, 11, 15, tzinfo=UTC), berlin, lunch) == datetime(
        2026, 11, 21, 12, 30, tzinfo=UTC
    )
    assert _until(datetime(2026, 11, 21, 13, 0, tzinfo=UTC), berlin, lunch) is None
    assert _until(datetime(2026, 11, 21, 3, 0, tzinfo=UTC), NY, (time(9, 0), time(9, 0))) is None


def test_daylight_saving_change_keeps_local_eight_oclock() -> None:
    # the night of 7-8 March 2026 the clocks in New York move forward: 08:00 is 12:00 UTC after it
    assert _until(datetime(2026, 3, 8, 5, 0, tzinfo=UTC)) == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)


def test_unknown_zone_falls_back_to_utc() -> None:
    assert customer_zone("Mars/Olympus") == ZoneInfo("UTC")
    assert customer_zone(None) == ZoneInfo("UTC")
