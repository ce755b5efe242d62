"""Which shipment status may follow which: the one table that stops status regressions.

Carrier events arrive late, twice, and out of order. A status is applied only when it may
follow the shipment's current one (:data:`MAY_FOLLOW`) and the event is not older than the last
one applied (:func:`next_status`). The tracking event is recorded either way.
"""

from __future__ import annotations

from datetime import datetime

from storage.domain import ShipmentStatus as S

#: problems a parcel can recover from (it moves again afterwards)
_PROBLEMS = frozenset({S.ATTEMPT_FAILED, S.DELAYED, S.EXCEPTION})
_MOVING_ON = frozenset(
    {
        S.IN_TRANSIT,
        S.OUT_FOR_DELIVERY,
        S.AVAILABLE_FOR_PICKUP,
        S.DELIVERED,
        S.RETURNED_TO_SENDER,
        S.LOST,
        *_PROBLEMS,
    }
)

#: current status -> statuses that may replace it. A status not listed for the current one is a
#: regression (an older scan, a carrier glitch) and leaves the shipment as it is.
MAY_FOLLOW: dict[S, frozenset[S]] = {
    S.PRE_TRANSIT: frozenset(S),
    S.IN_TRANSIT: _MOVING_ON,
    S.OUT_FOR_DELIVERY: _MOVING_ON - {S.IN_TRANSIT},
    S.AVAILABLE_FOR_PICKUP: frozenset({S.AVAILABLE_FOR_PICKUP, S.DELIVERED, S.RETURNED_TO_SENDER, S.LOST})
    | _PROBLEMS,
    S.ATTEMPT_FAILED: _MOVING_ON,
    S.DELAYED: _MOVING_ON,
    S.EXCEPTION: _MOVING_ON,
    # a lost parcel can turn up again; one on its way back to the shop or delivered stays so
    S.LOST: _MOVING_ON,
    S.RETURNED_TO_SENDER: frozenset({S.RETURNED_TO_SENDER}),
    S.DELIVERED: frozenset({S.DELIVERED}),
}


def may_follow(current: S, new: S) -> bool:
    """Whether ``new`` may replace ``current`` (same status: yes, it refreshes eta/location)."""
    return new in MAY_FOLLOW[current]


def is_stale(occurred_at: datetime, last_event_at: datetime | None) -> bool:
    """An event older than the last one applied to the shipment."""
    return last_event_at is not None and occurred_at < last_event_at


def next_status(current: S, new: S | None, *, occurred_at: datetime, last_event_at: datetime | None) -> S:
    """The status after an event: ``new`` if it is newer and may follow, else ``current``."""
    if new is None or is_stale(occurred_at, last_event_at) or not may_follow(current, new):
        return current
    return new
