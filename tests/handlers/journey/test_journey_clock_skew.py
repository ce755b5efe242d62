"""Clock skew between sources: a forward, terminal status applies whatever its timestamp.

Sources stamp events with their own clocks. A carrier's "delivered" stamped yesterday can arrive
after another source's "out for delivery" stamped today; it must still end the journey.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.journey.apply import OutcomeStatus
from storage.store import Store
from tests.builders import order_line
from tests.handlers.journey.conftest import TRACKING, apply, details, keys, scan, seed

TODAY = "2026-11-22T09:00:00Z"
YESTERDAY = "2026-11-21T15:00:00Z"


async def test_delivered_stamped_yesterday_after_out_for_delivery_today_is_applied(store: Store) -> None:
    await seed(store, order_line("1001", shipment_status="in_transit"))
    await apply(store, scan("ofd", "out_for_delivery", at=TODAY, source="easypost"))
    outcome = await apply(store, scan("dlv", "delivered", at=YESTERDAY, source="aftership"))

    assert (outcome.status, outcome.reason) == (OutcomeStatus.APPLIED, "shipment updated")
    assert keys(outcome) == [
        f"1001:delivered:{TRACKING}:delivered",
        f"1001:setup_guide:{TRACKING}:delivered",
        "1001:review_request:-:-",
    ]
    [shipment] = (await details(store)).shipments
    assert shipment.status == "delivered"
    assert shipment.delivered_at == datetime(2026, 11, 21, 15, 0, tzinfo=UTC)  # as the carrier says
    # the newest stamp stays the parcel's latest scan: later events are still judged against it
    assert shipment.last_event_at == datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("terminal", ["returned_to_sender", "lost"])
async def test_other_terminal_statuses_apply_when_stamped_earlier(store: Store, terminal: str) -> None:
    await seed(store, order_line("1001", shipment_status="in_transit"))
    await apply(store, scan("moving", "in_transit", at=TODAY, source="easypost"))
    outcome = await apply(store, scan("end", terminal, at=YESTERDAY, source="aftership"))
    assert outcome.reason == "shipment updated"
    assert (await details(store)).shipments[0].status == terminal


async def test_a_lost_parcel_found_delivered_applies_even_when_stamped_earlier(store: Store) -> None:
    await seed(store, order_line("1001", shipment_status="in_transit"))
    await apply(store, scan("lost", "lost", at=TODAY, source="easypost"))
    outcome = await apply(store, scan("found", "delivered", at=YESTERDAY, source="aftership"))
    assert keys(outcome)[0] == f"1001:delivered:{TRACKING}:delivered"
    assert (await details(store)).shipments[0].status == "delivered"


async def test_older_non_terminal_scans_still_never_move_a_parcel(store: Store) -> None:
    await seed(store, order_line("1001", shipment_status="in_transit"))
    await apply(store, scan("ofd", "out_for_delivery", at=TODAY))
    late_problem = await apply(store, scan("late", "exception", at=YESTERDAY))
    assert late_problem.reason == "older than the current state: kept out_for_delivery"
    assert keys(late_problem) == []
    assert (await details(store)).shipments[0].status == "out_for_delivery"


async def test_a_terminal_status_never_replaces_a_final_one(store: Store) -> None:
    await seed(store, order_line("1001", shipment_status="in_transit"))
    await apply(store, scan("dlv", "delivered", at=TODAY))
    back = await apply(store, scan("rts", "returned_to_sender", at=YESTERDAY))
    assert keys(back) == []
    assert (await details(store)).shipments[0].status == "delivered"
