"""Customers and their chat identities."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select, update

from storage.bulk import sqlite_value
from storage.models import ChannelIdentity, Customer, utcnow
from storage.repositories.base import Repository, execute_sqlite
from storage.repositories.snapshots import IdentityRow, rows_in

_NON_DIGITS = re.compile(r"\D")
#: the columns a display name (``channel_identities.display_name``, ``transcript_messages.author``)
#: and a button payload (``transcript_messages.payload``) are stored in
MAX_NAME_CHARS = 200
MAX_PAYLOAD_CHARS = 200


def fit(value: str | None, limit: int) -> str | None:
    """``value`` cut to ``limit`` characters (PostgreSQL refuses a longer one; SQLite would keep it)."""
    return value if value is None or len(value) <= limit else value[:limit]


def normalize_phone(phone: str | None) -> str | None:
    """Digits only, with a leading ``+`` kept: how phones are stored and compared."""
    if not phone:
        return None
    digits = _NON_DIGITS.sub("", phone)
    if not digits:
        return None
    return ("+" if phone.strip().startswith("+") else "") + digits


#: :meth:`IdentityRepository.link` as SQLite text, run on the driver connection
_LINK_SQLITE = "UPDATE channel_identities SET customer_id = ?, verified = 1, verified_at = ?, unreachable = 0 WHERE id = ?"
#: :meth:`IdentityRepository.note_message` as SQLite text
_NOTE_MESSAGE_SQLITE = (
    "UPDATE channel_identities SET last_message_at = ? WHERE channel = ? AND external_id = ?"
    " AND (last_message_at IS NULL OR last_message_at < ?)"
)


class CustomerRepository(Repository):
    """Read customers."""

    async def get(self, *, customer_id: int) -> Customer | None:
        """The customer with this id, or None."""
        return await self._session.get(Customer, customer_id)

    async def by_email(self, *, email: str) -> Customer | None:
        """The customer with this email (case-insensitive), or None."""
        result = await self._session.execute(select(Customer).where(Customer.email == email.strip().lower()))
        return result.scalar_one_or_none()

    async def with_phone(self, *, phone: str) -> list[Customer]:
        """Customers whose stored phone is exactly ``phone`` once normalised (``+`` and digits)."""
        wanted = normalize_phone(phone)
        if not wanted:
            return []
        result = await self._session.execute(
            select(Customer).where(Customer.phone == wanted).order_by(Customer.id)
        )
        return list(result.scalars())


class IdentityRepository(Repository):
    """Chat identities: who is behind a Telegram chat or web visitor id."""

    async def get(self, *, channel: str, external_id: str) -> ChannelIdentity | None:
        """The identity, or None when this chat was never seen."""
        result = await self._session.execute(
            select(ChannelIdentity).where(
                ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id
            )
        )
        return result.scalar_one_or_none()

    async def get_or_create(
        self, *, channel: str, external_id: str, display_name: str | None = None
    ) -> ChannelIdentity:
        """The identity, created unverified on first contact (a longer display name is cut to fit)."""
        found = await self.get(channel=channel, external_id=external_id)
        if found is not None:
            return found
        stmt = (
            self.insert(ChannelIdentity)
            .values(
                channel=channel,
                external_id=external_id,
                display_name=fit(display_name, MAX_NAME_CHARS),
                created_at=utcnow(),
                opted_out_categories=[],
                verified=False,
                accepted_updates=False,
                unreachable=False,
            )
            .on_conflict_do_nothing()
        )
        await self._session.execute(stmt)
        created = await self.get(channel=channel, external_id=external_id)
        assert created is not None
        return created

    async def by_id(self, *, identity_id: int) -> ChannelIdentity | None:
        """The identity with this id."""
        return await self._session.get(ChannelIdentity, identity_id)

    async def link(self, *, identity_id: int, customer_id: int, at: datetime) -> None:
        """Mark the identity verified for ``customer_id``."""
        driver = await self.sqlite_driver()
        if driver is not None:
            await execute_sqlite(driver, _LINK_SQLITE, (customer_id, sqlite_value(at), identity_id))
            return
        await self._session.execute(
            update(ChannelIdentity)
            .where(ChannelIdentity.id == identity_id)
            .values(customer_id=customer_id, verified=True, verified_at=at, unreachable=False)
        )

    async def set_accepted_updates(self, *, identity_id: int, accepted: bool) -> None:
        """Record whether this identity wants proactive updates."""
        await self._session.execute(
            update(ChannelIdentity).where(ChannelIdentity.id == identity_id).values(accepted_updates=accepted)
        )

    async def set_opted_out(self, *, identity_id: int, categories: Sequence[str]) -> None:
        """Replace the identity's opted-out notification categories."""
        await self._session.execute(
            update(ChannelIdentity)
            .where(ChannelIdentity.id == identity_id)
            .values(opted_out_categories=sorted(set(categories)))
        )

    async def mark_unreachable(self, *, identity_id: int, reason: str) -> None:
        """The channel refused delivery (e.g. the user blocked the bot)."""
        await self._session.execute(
            update(ChannelIdentity)
            .where(ChannelIdentity.id == identity_id)
            .values(unreachable=True, unreachable_reason=reason[:300])
        )

    async def mark_reachable(self, *, identity_id: int) -> None:
        """The user wrote to us again: deliveries may be tried again (clears :meth:`mark_unreachable`)."""
        await self._session.execute(
            update(ChannelIdentity)
            .where(ChannelIdentity.id == identity_id)
            .values(unreachable=False, unreachable_reason=None)
        )

    async def mark_unreachable_by_external(self, *, channel: str, external_id: str, reason: str) -> None:
        """Same as :meth:`mark_unreachable`, addressed by channel and external id."""
        await self._session.execute(
            update(ChannelIdentity)
            .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id)
            .values(unreachable=True, unreachable_reason=reason[:300])
        )

    async def note_message(self, *, channel: str, external_id: str, at: datetime) -> None:
        """The shopper wrote from this identity at ``at`` (``last_message_at``; never moved back)."""
        driver = await self.sqlite_driver()
        if driver is not None:
            stamp = sqlite_value(at)
            await execute_sqlite(driver, _NOTE_MESSAGE_SQLITE, (stamp, channel, external_id, stamp))
            return
        await self._session.execute(
            update(ChannelIdentity)
            .where(
                ChannelIdentity.channel == channel,
                ChannelIdentity.external_id == external_id,
                or_(ChannelIdentity.last_message_at.is_(None), ChannelIdentity.last_message_at < at),
            )
            .values(last_message_at=at)
        )

    async def last_message_at(self, *, channel: str, external_id: str) -> datetime | None:
        """When the shopper last wrote from this identity (None: never, or unknown)."""
        result = await self._session.execute(
            select(ChannelIdentity.last_message_at).where(
                ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id
            )
        )
        return result.scalar_one_or_none()

    async def forget_last_message(self, *, channel: str, external_id: str) -> None:
        """Clear ``last_message_at`` (the provider said the conversation window is closed)."""
        await self._session.execute(
            update(ChannelIdentity)
            .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id)
            .values(last_message_at=None)
        )

    async def for_customer(self, *, customer_id: int) -> list[ChannelIdentity]:
        """Every verified identity of the customer, oldest first."""
        result = await self._session.execute(
            select(ChannelIdentity)
            .where(ChannelIdentity.customer_id == customer_id, ChannelIdentity.verified.is_(True))
            .order_by(ChannelIdentity.id)
        )
        return list(result.scalars())

    async def for_customers(self, *, customer_ids: Sequence[int]) -> dict[int, list[ChannelIdentity]]:
        """Verified identities of several customers, oldest first per customer."""
        if not customer_ids:
            return {}
        result = await self._session.execute(
            select(ChannelIdentity)
            .where(ChannelIdentity.customer_id.in_(list(customer_ids)), ChannelIdentity.verified.is_(True))
            .order_by(ChannelIdentity.id)
            .execution_options(populate_existing=True)
        )
        found: dict[int, list[ChannelIdentity]] = {}
        for identity in result.scalars():
            found.setdefault(identity.customer_id, []).append(identity)  # type: ignore[arg-type]
        return found

    async def verified_rows(self, *, customer_ids: Sequence[int]) -> dict[int, list[IdentityRow]]:
        """Like :meth:`for_customers`, as light row copies (for bulk readers)."""
        wanted = list(dict.fromkeys(customer_ids))
        found: dict[int, list[IdentityRow]] = {}
        if not wanted:
            return found
        driver = await self.flushed_sqlite_driver()
        rows: list[IdentityRow] = await rows_in(
            self._unit, driver, IdentityRow, "customer_id", wanted, equal={"verified": True}
        )
        rows.sort(key=lambda identity: identity.id)
        for identity in rows:
            found.setdefault(identity.customer_id, []).append(identity)  # type: ignore[arg-type]
        return found
