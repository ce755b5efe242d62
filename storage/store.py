"""The Store: one object that owns the engine and opens units of work.

    async with Store(url) as store:
        async with store.transaction() as repos:
            order = await repos.orders.by_number(order_number="1001")

Everything in one ``transaction()`` block commits together or not at all. On a file SQLite
database the block normally runs on one of the store's lanes (:mod:`storage.units`): its
statements go straight to SQLite, a session is made only if a repository needs the ORM, and its
commit is shared with the other blocks that finish in the same pass of the event loop (group
commit). The block returns once its writes are committed, as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import create_engine
from storage.errors import StorageError
from storage.repositories import (
    CaseRepository,
    ConversationRepository,
    CustomerRepository,
    DecisionLogRepository,
    HandoffRepository,
    IdentityRepository,
    InboxRepository,
    OrderRepository,
    OutboxRepository,
    PreferenceRepository,
    ReturnRepository,
    TranscriptRepository,
    VerificationRepository,
)
from storage.repositories.conversation_days import ConversationDayRepository
from storage.repositories.reports import ReportRepository
from storage.repositories.stats import StatsRepository
from storage.repositories.webchat import WebChatRepository
from storage.units import Lanes, LaneUnit, SessionUnit, new_session

#: the repository class behind each attribute of :class:`Repositories`
_REPOSITORY_KINDS: dict[str, type[Any]] = {
    "customers": CustomerRepository,
    "identities": IdentityRepository,
    "orders": OrderRepository,
    "conversations": ConversationRepository,
    "transcript": TranscriptRepository,
    "inbox": InboxRepository,
    "outbox": OutboxRepository,
    "decisions": DecisionLogRepository,
    "handoffs": HandoffRepository,
    "cases": CaseRepository,
    "returns": ReturnRepository,
    "preferences": PreferenceRepository,
    "verification": VerificationRepository,
    "stats": StatsRepository,
    "conversation_days": ConversationDayRepository,
    "reports": ReportRepository,
    "webchat": WebChatRepository,
}


class Repositories:
    """All repositories, bound to one unit of work; each is made when first used (a chat turn
    needs a handful of the fourteen)."""

    customers: CustomerRepository
    identities: IdentityRepository
    orders: OrderRepository
    conversations: ConversationRepository
    transcript: TranscriptRepository
    inbox: InboxRepository
    outbox: OutboxRepository
    decisions: DecisionLogRepository
    handoffs: HandoffRepository
    cases: CaseRepository
    returns: ReturnRepository
    preferences: PreferenceRepository
    verification: VerificationRepository
    stats: StatsRepository
    conversation_days: ConversationDayRepository
    reports: ReportRepository
    webchat: WebChatRepository

    def __init__(self, unit: SessionUnit | LaneUnit, **chosen: Any) -> None:
        self._unit = unit
        unknown = set(chosen) - set(_REPOSITORY_KINDS)
        if unknown:
            raise TypeError(f"no such repositories: {sorted(unknown)}")
        self.__dict__.update(chosen)

    def with_repositories(self, **chosen: Any) -> Repositories:
        """The same unit of work with some repositories replaced (e.g. batch variants)."""
        made = {name: value for name, value in vars(self).items() if name in _REPOSITORY_KINDS}
        return Repositories(self._unit, **{**made, **chosen})

    def __getattr__(self, name: str) -> Any:
        kind = _REPOSITORY_KINDS.get(name)
        if kind is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        repository = kind(self._unit)
        self.__dict__[name] = repository
        return repository


class Store:
    """Owns the database engine; hands out transactions of repositories."""

    def __init__(self, url: str, *, engine: AsyncEngine | None = None) -> None:
        self.url = url
        self.engine = engine or create_engine(url)
        self._lanes = Lanes(self.engine)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Repositories]:
        """A unit of work: commits on success, rolls back on any error."""
        lane = await self._lanes.take()
        if lane is None:
            async with new_session(self.engine) as session:
                # the session begins on first use; leaving the block without commit (an error)
                # closes the session, which rolls the transaction back
                yield Repositories(SessionUnit(session))
                await session.commit()
            return
        unit = LaneUnit(lane, self.engine.dialect)
        try:
            unit.begin()
            yield Repositories(unit)
            wrote = await unit.finish()
        except BaseException:
            try:
                await unit.rollback()
            except BaseException:
                await self._lanes.discard(lane)
                raise
            self._lanes.give_back(lane)
            raise
        group = self._lanes.wrote(lane) if wrote else None
        self._lanes.give_back(lane)
        if group is not None:
            # committed together with the other units finished in this pass of the event loop
            await asyncio.shield(group)

    async def ping(self) -> None:
        """Check the database answers; raises :class:`StorageError` when it does not."""
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError) as exc:
            raise StorageError(f"database unreachable: {type(exc).__name__}") from exc

    async def aclose(self) -> None:
        """Close every pooled connection (the lanes' too)."""
        await self._lanes.close()
        await self.engine.dispose()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
