"""Conversation state (optimistic concurrency) and the transcript."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, select, update

from storage.errors import StaleWriteError
from storage.models import ChannelIdentity, Conversation, TranscriptMessage, utcnow
from storage.repositories.base import Repository

#: built once: the conversation hot path reads identity and conversation with this statement
_WITH_IDENTITY = (
    select(ChannelIdentity, Conversation)
    .outerjoin(
        Conversation,
        and_(
            Conversation.channel == ChannelIdentity.channel,
            Conversation.external_id == ChannelIdentity.external_id,
        ),
    )
    .where(
        ChannelIdentity.channel == bindparam("channel"),
        ChannelIdentity.external_id == bindparam("external_id"),
    )
)


class ConversationRepository(Repository):
    """Load and save dialogue state."""

    async def get(self, *, channel: str, external_id: str) -> Conversation | None:
        """The conversation of this chat identity, or None."""
        result = await self._session.execute(
            select(Conversation).where(
                Conversation.channel == channel, Conversation.external_id == external_id
            )
        )
        return result.scalar_one_or_none()

    async def with_identity(
        self, *, channel: str, external_id: str
    ) -> tuple[ChannelIdentity | None, Conversation | None]:
        """The chat identity and its conversation in one query (either may be None on first contact)."""
        result = await self._session.execute(_WITH_IDENTITY, {"channel": channel, "external_id": external_id})
        row = result.first()
        if row is None:
            return None, None
        return row[0], row[1]

    async def by_id(self, *, conversation_id: int) -> Conversation | None:
        """The conversation with this id."""
        return await self._session.get(Conversation, conversation_id)

    async def get_or_create(self, *, channel: str, external_id: str) -> Conversation:
        """The conversation, created idle on first contact."""
        found = await self.get(channel=channel, external_id=external_id)
        if found is not None:
            return found
        await self._session.execute(
            self.insert(Conversation)
            .values(
                channel=channel,
                external_id=external_id,
                state="idle",
                slots={},
                version=1,
                updated_at=utcnow(),
            )
            .on_conflict_do_nothing()
        )
        created = await self.get(channel=channel, external_id=external_id)
        assert created is not None
        return created

    async def save(
        self, *, conversation_id: int, expected_version: int, state: str, slots: dict[str, Any]
    ) -> int:
        """Write new state if nobody wrote since ``expected_version`` was read.

        Returns the new version; raises :class:`StaleWriteError` on a lost race.
        """
        result = await self._session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id, Conversation.version == expected_version)
            .values(state=state, slots=slots, version=expected_version + 1, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleWriteError(f"conversation {conversation_id} changed since version {expected_version}")
        return expected_version + 1


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    """A message to append to a transcript."""

    conversation_id: int
    direction: str
    text: str
    payload: str | None = None
    intent: str | None = None
    author: str | None = None
    created_at: datetime | None = None


class TranscriptRepository(Repository):
    """Append and read transcript messages."""

    async def add_many(self, lines: Sequence[TranscriptLine]) -> None:
        """Append several lines in one statement."""
        if not lines:
            return
        now = utcnow()
        await self._session.execute(
            TranscriptMessage.__table__.insert(),  # type: ignore[attr-defined]
            [
                {
                    "conversation_id": line.conversation_id,
                    "direction": line.direction,
                    "text": line.text,
                    "payload": line.payload,
                    "intent": line.intent,
                    "author": line.author,
                    "created_at": line.created_at or now,
                }
                for line in lines
            ],
        )

    async def recent(self, *, conversation_id: int, limit: int = 10) -> list[TranscriptMessage]:
        """The last ``limit`` messages, oldest first."""
        result = await self._session.execute(
            select(TranscriptMessage)
            .where(TranscriptMessage.conversation_id == conversation_id)
            .order_by(TranscriptMessage.id.desc())
            .limit(limit)
        )
        return list(reversed(list(result.scalars())))
