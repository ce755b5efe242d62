"""Plain-words formatting shared by the handlers: dates, statuses, item lists, masked contacts.

Rules every reply follows: verbs agree with the items ("Your kettle and mugs were delivered");
dates are the shopper's local dates (``today``/``tomorrow`` from :meth:`HandlerContext.today`,
moments through :func:`local_time`); a URL appears once per reply (:func:`distinct_links`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from handlers.messages import Button, Link
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

#: the same for several items ("Your kettle and mugs are on their way")
PLURAL_STATUS_WORDS: dict[str, str] = {
    **STATUS_WORDS,
    ShipmentStatus.PRE_TRANSIT: "packed and waiting for the carrier to pick them up",
    ShipmentStatus.IN_TRANSIT: "on their way",
    ShipmentStatus.ATTEMPT_FAILED: "not delivered yet: the carrier tried but couldn't hand them over",
    ShipmentStatus.DELAYED: "on their way, but delayed",
    ShipmentStatus.RETURNED_TO_SENDER: "on their way back to us",
}

HUMAN_BUTTON = Button("Talk to a person", "intent:human_agent")
MENU_BUTTON = Button("Main menu", "intent:greeting")
MISSING_BUTTON = Button("Something is missing", "problem:missing_item")
#: what the shopper wants once a parcel returned to sender is back with us (``problem:returned:<want>``)
RESEND, REFUND = "resend", "refund"
LOST_BUTTONS = [
    Button("Refund me", f"problem:lost:{REFUND}"),
    Button("Send a replacement", f"problem:lost:{RESEND}"),
]
RETURNED_BUTTONS = [
    Button("Send it again", f"problem:returned:{RESEND}"),
    Button("Refund me", f"problem:returned:{REFUND}"),
]
OTHER_ORDER_BUTTON = Button("A different order", "order:other")


def status_words(status: str, *, plural: bool = False) -> str:
    """The shipment status in plain words (``plural`` when the subject is several items)."""
    return (PLURAL_STATUS_WORDS if plural else STATUS_WORDS).get(status, "being processed")


class Agreement:
    """Verb and pronoun forms that agree with a subject of one item or several.

    ``Agreement(plural=True).be`` is ``are``; ``.was`` is ``were``; ``.it`` is ``them`` ...
    """

    __slots__ = ("plural",)

    def __init__(self, *, plural: bool) -> None:
        self.plural = plural

    @property
    def be(self) -> str:
        """``is`` / ``are``."""
        return "are" if self.plural else "is"

    @property
    def was(self) -> str:
        """``was`` / ``were``."""
        return "were" if self.plural else "was"

    @property
    def has(self) -> str:
        """``has`` / ``have``."""
        return "have" if self.plural else "has"

    @property
    def hasnt(self) -> str:
        """``hasn't`` / ``haven't``."""
        return "haven't" if self.plural else "hasn't"

    @property
    def it(self) -> str:
        """``it`` / ``them`` (object)."""
        return "them" if self.plural else "it"

    @property
    def its(self) -> str:
        """``it's`` / ``they're``."""
        return "they're" if self.plural else "it's"

    @property
    def subject(self) -> str:
        """``it`` / ``they`` (subject)."""
        return "they" if self.plural else "it"


#: last words of product names that are plural nouns ("QuietTone Headphones are ...")
PLURAL_NOUNS = frozenset(
    """headphones earphones earbuds speakers shoes boots trainers sneakers sandals slippers socks gloves
    jeans trousers pants shorts leggings tights glasses sunglasses goggles scissors pliers tongs
    binoculars pyjamas pajamas""".split()
)


def agreement(quantities: Sequence[int], names: Sequence[str] = ()) -> Agreement:
    """The agreement for a subject made of items with these quantities and names.

    One item of quantity 1 is singular, unless its name ends in a plural noun ("Running Shoes").
    """
    if len(quantities) > 1 or any(q > 1 for q in quantities):
        return Agreement(plural=True)
    plural = any(name.split() and name.split()[-1].lower() in PLURAL_NOUNS for name in names)
    return Agreement(plural=plural)


def distinct_links(links: Iterable[Link], text: str = "") -> list[Link]:
    """``links`` without repeats: one link per URL, and none whose URL the text already shows."""
    seen: set[str] = set()
    out: list[Link] = []
    for link in links:
        if link.url in seen or (text and link.url in text):
            continue
        seen.add(link.url)
        out.append(link)
    return out


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


def local_date(moment: datetime, timezone: str) -> date:
    """The shopper's calendar day at ``moment``."""
    return local_time(moment, timezone).date()


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


def your(names: str, *, capital: bool = True) -> str:
    """``Your Kettle Pro 200``; a name that starts with an article stands alone ("The Home Barista Book",
    not "Your The Home Barista Book")."""
    if names.startswith(("The ", "A ", "An ")):
        return names
    return f"{'Your' if capital else 'your'} {names}"
