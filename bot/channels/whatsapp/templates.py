"""Approved utility templates for proactive messages outside WhatsApp's 24-hour window.

WhatsApp lets a business send free-form messages only within 24 hours of the shopper's last
message (the customer-service window). Outside it only a template Meta approved may go. The shop
maps each message kind and locale to one in ``DOORSTEP_WHATSAPP_TEMPLATES``::

    {"shipped": {"en": "order_update:en_US", "de": "order_update:de"},
     "delayed": {"*": "delivery_delay:en_US"}}

A locale is looked up as given (``pt-BR``), then by its language (``pt``), then ``*``. A kind
without a template is never sent free-form outside the window: the message goes to another
channel or waits (reason ``no template``).

Every template gets the same body parameters, in this order:
``{{1}}`` the order number, ``{{2}}`` the status in a few words (``out for delivery``),
``{{3}}`` the link (the message's first link, e.g. the tracking page, else the shop's chat page).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

#: WhatsApp's customer-service window after the shopper's last message
WINDOW = timedelta(hours=24)
#: the window is taken to close this much earlier, for the time between Meta's clock and ours
WINDOW_MARGIN = timedelta(minutes=5)

#: ``{{2}}`` per message kind
STATUS_WORDS: dict[str, str] = {
    "order_confirmed": "confirmed",
    "shipped": "shipped",
    "out_for_delivery": "out for delivery",
    "delivered": "delivered",
    "available_for_pickup": "ready for pickup",
    "attempt_failed": "delivery attempt failed",
    "delayed": "delayed",
    "exception": "held up by the carrier",
    "lost": "lost in transit",
    "returned_to_sender": "returned to sender",
    "backordered": "backordered",
    "setup_guide": "delivered: setup guide",
    "review_request": "delivered: how did it go?",
    "return_started": "return started",
    "refund_issued": "refund issued",
    "order_cancelled": "cancelled",
}


@dataclass(frozen=True, slots=True)
class TemplateRef:
    """An approved template: its name and language code as registered with Meta."""

    name: str
    language: str


def in_window(last_message_at: datetime | None, now: datetime) -> bool:
    """Whether free-form messages may go at ``now`` (the shopper wrote within the last 24 hours)."""
    return last_message_at is not None and now < last_message_at + WINDOW - WINDOW_MARGIN


class TemplateBook:
    """The configured kind -> locale -> template mapping (``DOORSTEP_WHATSAPP_TEMPLATES``)."""

    def __init__(self, mapping: Mapping[str, Mapping[str, str]]) -> None:
        self._mapping: dict[str, dict[str, TemplateRef]] = {}
        for kind, by_locale in mapping.items():
            refs: dict[str, TemplateRef] = {}
            for locale, spec in by_locale.items():
                name, _, language = spec.partition(":")
                refs[locale.strip().lower().replace("_", "-")] = TemplateRef(name.strip(), language.strip())
            self._mapping[kind] = refs

    def find(self, kind: str, locale: str | None) -> TemplateRef | None:
        """The template for ``kind`` in ``locale`` (then its language, then ``*``), or None."""
        refs = self._mapping.get(kind)
        if not refs:
            return None
        wanted = (locale or "en").strip().lower().replace("_", "-")
        for key in (wanted, wanted.split("-")[0], "*"):
            if key in refs:
                return refs[key]
        return None


def no_template_reason(kind: str, locale: str | None) -> str:
    """The reason a message waits or goes elsewhere: ``no template for shipped (de) ...``."""
    return f"no template for {kind} ({locale or 'en'}) outside WhatsApp's 24-hour window"


def template_components(order_number: str, kind: str, link: str) -> list[dict[str, Any]]:
    """The ``components`` of a template message: the body's three text parameters."""
    values = (order_number or "-", STATUS_WORDS.get(kind, kind.replace("_", " ")), link or "-")
    return [{"type": "body", "parameters": [{"type": "text", "text": value} for value in values]}]
