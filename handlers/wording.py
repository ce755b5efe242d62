"""Plain-words formatting shared by the handlers: dates, statuses, item lists, masked contacts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from handlers.messages import Button
from storage.domain import ShipmentStatus

#: how each shipment status is said to a shopper
STATUS_WORDS: dict[str, str] = {
    ShipmentStatus.PRE_TRANSIT: "packed and waiting for the carrier to pick it up",
    ShipmentStatus.IN_TRANSIT: "on its way",
    ShipmentStatus.OUT_FOR_DELIVERY: "out for delivery today",
    ShipmentStatus.AVAILABLE_FOR_PICKUP: "waiting for you at a pickup point",
    ShipmentStatus.DELIVERED: "delivered",
    ShipmentStatus.ATTEMPT_FAILED: "not delivered yet: the carrier tried but couldn't hand it over",
    ShipmentStatus.DELAYED: "on its way, but delayed",
    ShipmentStatus.EXCEPTION: "held up: the carrier reported a problem",
    ShipmentStatus.RETURNED_TO_SENDER: "on its way back to us",
    ShipmentStatus.LOST: "reported lost by the carrier",
}

HUMAN_BUTTON = Button("Talk to a person", "intent:human_agent")
MENU_BUTTON = Button("Main menu", "intent:greeting")
OTHER_ORDER_BUTTON = Button("A different order", "order:other")


def status_words(status: str) -> str:
    """The shipment status in plain words."""
    return STATUS_WORDS.get(status, "being processed")


def day(value: date) -> str:
    """``Tuesday 24 November`` (the year is left out: dates here are always near)."""
    return f"{value.strftime('%A')} {value.day} {value.strftime('%B')}"


def short_day(value: date) -> str:
    """``Tue 24 Nov``."""
    return f"{value.strftime('%a')} {value.day} {value.strftime('%b')}"


def relative_day(value: date, today: date) -> str:
    """``today``, ``tomorrow``, ``yesterday`` or :func:`day`."""
    delta = (value - today).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta == -1:
        return "yesterday"
    return day(value)


def local_time(moment: datetime, timezone: str) -> datetime:
    """``moment`` in the shopper's time zone (UTC when the zone is unknown)."""
    try:
        zone = ZoneInfo(timezone)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return moment.astimezone(zone)


def moment_words(moment: datetime, timezone: str, today: date) -> str:
    """``today at 14:05`` / ``Monday 23 November at 09:10`` in the shopper's time zone."""
    local = local_time(moment, timezone)
    return f"{relative_day(local.date(), today)} at {local:%H:%M}"


def join_words(words: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " and " + words[-1]


def mask_email(email: str) -> str:
    """``a***@example.com``: enough to recognise, not enough to leak."""
    local, _, domain = email.partition("@")
    if not domain:
        return "your email address"
    return f"{local[:1]}***@{domain}"


def order_label(number: str) -> str:
    """``#1042``."""
    return f"#{number}"
