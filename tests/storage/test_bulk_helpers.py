"""The small helpers of driver-level bulk statements."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.bulk import converted_once, sqlite_value, value_groups


def test_converted_once_converts_equal_values_once_and_keeps_none() -> None:
    calls: list[object] = []

    def convert(value: datetime) -> str:
        calls.append(value)
        return sqlite_value(value)

    at = converted_once(convert)
    noon = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    assert at(noon) == "2026-11-24 12:00:00.000000"
    assert at(datetime(2026, 11, 24, 12, 0, tzinfo=UTC)) == "2026-11-24 12:00:00.000000"
    assert at(None) is None
    assert calls == [noon]


def test_value_groups_writes_one_group_of_marks_per_row() -> None:
    assert value_groups(2, 3) == "(?, ?, ?), (?, ?, ?)"
    assert value_groups(1, 1) == "(?)"
