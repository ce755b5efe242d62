"""Pure policy pieces: backoff, the reputation guard, staleness and the recipient choice."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from bot.notify.backoff import Backoff
from bot.notify.facts import GuardFacts
from bot.notify.guard import review_hold
from bot.notify.recipients import choose_recipient
from bot.notify.staleness import superseded_reason
from storage.models import ChannelIdentity, Customer, NotificationPreference, Order, Shipment
from storage.repositories.orders import OrderDetails

NOW = datetime(2026, 12, 6, 18, 0, tzinfo=UTC)


def _details(*statuses: str, order_status: str = "open") -> OrderDetails:
    order = Order(id=1, order_number="1001", customer_id=1, placed_at=NOW, status=order_status)
    shipments = [
        Shipment(id=n + 1, order_id=1, carrier="UPS", tracking_number=f"1Z{n + 1}", status=s)
        for n, s in enumerate(statuses)
    ]
    return OrderDetails(order=order, customer=Customer(id=1, email="ann@example.com"), shipments=shipments)


def test_backoff_grows_with_jitter_and_honours_retry_after() -> None:
    rng = random.Random(1)
    backoff = Backoff(base=5, cap=60)
    for attempt, ceiling in ((1, 5), (2, 10), (3, 20), (6, 60), (12, 60)):
        delays = [backoff.delay(attempt, None, rng) for _ in range(50)]
        assert ceiling / 2 <= min(delays) and max(delays) <= ceiling
        assert len(set(delays)) > 40
    retry = [backoff.delay(1, 30, rng) for _ in range(50)]
    assert 30 <= min(retry) and max(retry) <= 33


def test_reputation_guard_reasons_and_release_times() -> None:
    quiet = GuardFacts()
    assert review_hold(_details("delivered"), quiet, NOW) is None
    hold = review_hold(_details("delivered", "delayed"), quiet, NOW)
    assert hold is not None and (hold.until, hold.reason) == (
        NOW + timedelta(days=1),
        "reputation guard: shipment delayed",
    )
    hold = review_hold(_details("delivered"), GuardFacts(open_returns=1), NOW)
    assert hold is not None and hold.reason == "reputation guard: open return"
    contact = NOW - timedelta(days=3)
    hold = review_hold(_details("delivered"), GuardFacts(last_contact_at=contact), NOW)
    assert hold is not None and hold.until == contact + timedelta(days=7)
    assert hold.reason == "reputation guard: support contact on 2026-12-03"
    assert (
        review_hold(_details("delivered"), GuardFacts(last_contact_at=NOW - timedelta(days=8)), NOW) is None
    )


def test_superseded_messages() -> None:
    assert (
        superseded_reason("shipped", 1, _details("delivered"))
        == "superseded: shipment 1Z1 is already delivered"
    )
    assert superseded_reason("shipped", 1, _details("out_for_delivery")) is not None
    assert superseded_reason("shipped", 1, _details("in_transit")) is None
    assert superseded_reason("out_for_delivery", 1, _details("attempt_failed")) is None
    assert superseded_reason("delayed", 1, _details("in_transit")) is None
    assert superseded_reason("delayed", 1, _details("out_for_delivery")) is not None
    assert superseded_reason("order_confirmed", None, _details("in_transit")) is not None
    assert superseded_reason("order_confirmed", None, _details("pre_transit")) is None
    assert (
        superseded_reason("setup_guide", 1, _details("out_for_delivery")) == "setup guide waits for delivery"
    )
    assert superseded_reason("setup_guide", 1, _details("delivered")) is None
    cancelled = _details("in_transit", order_status="cancelled")
    assert superseded_reason("shipped", 1, cancelled) == "superseded: the order was cancelled"
    assert superseded_reason("refund_issued", None, cancelled) is None


def _identity(n: int, channel: str = "telegram", **kw: object) -> ChannelIdentity:
    values: dict[str, object] = {"verified": True, "accepted_updates": True, "opted_out_categories": []}
    values.update(kw)
    return ChannelIdentity(id=n, channel=channel, external_id=str(n), customer_id=1, **values)  # type: ignore[arg-type]


def test_recipient_is_the_preferred_eligible_identity_else_the_oldest() -> None:
    identities = [_identity(1), _identity(2, "web"), _identity(3)]
    assert choose_recipient(identities, None, "shipping_updates").identity.id == 1  # type: ignore[union-attr]
    preference = NotificationPreference(customer_id=1, preferred_identity_id=3)
    assert choose_recipient(identities, preference, "shipping_updates").identity.id == 3  # type: ignore[union-attr]
    identities[2] = _identity(3, unreachable=True)
    assert choose_recipient(identities, preference, "shipping_updates").identity.id == 1  # type: ignore[union-attr]
    choice = choose_recipient(identities, preference, "shipping_updates", exclude={("telegram", "1")})
    assert choice.identity is not None and choice.identity.channel == "web"


def test_recipient_reasons_when_nobody_can_get_it() -> None:
    assert choose_recipient([], None, "reviews").reason == "no verified chat identity"
    assert choose_recipient([_identity(1, "rest")], None, "reviews").reason == "no verified chat identity"
    assert choose_recipient([_identity(1, accepted_updates=False)], None, "reviews").reason == (
        "no chat identity accepted updates"
    )
    assert choose_recipient([_identity(1, opted_out_categories=["reviews"])], None, "reviews").reason == (
        "opted out of reviews"
    )
    assert (
        choose_recipient([_identity(1, unreachable=True)], None, "reviews").reason
        == "unreachable on every channel"
    )
