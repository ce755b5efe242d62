"""Notification preferences and identity-verification attempts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update

from storage.bulk import sqlite_value
from storage.models import NotificationPreference, VerificationAttempt, utcnow
from storage.repositories.base import Repository, execute_sqlite, fetch_one_sqlite
from storage.repositories.snapshots import PreferenceRow, rows_in


class PreferenceRepository(Repository):
    """A customer's proactive-message settings."""

    async def get(self, *, customer_id: int) -> NotificationPreference | None:
        """The customer's preferences, or None when never set."""
        result = await self._session.execute(
            select(NotificationPreference).where(NotificationPreference.customer_id == customer_id)
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
        """Change some settings; ``None`` leaves a setting as it is."""
        await self.get_or_create(customer_id=customer_id)
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
_RECORD_FAILURE_SQLITE = "INSERT INTO verification_attempts (channel, external_id, at) VALUES (?, ?, ?)"
_FAILURES_SQLITE = (
    "SELECT count(*) FROM verification_attempts WHERE channel = ? AND external_id = ? AND at >= ?"
)
_CLEAR_SQLITE = "DELETE FROM verification_attempts WHERE channel = ? AND external_id = ?"


class VerificationRepository(Repository):
    """Failed verification attempts per chat identity (for the lock-out)."""

    async def record_failure(self, *, channel: str, external_id: str, at: datetime) -> None:
        """Count one failed attempt."""
        driver = await self.sqlite_driver()
        if driver is not None:
            await execute_sqlite(driver, _RECORD_FAILURE_SQLITE, (channel, external_id, sqlite_value(at)))
            return
        self._session.add(VerificationAttempt(channel=channel, external_id=external_id, at=at))
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

    async def clear(self, *, channel: str, external_id: str) -> None:
        """Forget failures after a successful verification."""
        driver = await self.sqlite_driver()
        if driver is not None:
            await execute_sqlite(driver, _CLEAR_SQLITE, (channel, external_id))
            return
        await self._session.execute(
            delete(VerificationAttempt).where(
                VerificationAttempt.channel == channel, VerificationAttempt.external_id == external_id
            )
        )
