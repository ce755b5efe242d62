"""A realistic demo shop: ~200 orders over every state, dated relative to today."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from bot.demo.catalogue import CATALOGUE, Product

FIRST_NAMES = (
    "Ann",
    "Ben",
    "Chloe",
    "Dev",
    "Elif",
    "Farah",
    "Gus",
    "Hana",
    "Ivan",
    "Jade",
    "Kofi",
    "Lena",
    "Mateo",
    "Nina",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Tariq",
    "Uma",
    "Vera",
    "Wei",
    "Yara",
    "Zoe",
)
LAST_NAMES = (
    "Lee",
    "Novak",
    "Garcia",
    "Okafor",
    "Kim",
    "Schmidt",
    "Rossi",
    "Patel",
    "Dubois",
    "Silva",
    "Tanaka",
    "Murphy",
    "Haddad",
    "Jensen",
    "Costa",
    "Fischer",
)
CITIES = (
    ("Boston", "02118", "US", "America/New_York"),
    ("Chicago", "60601", "US", "America/Chicago"),
    ("Denver", "80202", "US", "America/Denver"),
    ("Seattle", "98101", "US", "America/Los_Angeles"),
    ("London", "EC1A 1BB", "GB", "Europe/London"),
    ("Berlin", "10115", "DE", "Europe/Berlin"),
    ("Toronto", "M5H 2N2", "CA", "America/Toronto"),
)
CARRIERS = (
    ("UPS", "1Z{0:016d}", "https://www.ups.com/track?tracknum={0}"),
    ("FedEx", "{0:012d}", "https://www.fedex.com/fedextrack/?trknbr={0}"),
    ("USPS", "9400{0:018d}", "https://tools.usps.com/go/TrackConfirmAction?tLabels={0}"),
    ("DHL", "{0:010d}", "https://www.dhl.com/track?tracking-id={0}"),
)

#: every state the demo covers, with how many orders of it
STATES: tuple[tuple[str, int], ...] = (
    ("not_shipped", 20),
    ("in_transit", 30),
    ("out_for_delivery", 15),
    ("delivered", 40),
    ("delayed", 15),
    ("exception", 8),
    ("attempt_failed", 8),
    ("available_for_pickup", 8),
    ("returned_to_sender", 6),
    ("lost", 4),
    ("refunded", 10),
    ("cancelled", 10),
    ("backordered", 10),
    ("multi_shipment", 16),
)


@dataclass(frozen=True, slots=True)
class DemoOrder:
    """A seeded order and the state it illustrates."""

    state: str
    line: dict[str, Any]


def _at(day: date, hour: int) -> str:
    return datetime.combine(day, time(hour, 0), tzinfo=UTC).isoformat().replace("+00:00", "Z")


class _Builder:
    def __init__(self, today: date, seed: int) -> None:
        self.today = today
        self.rng = random.Random(seed)
        self.tracking_seq = 10_000_000

    def tracking(self) -> tuple[str, str, str]:
        carrier, pattern, url = self.rng.choice(CARRIERS)
        self.tracking_seq += self.rng.randint(1, 9_999)
        number = pattern.format(self.tracking_seq)
        return carrier, number, url.format(number)

    def products(self, count: int) -> list[Product]:
        return self.rng.sample(list(CATALOGUE), count)

    def shipment(
        self, items: list[Product], status: str, shipped: date | None, **fields: Any
    ) -> dict[str, Any]:
        carrier, number, url = self.tracking()
        shipped = shipped or self.today - timedelta(days=2)
        base: dict[str, Any] = {
            "carrier": carrier,
            "tracking_number": number,
            "tracking_url": url,
            "status": status,
            "eta": (shipped + timedelta(days=4)).isoformat(),
            "promised_by": (shipped + timedelta(days=5)).isoformat(),
            "shipped_at": _at(shipped, 9),
            "delivered_at": None,
            "skus": [p.sku for p in items],
        }
        base.update(fields)
        return base

    def order(self, number: int, state: str) -> DemoOrder:
        rng, today = self.rng, self.today
        first, last = FIRST_NAMES[number % len(FIRST_NAMES)], rng.choice(LAST_NAMES)
        city, postcode, country, zone = rng.choice(CITIES)
        items = self.products(rng.choice((1, 1, 1, 2, 2, 3)))
        if state in ("delivered", "refunded") and number % 3 == 0:
            items = [p for p in CATALOGUE if p.requires_setup][number % 9 : number % 9 + 1] + items[:1]
        placed = today - timedelta(days=rng.randint(3, 9))
        shipped = placed + timedelta(days=1)
        line: dict[str, Any] = {
            "order_number": str(number),
            "placed_at": _at(placed, rng.randint(8, 20)),
            "status": "open",
            "customer": {
                "email": f"{first.lower()}.{last.lower()}{number}@example.com",
                "name": f"{first} {last}",
                "phone": f"+1555{number:07d}",
                "timezone": zone,
                "locale": "en",
            },
            "shipping_address": {
                "line1": f"{rng.randint(1, 300)} Market Street",
                "city": city,
                "postcode": postcode,
                "country": country,
            },
            "items": [p.line_item() for p in items],
            "shipments": [],
        }
        ships: list[dict[str, Any]] = line["shipments"]
        if state == "not_shipped":
            line["placed_at"] = _at(today - timedelta(days=1), 10)
            line["expected_ship_date"] = (today + timedelta(days=1)).isoformat()
        elif state == "backordered":
            line["placed_at"] = _at(today - timedelta(days=4), 10)
            line["backordered_until"] = (today + timedelta(days=rng.randint(5, 20))).isoformat()
            line["expected_ship_date"] = line["backordered_until"]
        elif state == "cancelled":
            line["status"] = "cancelled"
            line["refund_status"] = "issued"
        elif state == "in_transit":
            ships.append(
                self.shipment(
                    items,
                    "in_transit",
                    today - timedelta(days=1),
                    eta=(today + timedelta(days=2)).isoformat(),
                    promised_by=(today + timedelta(days=3)).isoformat(),
                )
            )
        elif state == "out_for_delivery":
            ships.append(
                self.shipment(
                    items,
                    "out_for_delivery",
                    today - timedelta(days=2),
                    eta=today.isoformat(),
                    promised_by=(today + timedelta(days=1)).isoformat(),
                )
            )
        elif state in ("delivered", "refunded"):
            delivered = today - timedelta(days=rng.randint(1, 40))
            shipped_on = delivered - timedelta(days=3)
            line["placed_at"] = _at(shipped_on - timedelta(days=1), 11)
            ships.append(
                self.shipment(
                    items,
                    "delivered",
                    shipped_on,
                    eta=delivered.isoformat(),
                    promised_by=(delivered + timedelta(days=1)).isoformat(),
                    delivered_at=_at(delivered, 14),
                )
            )
            if state == "refunded":
                line["status"] = "closed"
                line["refund_status"] = "issued"
        elif state == "delayed":
            ships.append(
                self.shipment(
                    items,
                    rng.choice(("in_transit", "delayed")),
                    today - timedelta(days=7),
                    eta=(today + timedelta(days=2)).isoformat(),
                    promised_by=(today - timedelta(days=1)).isoformat(),
                )
            )
        elif state in ("exception", "attempt_failed", "available_for_pickup", "returned_to_sender", "lost"):
            ships.append(self.shipment(items, state, shipped))
        elif state == "multi_shipment":
            if len(items) < 2:
                items = self.products(2)
                line["items"] = [p.line_item() for p in items]
            delivered = today - timedelta(days=1)
            ships.append(
                self.shipment(
                    items[:1],
                    "delivered",
                    today - timedelta(days=3),
                    delivered_at=_at(delivered, 13),
                    eta=delivered.isoformat(),
                )
            )
            ships.append(
                self.shipment(
                    items[1:],
                    "in_transit",
                    today - timedelta(days=1),
                    eta=(today + timedelta(days=2)).isoformat(),
                    promised_by=(today + timedelta(days=3)).isoformat(),
                )
            )
        return DemoOrder(state=state, line=line)


def demo_orders(today: date | None = None, *, seed: int = 7, first_number: int = 1001) -> list[DemoOrder]:
    """The demo shop's orders, deterministic for a given ``today`` and ``seed``."""
    builder = _Builder(today or datetime.now(UTC).date(), seed)
    numbers: Iterator[int] = iter(range(first_number, first_number + 10_000))
    orders: list[DemoOrder] = []
    # interleave states so the first numbers show the variety
    remaining = dict(STATES)
    while any(remaining.values()):
        for state, _ in STATES:
            if remaining[state]:
                remaining[state] -= 1
                orders.append(builder.order(next(numbers), state))
    return orders
