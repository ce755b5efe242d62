"""Which shipment status may follow which: the one table that stops status regressions.

Carrier events arrive late, twice, and out of order. A status is applied only when it may
follow the shipment's current one (:data:`MAY_FOLLOW`) and the event is not older than the last
one applied (:func:`next_status`), except for a *forward, terminal* status
(:func:`ends_the_journey`): it applies whatever its timestamp. The tracking event is recorded
either way.

Why the exception: timestamps are only comparable within one clock, and events come from several
(the shop, EasyPost, AfterShip, the carrier's own scanners). A "delivered" stamped yesterday by
one source can arrive after an "in transit" stamped today by another. Ordering by timestamp
would leave the parcel in transit for good: no delivered message, no setup guide, and the
overdue sweep would later claim a delay. An ending is never older news than a status that
precedes it.

What "forward" means, status by status (the :data:`MAY_FOLLOW` table gives what may follow):

- ``delivered`` and ``returned_to_sender`` are *final*: nothing but themselves may follow them.
  Either is forward from every status that may precede it, whatever the stamps say.
- ``lost`` ends the journey too, but it is not final (a lost parcel can turn up, moving again,
  delivered or returned). It is forward from every status that is not an ending; a stale
  ``lost`` never replaces ``delivered`` or ``returned_to_sender`` (the table forbids it anyway).
- ``delivered`` or ``returned_to_sender`` after ``lost`` is forward (the parcel was found), so
  it applies when stamped earlier than the ``lost``.
- every other status (``pre_transit``, ``in_transit``, ``out_for_delivery``,
  ``available_for_pickup``, ``attempt_failed``, ``delayed``, ``exception``) is ordered by its
  timestamp: a stale one is older news and is kept out (for example a late "in transit" after
  "out for delivery"), because these statuses can follow one another both ways.
"""

from __future__ import annotations

from datetime import datetime

from storage.domain import TERMINAL_SHIPMENT_STATUSES
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


#: endings nothing else may follow (see the module docstring)
FINAL = frozenset(status for status in TERMINAL_SHIPMENT_STATUSES if MAY_FOLLOW[status] == {status})


def ends_the_journey(current: S, new: S) -> bool:
    """Whether ``new`` is a forward, terminal status after ``current``: it applies whatever its
    timestamp (delivered, returned to sender or lost after a status that is not an ending; a
    final status after ``lost``)."""
    if new not in TERMINAL_SHIPMENT_STATUSES or new == current or not may_follow(current, new):
        return False
    return current not in TERMINAL_SHIPMENT_STATUSES or (current == S.LOST and new in FINAL)


def is_stale(occurred_at: datetime, last_event_at: datetime | None) -> bool:
    """An event older than the last one applied to the shipment."""
    return last_event_at is not None and occurred_at < last_event_at


def next_status(current: S, new: S | None, *, occurred_at: datetime, last_event_at: datetime | None) -> S:
    """The status after an event: ``new`` if it may follow and is newer (or ends the journey,
    whatever its stamp), else ``current``."""
    if new is None or not may_follow(current, new):
        return current
    if is_stale(occurred_at, last_event_at) and not ends_the_journey(current, new):
        return current
    return new
