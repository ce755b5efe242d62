"""Who may see an order: contact matching and the failed-attempt lock-out (DESIGN.md).

An identity sees an order only when it is verified for the order's customer: by a signed
link, or by the order number together with the email or phone on the order. Five failed
attempts within an hour lock the identity out for the rest of that hour. A number that
matches no order gets exactly the same answer as a wrong email, so it reveals nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from storage.models import Customer
from storage.repositories.customers import normalize_phone
from storage.store import Repositories

MAX_FAILURES = 5
LOCKOUT_WINDOW = timedelta(hours=1)
#: a phone number shorter than this is never matched by its trailing digits
MIN_PHONE_DIGITS = 7


def email_matches(customer: Customer, emails: Sequence[str]) -> bool:
    """Whether one of ``emails`` is the customer's (case and surrounding spaces ignored)."""
    own = customer.email.strip().casefold()
    return any(email.strip().casefold() == own for email in emails)


def phone_matches(customer: Customer, phones: Sequence[str]) -> bool:
    """Whether one of ``phones`` is the customer's, comparing digits only.

    A number typed without its country code matches when it is the stored number's tail
    (``555 0100`` matches ``+15550100`` only if at least 7 digits long).
    """
    stored = normalize_phone(customer.phone)
    if not stored:
        return False
    own = stored.lstrip("+")
    for phone in phones:
        typed = (normalize_phone(phone) or "").lstrip("+")
        if len(typed) < MIN_PHONE_DIGITS:
            continue
        if typed == own or own.endswith(typed) or typed.endswith(own):
            return True
    return False


def contact_matches(customer: Customer, emails: Sequence[str], phones: Sequence[str]) -> bool:
    """Email or phone: either one is enough."""
    return email_matches(customer, emails) or phone_matches(customer, phones)


async def locked_out(repos: Repositories, *, channel: str, external_id: str, now: datetime) -> bool:
    """Whether the identity used up its attempts within the last hour."""
    failures = await repos.verification.failures_since(
        channel=channel, external_id=external_id, since=now - LOCKOUT_WINDOW
    )
    return failures >= MAX_FAILURES


async def record_failure(repos: Repositories, *, channel: str, external_id: str, now: datetime) -> bool:
    """Count a failed attempt; True when it was the last one allowed (the identity is now locked)."""
    await repos.verification.record_failure(channel=channel, external_id=external_id, at=now)
    return await locked_out(repos, channel=channel, external_id=external_id, now=now)
