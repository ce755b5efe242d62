"""The status progression table: what may follow what, and stale scans."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers.journey.progression import MAY_FOLLOW, ends_the_journey, is_stale, may_follow, next_status
from storage.domain import ShipmentStatus as S

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def test_every_status_has_a_row_and_may_repeat() -> None:
    assert set(MAY_FOLLOW) == set(S)
    assert all(may_follow(status, status) for status in S)


@pytest.mark.parametrize(
    ("current", "new", "allowed"),
    [
        (S.DELIVERED, S.IN_TRANSIT, False),
        (S.DELIVERED, S.EXCEPTION, False),
        (S.OUT_FOR_DELIVERY, S.IN_TRANSIT, False),
        (S.IN_TRANSIT, S.PRE_TRANSIT, False),
        (S.RETURNED_TO_SENDER, S.DELIVERED, False),
        (S.AVAILABLE_FOR_PICKUP, S.OUT_FOR_DELIVERY, False),
        (S.PRE_TRANSIT, S.DELIVERED, True),
        (S.IN_TRANSIT, S.OUT_FOR_DELIVERY, True),
        (S.OUT_FOR_DELIVERY, S.ATTEMPT_FAILED, True),
        (S.ATTEMPT_FAILED, S.IN_TRANSIT, True),  # back to the depot after a missed delivery
        (S.EXCEPTION, S.IN_TRANSIT, True),
        (S.DELAYED, S.OUT_FOR_DELIVERY, True),
        (S.LOST, S.DELIVERED, True),  # found again
        (S.AVAILABLE_FOR_PICKUP, S.RETURNED_TO_SENDER, True),  # never collected
    ],
)
def test_may_follow(current: S, new: S, allowed: bool) -> None:
    assert may_follow(current, new) is allowed


def test_next_status_keeps_the_current_one_for_stale_or_regressing_scans() -> None:
    assert (
        next_status(S.IN_TRANSIT, S.OUT_FOR_DELIVERY, occurred_at=T0, last_event_at=T0 - timedelta(hours=1))
        == S.OUT_FOR_DELIVERY
    )
    assert (
        next_status(S.IN_TRANSIT, S.OUT_FOR_DELIVERY, occurred_at=T0, last_event_at=T0 + timedelta(seconds=1))
        == S.IN_TRANSIT
    )
    assert next_status(S.DELIVERED, S.IN_TRANSIT, occurred_at=T0, last_event_at=None) == S.DELIVERED
    assert next_status(S.IN_TRANSIT, None, occurred_at=T0, last_event_at=None) == S.IN_TRANSIT
    assert is_stale(T0, T0) is False
    assert is_stale(T0, None) is False


@pytest.mark.parametrize(
    ("current", "new", "ends"),
    [
        (S.IN_TRANSIT, S.DELIVERED, True),
        (S.OUT_FOR_DELIVERY, S.DELIVERED, True),
        (S.PRE_TRANSIT, S.RETURNED_TO_SENDER, True),
        (S.EXCEPTION, S.LOST, True),
        (S.AVAILABLE_FOR_PICKUP, S.RETURNED_TO_SENDER, True),
        (S.LOST, S.DELIVERED, True),  # found
        (S.LOST, S.RETURNED_TO_SENDER, True),
        (S.DELIVERED, S.DELIVERED, False),  # nothing to move
        (S.DELIVERED, S.LOST, False),  # a final status stays
        (S.RETURNED_TO_SENDER, S.DELIVERED, False),
        (S.LOST, S.IN_TRANSIT, False),  # moving again is ordered by time
        (S.IN_TRANSIT, S.OUT_FOR_DELIVERY, False),
        (S.OUT_FOR_DELIVERY, S.EXCEPTION, False),
    ],
)
def test_ends_the_journey(current: S, new: S, ends: bool) -> None:
    assert ends_the_journey(current, new) is ends


def test_a_forward_terminal_status_applies_whatever_its_stamp() -> None:
    later = T0 + timedelta(days=1)
    assert next_status(S.OUT_FOR_DELIVERY, S.DELIVERED, occurred_at=T0, last_event_at=later) == S.DELIVERED
    assert next_status(S.IN_TRANSIT, S.LOST, occurred_at=T0, last_event_at=later) == S.LOST
    assert next_status(S.LOST, S.DELIVERED, occurred_at=T0, last_event_at=later) == S.DELIVERED
    assert next_status(S.LOST, S.IN_TRANSIT, occurred_at=T0, last_event_at=later) == S.LOST
    assert next_status(S.DELIVERED, S.RETURNED_TO_SENDER, occurred_at=T0, last_event_at=later) == S.DELIVERED
