"""Conversation state (optimistic concurrency) and the transcript."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, select, update

from storage.bulk import sqlite_value
from storage.errors import StaleWriteError, StorageError
from storage.models import ChannelIdentity, Conversation, Customer, TranscriptMessage, utcnow
from storage.repositories.base import Repository, execute_many_sqlite, execute_sqlite, fetch_one_sqlite
from storage.repositories.customers import MAX_NAME_CHARS, MAX_PAYLOAD_CHARS, IdentityRepository, fit

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

_IDENTITIES = ChannelIdentity.__table__  # type: ignore[attr-defined]
_CONVERSATIONS = Conversation.__table__  # type: ignore[attr-defined]
_CUSTOMERS = Customer.__table__  # type: ignore[attr-defined]

#: built once, Core: identity and conversation of one chat (the first statement of every message)
_CHAT = (
    select(
        _IDENTITIES.c.id,
        _IDENTITIES.c.customer_id,
        _IDENTITIES.c.verified,
        _IDENTITIES.c.unreachable,
        _CONVERSATIONS.c.id,
        _CONVERSATIONS.c.version,
        _CONVERSATIONS.c.state,
        _CONVERSATIONS.c.slots,
        _CUSTOMERS.c.name,
    )
    .select_from(
        _IDENTITIES.outerjoin(
            _CONVERSATIONS,
            and_(
                _CONVERSATIONS.c.channel == _IDENTITIES.c.channel,
                _CONVERSATIONS.c.external_id == _IDENTITIES.c.external_id,
            ),
        ).outerjoin(_CUSTOMERS, _CUSTOMERS.c.id == _IDENTITIES.c.customer_id)
    )
    .where(
        _IDENTITIES.c.channel == bindparam("channel"),
        _IDENTITIES.c.external_id == bindparam("external_id"),
    )
)

#: built once, Core: the versioned write of :meth:`ConversationRepository.save`
_SAVE = (
    update(_CONVERSATIONS)
    .where(
        _CONVERSATIONS.c.id == bindparam("p_id"),
        _CONVERSATIONS.c.version == bindparam("p_expected"),
    )
    .values(
        state=bindparam("p_state"),
        slots=bindparam("p_slots"),
        version=bindparam("p_version"),
        updated_at=bindparam("p_updated_at"),
    )
)

#: the hot-path statements as SQLite text, run on the driver connection (see Repository.sqlite_driver)
_CHAT_SQLITE = (
    "SELECT i.id, i.customer_id, i.verified, i.unreachable, c.id, c.version, c.state, c.slots, k.name"
    " FROM channel_identities AS i LEFT OUTER JOIN conversations AS c"
    " ON c.channel = i.channel AND c.external_id = i.external_id"
    " LEFT OUTER JOIN customers AS k ON k.id = i.customer_id"
    " WHERE i.channel = ? AND i.external_id = ?"
)
_SAVE_SQLITE = (
    "UPDATE conversations SET state = ?, slots = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?"
)
_NEW_IDENTITY_SQLITE = (
    "INSERT INTO channel_identities (channel, external_id, display_name, created_at, opted_out_categories,"
    " verified, accepted_updates, unreachable) VALUES (?, ?, ?, ?, '[]', 0, 0, 0) ON CONFLICT DO NOTHING"
)
_NEW_CONVERSATION_SQLITE = (
    "INSERT INTO conversations (channel, external_id, state, slots, version, updated_at)"
    " VALUES (?, ?, 'idle', '{}', 1, ?) ON CONFLICT DO NOTHING"
)
_TRANSCRIPT_SQLITE = (
    "INSERT INTO transcript_messages (conversation_id, direction, text, payload, intent, author, created_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)


@dataclass(slots=True)
class ChatIdentity:
    """What a conversation turn needs of a chat identity (a plain row, not a session object)."""

    id: int
    customer_id: int | None
    verified: bool
    unreachable: bool
    #: the linked customer's name (None when unlinked or unknown): greetings need no extra query
    customer_name: str | None = None

    @classmethod
    def of(cls, identity: ChannelIdentity, customer_name: str | None = None) -> ChatIdentity:
        """The fields of a loaded :class:`ChannelIdentity` (and its customer's name, if known)."""
        return cls(
            id=int(identity.id or 0),
            customer_id=identity.customer_id,
            verified=bool(identity.verified),
            unreachable=bool(identity.unreachable),
            customer_name=customer_name,
        )


@dataclass(slots=True)
class ChatConversation:
    """What a conversation turn needs of its conversation row (a plain row, not a session object)."""

    id: int
    version: int
    state: str
    slots: dict[str, Any]

    @classmethod
    def of(cls, conversation: Conversation) -> ChatConversation:
        """The fields of a loaded :class:`Conversation`."""
        return cls(
            id=int(conversation.id or 0),
            version=conversation.version,
            state=conversation.state,
            slots=dict(conversation.slots or {}),
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

    async def chat(
        self, *, channel: str, external_id: str
    ) -> tuple[ChatIdentity | None, ChatConversation | None]:
        """Like :meth:`with_identity`, as plain rows in one statement (the first of every message)."""
        driver = await self.sqlite_driver()
        if driver is None:
            row = (
                await self._session.execute(_CHAT, {"channel": channel, "external_id": external_id})
            ).first()
            slots = None if row is None else row[7]
        else:
            row = await fetch_one_sqlite(driver, _CHAT_SQLITE, (channel, external_id))
            slots = None if row is None or row[7] is None else json.loads(row[7])
        if row is None:
            return None, None
        identity = ChatIdentity(
            id=row[0],
            customer_id=row[1],
            verified=bool(row[2]),
            unreachable=bool(row[3]),
            customer_name=row[8] if row[1] is not None else None,
        )
        if row[4] is None:
            return identity, None
        return identity, ChatConversation(id=row[4], version=row[5], state=row[6], slots=dict(slots or {}))

    async def open_chat(
        self, *, channel: str, external_id: str, display_name: str | None = None
    ) -> tuple[ChatIdentity, ChatConversation]:
        """Like :meth:`chat`, creating what is missing on first contact (as
        ``identities.get_or_create`` and :meth:`get_or_create` do)."""
        display_name = fit(display_name, MAX_NAME_CHARS)
        driver = await self.sqlite_driver()
        if driver is None:
            identity = await IdentityRepository(self._unit).get_or_create(
                channel=channel, external_id=external_id, display_name=display_name
            )
            conversation = await self.get_or_create(channel=channel, external_id=external_id)
            return ChatIdentity.of(identity), ChatConversation.of(conversation)
        now = sqlite_value(utcnow())
        for sql, params in (
            (_NEW_IDENTITY_SQLITE, (channel, external_id, display_name, now)),
            (_NEW_CONVERSATION_SQLITE, (channel, external_id, now)),
        ):
            await execute_sqlite(driver, sql, params)
        found, conversation_found = await self.chat(channel=channel, external_id=external_id)
        if found is None or conversation_found is None:
            raise StorageError(f"the {channel} chat could not be created")
        return found, conversation_found

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
        driver = await self.sqlite_driver()
        if driver is None:
            result = await self._session.execute(
                _SAVE,
                {
                    "p_id": conversation_id,
                    "p_expected": expected_version,
                    "p_state": state,
                    "p_slots": slots,
                    "p_version": expected_version + 1,
                    "p_updated_at": utcnow(),
                },
            )
            changed = result.rowcount  # type: ignore[attr-defined]
        else:
            params = (
                state,
                json.dumps(slots),
                expected_version + 1,
                sqlite_value(utcnow()),
                conversation_id,
                expected_version,
            )
            changed = await execute_sqlite(driver, _SAVE_SQLITE, params)
        if changed != 1:
            raise StaleWriteError(f"conversation {conversation_id} changed since version {expected_version}")
        return expected_version + 1


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    """A message to append to a transcript.

    A payload or an author name longer than its column is cut to fit (a button id or a display
    name is whatever the sender's platform sent; PostgreSQL refuses what does not fit).
    """

    conversation_id: int
    direction: str
    text: str
    payload: str | None = None
    intent: str | None = None
    author: str | None = None
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "payload", fit(self.payload, MAX_PAYLOAD_CHARS))
        object.__setattr__(self, "author", fit(self.author, MAX_NAME_CHARS))


class TranscriptRepository(Repository):
    """Append and read transcript messages."""

    async def add_many(self, lines: Sequence[TranscriptLine]) -> None:
        """Append several lines in one statement."""
        if not lines:
            return
        now = utcnow()
        driver = await self.sqlite_driver()
        if driver is not None:
            stamp = sqlite_value(now)
            rows = [
                (
                    line.conversation_id,
                    line.direction,
                    line.text,
                    line.payload,
                    line.intent,
                    line.author,
                    stamp if line.created_at is None else sqlite_value(line.created_at),
                )
                for line in lines
            ]
            await execute_many_sqlite(driver, _TRANSCRIPT_SQLITE, rows)
            return
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
