"""The reputation guard: no review request while something went wrong, or just after a contact."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.notify.facts import GuardFacts
from storage.repositories.orders import OrderDetails

#: a review request waits this long after the customer's last contact with support
CONTACT_QUIET_PERIOD = timedelta(days=7)
#: while a problem is open, a held review request is looked at again after this long
PROBLEM_RECHECK = timedelta(days=1)
#: a review request held this long past its due time is dropped
GIVE_UP_AFTER = timedelta(days=30)

#: shipment statuses that mean "a delay or exception exists"
PROBLEM_SHIPMENT_STATUSES = frozenset(
    {"delayed", "exception", "lost", "returned_to_sender", "attempt_failed"}
)


@dataclass(frozen=True, slots=True)
class Hold:
    """The review request must wait until ``until`` because of ``reason``."""

    until: datetime
    reason: str


def review_hold(details: OrderDetails, guard: GuardFacts, now: datetime) -> Hold | None:
    """Why a review request cannot go at ``now``, with when to look again; None when it may go."""
    problems = [s for s in details.shipments if s.status in PROBLEM_SHIPMENT_STATUSES]
    if problems:
        return Hold(now + PROBLEM_RECHECK, f"reputation guard: shipment {problems[0].status}")
    if guard.open_case_kinds:
        return Hold(now + PROBLEM_RECHECK, f"reputation guard: open {guard.open_case_kinds[0]} case")
    if guard.open_returns:
        return Hold(now + PROBLEM_RECHECK, "reputation guard: open return")
    if guard.open_handoff:
        return Hold(now + PROBLEM_RECHECK, "reputation guard: open support handoff")
    if guard.last_contact_at is not None and now < guard.last_contact_at + CONTACT_QUIET_PERIOD:
        until = guard.last_contact_at + CONTACT_QUIET_PERIOD
        return Hold(until, f"reputation guard: support contact on {guard.last_contact_at:%Y-%m-%d}")
    return None
