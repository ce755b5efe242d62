"""The support desk: opening hours in the shop's time zone, and what a shopper is told about them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.support import SupportDesk, SupportHours

MONDAY_3PM_UTC = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def test_weekday_hours_are_open_inside_and_closed_outside() -> None:
    desk = SupportDesk(hours=SupportHours.parse("Mon-Fri 09:00-17:00"))
    assert desk.at(MONDAY_3PM_UTC).open
    evening = desk.at(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
    assert not evening.open
    assert evening.next_opening == datetime(2026, 11, 24, 9, 0, tzinfo=evening.local_now.tzinfo)
    assert desk.back_words(datetime(2026, 11, 23, 17, 0, tzinfo=UTC)) == "tomorrow at 09:00 (UTC time)"
    assert desk.back_words(datetime(2026, 11, 24, 6, 0, tzinfo=UTC)) == "today at 09:00 (UTC time)"
    assert desk.back_words(datetime(2026, 11, 27, 18, 0, tzinfo=UTC)) == "on Monday at 09:00 (UTC time)"


def test_the_shops_time_zone_decides() -> None:
    desk = SupportDesk(hours=SupportHours.parse("Mon-Fri 09:00-17:00"), timezone="Asia/Tokyo")
    # 15:00 UTC is midnight in Tokyo
    assert not desk.at(MONDAY_3PM_UTC).open
    assert desk.back_words(MONDAY_3PM_UTC) == "today at 09:00 (Asia/Tokyo time)"


def test_several_groups_wrapping_days_and_around_the_clock() -> None:
    hours = SupportHours.parse("Mon-Fri 08:00-20:00, Sat 09:00-17:00")
    assert hours.describe() == "Monday to Friday, 08:00–20:00; Saturday, 09:00–17:00"
    weekend = SupportHours.parse("Fri-Mon 10:00-24:00")
    assert weekend.describe() == "Monday, Friday, Saturday, Sunday, 10:00–24:00"
    assert weekend.is_open(datetime(2026, 11, 29, 23, 30))  # a Sunday
    assert not weekend.is_open(datetime(2026, 11, 25, 12, 0))  # a Wednesday
    always = SupportHours.parse("24/7")
    assert always.is_open(datetime(2026, 11, 25, 3, 0)) and always.describe() == "around the clock"


@pytest.mark.parametrize(
    "text", ["", "Mon-Fri", "Mon-Fri 9-5", "Xyz 09:00-10:00", "Mon 10:00-09:00", "Mon 25:00-26:00"]
)
def test_wrong_hours_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        SupportHours.parse(text)


def test_other_ways_name_what_is_configured() -> None:
    assert SupportDesk().other_ways() == ""
    assert SupportDesk(email="help@shop.test").other_ways() == "email help@shop.test"
    both = SupportDesk(email="help@shop.test", phone="+1 555 0100")
    assert both.other_ways() == "email help@shop.test or call +1 555 0100"
