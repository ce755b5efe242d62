"""Who may see an order: contact matching and the failed-attempt lock-outs (DESIGN.md).

An identity sees an order only when it is verified for the order's customer: by a signed
link, or by the order number together with the email or phone on the order. Two limits keep
guessing expensive, both durable (rows in ``verification_attempts``):

- per identity: :data:`MAX_FAILURES` failed attempts within :data:`LOCKOUT_WINDOW` pause every
  look-up of that chat. Identities are counted by :func:`identity_key`, so ids that differ only
  in case, spaces or invisible characters, and the REST and WebSocket forms of one web chat
  visitor, share one count.
- per order: :data:`MAX_ORDER_FAILURES` failed attempts on one order number, from any identities,
  pause look-ups of that order for everyone (fresh chat ids cost an attacker something).

Every contact a message offers counts as one attempt; a message offering more contacts than the
attempts left is not checked at all. A successful verification does not wipe the count. A number
that matches no order is counted and answered exactly like a real one, so nothing is revealed.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.models import Customer
from storage.repositories.customers import normalize_phone
from storage.store import Repositories

MAX_FAILURES = 5
MAX_ORDER_FAILURES = 10
LOCKOUT_WINDOW = timedelta(hours=1)
#: a phone number shorter than this is never matched by its trailing digits
MIN_PHONE_DIGITS = 7
#: REST and the web chat page carry the same visitor ids (``web:<visitor>``): one namespace
WEB_NAMESPACE = "web"
_WEB_CHANNELS = frozenset({"rest", "web"})
#: how long a normalised key may be (the column widths)
_MAX_ID_CHARS = 128
_MAX_ORDER_KEY_CHARS = 110
_SHOP_PREFIX = re.compile(r"^[a-z]{1,4}-?(?=\d)")


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


def offered_contacts(emails: Sequence[str], phones: Sequence[str]) -> list[str]:
    """The distinct contacts a message offers (each one is an attempt)."""
    seen: dict[str, None] = {}
    for email in emails:
        seen.setdefault("e:" + _fold(email), None)
    for phone in phones:
        digits = (normalize_phone(phone) or "").lstrip("+")
        seen.setdefault("p:" + (digits or _fold(phone)), None)
    return list(seen)


def _fold(text: str) -> str:
    """NFKC, Unicode format characters (zero-width spaces, joiners) and all whitespace removed, casefolded."""
    normal = unicodedata.normalize("NFKC", text)
    kept = "".join(ch for ch in normal if unicodedata.category(ch) != "Cf")
    return "".join(kept.split()).casefold()


def identity_key(channel: str, external_id: str) -> tuple[str, str]:
    """The (channel, id) failures are counted under.

    ``LOCK-1``, ``" lock-1"`` and ``"lock-1\\u200b"`` are one identity; a web chat visitor is the
    same over the WebSocket (channel ``web``) and REST (channel ``rest``, user id ``web:<visitor>``).
    """
    namespace = WEB_NAMESPACE if channel in _WEB_CHANNELS else _fold(channel)[:20]
    return namespace, _fold(external_id)[:_MAX_ID_CHARS]


def order_key(number: str) -> str:
    """The key an order number's failures are counted under (``#DS-1042 `` and ``1042`` are one)."""
    folded = _fold(number).lstrip("#")
    return _SHOP_PREFIX.sub("", folded)[:_MAX_ORDER_KEY_CHARS]


@dataclass(frozen=True, slots=True)
class AttemptBudget:
    """How many more attempts an identity (and an order) may make, and until when it is paused."""

    left: int
    retry_at: datetime | None

    @property
    def locked(self) -> bool:
        """No attempt left."""
        return self.left <= 0


def _budget(times: list[datetime], limit: int) -> AttemptBudget:
    left = limit - len(times)
    if left > 0:
        return AttemptBudget(left=left, retry_at=None)
    # the pause ends when enough of the failures have left the window
    return AttemptBudget(left=0, retry_at=times[len(times) - limit] + LOCKOUT_WINDOW)


async def attempts_left(
    repos: Repositories, *, channel: str, external_id: str, order: str | None, now: datetime
) -> AttemptBudget:
    """The attempts this identity has left (on ``order``, when one is named) within the window."""
    since = now - LOCKOUT_WINDOW
    key_channel, key_id = identity_key(channel, external_id)
    mine = _budget(
        await repos.verification.identity_failure_times(channel=key_channel, external_id=key_id, since=since),
        MAX_FAILURES,
    )
    if order is None:
        return mine
    theirs = _budget(
        await repos.verification.order_failure_times(order_key=order, since=since), MAX_ORDER_FAILURES
    )
    retry = max((b.retry_at for b in (mine, theirs) if b.retry_at is not None), default=None)
    return AttemptBudget(left=min(mine.left, theirs.left), retry_at=retry)


async def record_failures(
    repos: Repositories, *, channel: str, external_id: str, order: str | None, count: int, now: datetime
) -> AttemptBudget:
    """Count ``count`` failed attempts; answers what is left afterwards."""
    key_channel, key_id = identity_key(channel, external_id)
    await repos.verification.record_failure(
        channel=key_channel, external_id=key_id, order_key=order, at=now, count=count
    )
    return await attempts_left(repos, channel=channel, external_id=external_id, order=order, now=now)


def retry_words(budget: AttemptBudget, now: datetime) -> str:
    """``in an hour`` / ``in 40 minutes``: when a paused chat may try again."""
    if budget.retry_at is None:
        return "in an hour"
    minutes = max(1, math.ceil((budget.retry_at - now).total_seconds() / 60))
    if minutes >= 60:
        return "in an hour"
    return f"in {minutes} minute{'s' if minutes != 1 else ''}"
