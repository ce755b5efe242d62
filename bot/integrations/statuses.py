"""Provider status vocabularies mapped onto :class:`storage.domain.ShipmentStatus`.

Every value each provider documents is in a table below. A value no table knows is never
dropped: :func:`map_status` answers ``EXCEPTION`` together with the raw word, so the caller can
log it and keep it in ``NormalizedEvent.raw_status``.

A second, optional word refines the status where the provider's main word is too coarse:
EasyPost's ``status_detail`` (``in_transit`` + ``lost`` is really ``lost``) and AfterShip's
``subtag`` (``Exception`` + ``Exception_013`` is ``lost``). Refinements only replace a status
that says little (pre-transit, in transit, out for delivery, exception); a ``delivered`` or
``returned_to_sender`` status is never overridden by its detail.
"""

from __future__ import annotations

from enum import StrEnum

from bot.integrations.errors import IntegrationError
from storage.domain import ShipmentStatus as S


class Provider(StrEnum):
    """The providers whose webhooks doorstep understands (also the events' ``source``)."""

    SHOPIFY = "shopify"
    EASYPOST = "easypost"
    AFTERSHIP = "aftership"


#: Shopify fulfillment ``shipment_status`` and fulfillment event ``status`` (lower case in REST,
#: upper case in GraphQL: lookups ignore case).
SHOPIFY_STATUSES: dict[str, S] = {
    "label_printed": S.PRE_TRANSIT,
    "label_purchased": S.PRE_TRANSIT,
    "confirmed": S.PRE_TRANSIT,
    "carrier_picked_up": S.IN_TRANSIT,
    "in_transit": S.IN_TRANSIT,
    "out_for_delivery": S.OUT_FOR_DELIVERY,
    "attempted_delivery": S.ATTEMPT_FAILED,
    "ready_for_pickup": S.AVAILABLE_FOR_PICKUP,
    "picked_up": S.DELIVERED,
    "delivered": S.DELIVERED,
    "delayed": S.DELAYED,
    "failure": S.EXCEPTION,
}

#: EasyPost tracker ``status``. ``unknown`` is what a tracker says before the carrier has any
#: scan (EasyPost creates trackers in that state), so it is pre-transit, not a problem.
EASYPOST_STATUSES: dict[str, S] = {
    "unknown": S.PRE_TRANSIT,
    "pre_transit": S.PRE_TRANSIT,
    "in_transit": S.IN_TRANSIT,
    "out_for_delivery": S.OUT_FOR_DELIVERY,
    "available_for_pickup": S.AVAILABLE_FOR_PICKUP,
    "delivered": S.DELIVERED,
    "return_to_sender": S.RETURNED_TO_SENDER,
    "failure": S.EXCEPTION,
    "cancelled": S.EXCEPTION,
    "canceled": S.EXCEPTION,  # EasyPost's client libraries spell it both ways
    "error": S.EXCEPTION,
}

#: EasyPost ``status_detail`` values that say more than the tracker ``status``.
EASYPOST_DETAIL_REFINEMENTS: dict[str, S] = {
    "lost": S.LOST,
    "delayed": S.DELAYED,
    "return": S.RETURNED_TO_SENDER,
    "return_to_sender": S.RETURNED_TO_SENDER,
    "damaged": S.EXCEPTION,
    "arrived_at_pickup_location": S.AVAILABLE_FOR_PICKUP,
}

#: AfterShip ``tag`` (the nine delivery statuses).
AFTERSHIP_TAGS: dict[str, S] = {
    "Pending": S.PRE_TRANSIT,
    "InfoReceived": S.PRE_TRANSIT,
    "InTransit": S.IN_TRANSIT,
    "OutForDelivery": S.OUT_FOR_DELIVERY,
    "AttemptFail": S.ATTEMPT_FAILED,
    "Delivered": S.DELIVERED,
    "AvailableForPickup": S.AVAILABLE_FOR_PICKUP,
    "Exception": S.EXCEPTION,
    "Expired": S.EXCEPTION,
}

#: AfterShip ``subtag`` codes that say more than the tag (AfterShip's published sub-status list).
#: The other Exception subtags (001 generic, 002 customer moved, 003 refused, 006 held for
#: payment, 007 incorrect address, 008 pick-up missed, 009 rejected by carrier, 012 damaged)
#: stay ``exception``: each needs the shopper or the shop to act.
AFTERSHIP_SUBTAG_REFINEMENTS: dict[str, S] = {
    "Exception_004": S.DELAYED,  # delayed (customs clearance)
    "Exception_005": S.DELAYED,  # delayed (external factors)
    "Exception_010": S.RETURNED_TO_SENDER,  # returning to sender
    "Exception_011": S.RETURNED_TO_SENDER,  # returned to sender
    "Exception_013": S.LOST,  # shipment lost
    "Exception_016": S.DELAYED,  # delayed (processing issue)
    "Exception_017": S.DELAYED,  # delayed (extreme weather)
}

#: statuses vague enough for a detail word to refine
_REFINABLE = frozenset({S.PRE_TRANSIT, S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.EXCEPTION})

_STATUS_TABLES: dict[Provider, dict[str, S]] = {
    Provider.SHOPIFY: SHOPIFY_STATUSES,
    Provider.EASYPOST: EASYPOST_STATUSES,
    Provider.AFTERSHIP: AFTERSHIP_TAGS,
}
_DETAIL_TABLES: dict[Provider, dict[str, S]] = {
    Provider.SHOPIFY: {},
    Provider.EASYPOST: EASYPOST_DETAIL_REFINEMENTS,
    Provider.AFTERSHIP: AFTERSHIP_SUBTAG_REFINEMENTS,
}
_FOLDED_STATUS_TABLES = {p: {k.casefold(): v for k, v in t.items()} for p, t in _STATUS_TABLES.items()}
_FOLDED_DETAIL_TABLES = {p: {k.casefold(): v for k, v in t.items()} for p, t in _DETAIL_TABLES.items()}


def _provider(provider: Provider | str) -> Provider:
    try:
        return Provider(provider)
    except ValueError:
        raise IntegrationError(f"unknown provider {provider!r}") from None


def map_status(provider: Provider | str, value: str, detail: str | None = None) -> tuple[S, str | None]:
    """Map a provider's status word (and optional detail word) to a normalized status.

    Returns ``(status, None)`` for a known word, and ``(ShipmentStatus.EXCEPTION, value)`` for a
    word no table knows: the caller logs the raw word and stores it as ``raw_status``.
    ``detail`` is EasyPost's ``status_detail`` or AfterShip's ``subtag``; Shopify has none.
    Lookups ignore case and surrounding spaces. An unknown ``provider`` raises
    :class:`IntegrationError`.
    """
    which = _provider(provider)
    key = value.strip().casefold()
    status = _FOLDED_STATUS_TABLES[which].get(key)
    raw = None
    if status is None:
        status, raw = S.EXCEPTION, value
    if detail and status in _REFINABLE:
        status = _FOLDED_DETAIL_TABLES[which].get(detail.strip().casefold(), status)
    return status, raw
