"""Notification preferences and identity-verification attempts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select, update

from storage.bulk import sqlite_value
from storage.models import NotificationPreference, VerificationAttempt, utcnow
from storage.repositories.base import Repository, execute_sqlite, fetch_all_sqlite, fetch_one_sqlite
from storage.repositories.snapshots import PreferenceRow, rows_in

#: the other end of a quiet window when a shopper names only one end
USUAL_QUIET_START = "21:00"
USUAL_QUIET_END = "08:00"


class PreferenceRepository(Repository):
    """A customer's proactive-message settings."""

    async def get(self, *, customer_id: int) -> NotificationPreference | None:
        """The customer's preferences (as stored now), or None when never set."""
        result = await self._session.execute(
            select(NotificationPreference)
            .where(NotificationPreference.customer_id == customer_id)
            .execution_options(populate_existing=True)
        )
        return result.scalar_one_or_none()

    async def get_or_create(self, *, customer_id: int) -> NotificationPreference:
        """The customer's preferences, created with the defaults."""
        found = await self.get(customer_id=customer_id)
        if found is not None:
            return found
        await self._session.execute(
            self.insert(NotificationPreference)
            .values(customer_id=customer_id, opted_out_categories=[], updated_at=utcnow())
            .on_conflict_do_nothing(index_elements=["customer_id"])
        )
        created = await self.get(customer_id=customer_id)
        assert created is not None
        return created

    async def update(
        self,
        *,
        customer_id: int,
        preferred_identity_id: int | None = None,
        opted_out_categories: Sequence[str] | None = None,
        quiet_start: str | None = None,
        quiet_end: str | None = None,
    ) -> None:
        """Change some settings; ``None`` leaves a setting as it is.

        A row holds only what the shopper chose: created without quiet hours, the operator's
        ``QUIET_HOURS_*`` apply to it. A shopper who names one end of a quiet window ("nothing
        after 10pm") is told, and gets, a whole window: the other end is the one stored, else
        :data:`USUAL_QUIET_START` / :data:`USUAL_QUIET_END`.
        """
        stored = await self.get_or_create(customer_id=customer_id)
        if (quiet_start is None) != (quiet_end is None):
            quiet_start = quiet_start or stored.quiet_start or USUAL_QUIET_START
            quiet_end = quiet_end or stored.quiet_end or USUAL_QUIET_END
        values: dict[str, object] = {"updated_at": utcnow()}
        if preferred_identity_id is not None:
            values["preferred_identity_id"] = preferred_identity_id
        if opted_out_categories is not None:
            values["opted_out_categories"] = sorted(set(opted_out_categories))
        if quiet_start is not None:
            values["quiet_start"] = quiet_start
        if quiet_end is not None:
            values["quiet_end"] = quiet_end
        await self._session.execute(
            update(NotificationPreference)
            .where(NotificationPreference.customer_id == customer_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )

    async def for_customers(self, *, customer_ids: Sequence[int]) -> dict[int, NotificationPreference]:
        """Preferences of several customers (customers who never set any are absent)."""
        if not customer_ids:
            return {}
        result = await self._session.execute(
            select(NotificationPreference)
            .where(NotificationPreference.customer_id.in_(list(customer_ids)))
            .execution_options(populate_existing=True)
        )
        return {pref.customer_id: pref for pref in result.scalars()}

    async def rows_for_customers(self, *, customer_ids: Sequence[int]) -> dict[int, PreferenceRow]:
        """Like :meth:`for_customers`, as light row copies (for bulk readers)."""
        wanted = list(dict.fromkeys(customer_ids))
        found: dict[int, PreferenceRow] = {}
        driver = await self.flushed_sqlite_driver() if wanted else None
        for pref in await rows_in(self._unit, driver, PreferenceRow, "customer_id", wanted):
            found[pref.customer_id] = pref
        return found


#: the verification statements as SQLite text, run on the driver connection (the p99 tail)
_RECORD_FAILURE_SQLITE = (
    "INSERT INTO verification_attempts (channel, external_id, order_key, at) VALUES (?, ?, ?, ?)"
)
_FAILURES_SQLITE = (
    "SELECT count(*) FROM verification_attempts WHERE channel = ? AND external_id = ? AND at >= ?"
)
_IDENTITY_TIMES_SQLITE = (
    "SELECT at FROM verification_attempts WHERE channel = ? AND external_id = ? AND at >= ? ORDER BY at"
)
_ORDER_TIMES_SQLITE = "SELECT at FROM verification_attempts WHERE order_key = ? AND at >= ? ORDER BY at"
_CLEAR_SQLITE = "DELETE FROM verification_attempts WHERE channel = ? AND external_id = ?"


def _utc(value: Any) -> datetime:
    """A timestamp read straight from SQLite (naive ISO text in UTC) or from the ORM."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class VerificationRepository(Repository):
    """Failed verification attempts, per chat identity and per order number (for the lock-outs).

    Callers pass identities and order numbers already normalised (``bot.engine.verification``);
    each row is one failed attempt of one identity, about one order key.
    """

    async def record_failure(
        self, *, channel: str, external_id: str, at: datetime, order_key: str | None = None, count: int = 1
    ) -> None:
        """Count ``count`` failed attempts of the identity about ``order_key``."""
        rows = [(channel, external_id, order_key, sqlite_value(at))] * count
        if not rows:
            return
        driver = await self.sqlite_driver()
        if driver is not None:
            for row in rows:
                await execute_sqlite(driver, _RECORD_FAILURE_SQLITE, row)
            return
        self._session.add_all(
            [
                VerificationAttempt(channel=channel, external_id=external_id, order_key=order_key, at=at)
                for _ in range(count)
            ]
        )
        await self._session.flush()

    async def failures_since(self, *, channel: str, external_id: str, since: datetime) -> int:
        """Failed attempts of this identity since ``since``."""
        driver = await self.sqlite_driver()
        if driver is not None:
            row = await fetch_one_sqlite(
                driver, _FAILURES_SQLITE, (channel, external_id, sqlite_value(since))
            )
            return int(row[0])
        result = await self._session.execute(
            select(func.count())
            .select_from(VerificationAttempt)
            .where(
                VerificationAttempt.channel == channel,
                VerificationAttempt.external_id == external_id,
                VerificationAttempt.at >= since,
            )
        )
        return int(result.scalar_one())

    async def identity_failure_times(
        self, *, channel: str, external_id: str, since: datetime
    ) -> list[datetime]:
        """When this identity failed since ``since``, oldest first."""
        driver = await self.sqlite_driver()
        if driver is not None:
            rows = await fetch_all_sqlite(
                driver, _IDENTITY_TIMES_SQLITE, (channel, external_id, sqlite_value(since))
            )
            return [_utc(row[0]) for row in rows]
        result = await self._session.execute(
            select(VerificationAttempt.at)
            .where(
                VerificationAttempt.channel == channel,
                VerificationAttempt.external_id == external_id,
                VerificationAttempt.at >= since,
            )
            .order_by(VerificationAttempt.at)
        )
        return [_utc(at) for at in result.scalars()]

    async def order_failure_times(self, *, order_key: str, since: datetime) -> list[datetime]:
        """When anyone failed to verify for this order key since ``since``, oldest first."""
        driver = await self.sqlite_driver()
        if driver is not None:
            rows = await fetch_all_sqlite(driver, _ORDER_TIMES_SQLITE, (order_key, sqlite_value(since)))
            return [_utc(row[0]) for row in rows]
        result = await self._session.execute(
            select(VerificationAttempt.at)
            .where(VerificationAttempt.order_key == order_key, VerificationAttempt.at >= since)
            .order_by(VerificationAttempt.at)
        )
        return [_utc(at) for at in result.scalars()]

    async def clear(self, *, channel: str, external_id: str) -> None:
        """Forget an identity's failures (an operator's decision; a successful verification keeps them)."""
        driver = await self.sqlite_driver()
        if driver is not None:
            await execute_sqlite(driver, _CLEAR_SQLITE, (channel, external_id))
            return
        await self._session.execute(
            delete(VerificationAttempt).where(
                VerificationAttempt.channel == channel, VerificationAttempt.external_id == external_id
            )
        )
