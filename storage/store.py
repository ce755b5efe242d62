"""The Store: one object that owns the engine and opens units of work.

    async with Store(url) as store:
        async with store.transaction() as repos:
            order = await repos.orders.by_number(order_number="1001")

Everything in one ``transaction()`` block commits together or not at all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from types import TracebackType

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from storage.engine import create_engine, create_session_factory
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
from storage.repositories.stats import StatsRepository


@dataclass(slots=True)
class Repositories:
    """All repositories, bound to one session (one unit of work)."""

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

    @classmethod
    def bind(cls, session: AsyncSession) -> Repositories:
        """Repositories sharing ``session``."""
        return cls(
            customers=CustomerRepository(session),
            identities=IdentityRepository(session),
            orders=OrderRepository(session),
            conversations=ConversationRepository(session),
            transcript=TranscriptRepository(session),
            inbox=InboxRepository(session),
            outbox=OutboxRepository(session),
            decisions=DecisionLogRepository(session),
            handoffs=HandoffRepository(session),
            cases=CaseRepository(session),
            returns=ReturnRepository(session),
            preferences=PreferenceRepository(session),
            verification=VerificationRepository(session),
            stats=StatsRepository(session),
        )


class Store:
    """Owns the database engine; hands out transactions of repositories."""

    def __init__(self, url: str, *, engine: AsyncEngine | None = None) -> None:
        self.url = url
        self.engine = engine or create_engine(url)
        self._sessions = create_session_factory(self.engine)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Repositories]:
        """A unit of work: commits on success, rolls back on any error."""
        async with self._sessions() as session:
            # the session begins on first use; leaving the block without commit (an error)
            # closes the session, which rolls the transaction back
            yield Repositories.bind(session)
            await session.commit()

    async def ping(self) -> None:
        """Check the database answers; raises :class:`StorageError` when it does not."""
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError) as exc:
            raise StorageError(f"database unreachable: {type(exc).__name__}") from exc

    async def aclose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
