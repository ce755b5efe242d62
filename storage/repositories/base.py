"""What every repository shares: the session it works in and dialect-aware inserts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


class Repository:
    """Base of all repositories: wraps one session (one unit of work)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._session.bind.dialect.name  # type: ignore[union-attr]

    def insert(self, table: Table | Any) -> Any:
        """A dialect-specific INSERT supporting ``on_conflict_do_nothing``/``do_update``."""
        target = getattr(table, "__table__", table)
        if self.dialect == "postgresql":
            return postgresql.insert(target)
        return sqlite.insert(target)
