"""The web chat's mailboxes: frames stored for visitors, numbered 1, 2, 3 ... per visitor.

Storing a frame takes the next number from the visitor's row (an upsert that locks the row, so two
processes storing for one visitor at once get consecutive numbers, and a number is never visible
before the ones below it are committed). On PostgreSQL the same transaction sends
``NOTIFY doorstep_webchat, '<visitor id>'``, delivered to every listening process at commit.

A page reads what follows the last number it saw, and acknowledges numbers; acknowledged frames are
removed by :meth:`WebChatRepository.prune` after a grace period (other pages of the same visitor,
served by other processes, may still be reading them), unacknowledged ones after the retention.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, or_, select, text, update

from storage.models import WebChatMessage, WebChatVisitor
from storage.repositories.base import Repository

#: the PostgreSQL channel that announces a stored frame (the payload is the visitor id)
WAKE_CHANNEL = "doorstep_webchat"
_NOTIFY = text("SELECT pg_notify(:channel, :visitor_id)")


@dataclass(frozen=True, slots=True)
class StoredFrame:
    """A frame in a visitor's mailbox: its row id, its number for the visitor and the frame."""

    id: int
    seq: int
    frame: dict[str, Any]


@dataclass(frozen=True, slots=True)
class MailboxPosition:
    """The number of the last frame stored for a visitor, and of the last one acknowledged."""

    last_seq: int = 0
    acked_seq: int = 0


class WebChatRepository(Repository):
    """Stores, reads, acknowledges and prunes web chat visitors' frames."""

    async def store(self, *, visitor_id: str, frame: dict[str, Any], now: datetime) -> StoredFrame:
        """Store ``frame`` as the visitor's next message; on PostgreSQL, announce it at commit."""
        upsert = (
            self.insert(WebChatVisitor)
            .values(visitor_id=visitor_id, last_seq=1, acked_seq=0, updated_at=now)
            .on_conflict_do_update(
                index_elements=["visitor_id"],
                set_={"last_seq": WebChatVisitor.last_seq + 1, "updated_at": now},  # type: ignore[operator]
            )
            .returning(WebChatVisitor.last_seq)
        )
        seq = int((await self._session.execute(upsert)).scalar_one())
        row = (
            self.insert(WebChatMessage)
            .values(visitor_id=visitor_id, seq=seq, frame=frame, created_at=now)
            .returning(WebChatMessage.id)
        )
        message_id = int((await self._session.execute(row)).scalar_one())
        if self.dialect == "postgresql":
            await self._session.execute(_NOTIFY, {"channel": WAKE_CHANNEL, "visitor_id": visitor_id})
        return StoredFrame(id=message_id, seq=seq, frame=frame)

    async def position(self, *, visitor_id: str) -> MailboxPosition:
        """Where the visitor's mailbox stands (zeros for a visitor never written to)."""
        found = (
            await self._session.execute(
                select(WebChatVisitor.last_seq, WebChatVisitor.acked_seq).where(
                    WebChatVisitor.visitor_id == visitor_id
                )
            )
        ).first()
        if found is None:
            return MailboxPosition()
        return MailboxPosition(last_seq=int(found[0]), acked_seq=int(found[1]))

    async def after(self, *, visitor_id: str, seq: int, limit: int) -> list[StoredFrame]:
        """The visitor's frames numbered above ``seq``, in order, at most ``limit``."""
        rows = await self._session.execute(
            select(WebChatMessage.id, WebChatMessage.seq, WebChatMessage.frame)
            .where(WebChatMessage.visitor_id == visitor_id, WebChatMessage.seq > seq)
            .order_by(WebChatMessage.seq)  # type: ignore[arg-type]
            .limit(limit)
        )
        return [StoredFrame(id=int(r[0]), seq=int(r[1]), frame=dict(r[2])) for r in rows]

    async def acknowledge(self, *, visitor_id: str, seq: int, now: datetime) -> bool:
        """Record that the visitor's page has every frame up to ``seq``; False when that changes
        nothing (already acknowledged, or a number never given out)."""
        result = await self._session.execute(
            update(WebChatVisitor)
            .where(
                WebChatVisitor.visitor_id == visitor_id,
                WebChatVisitor.acked_seq < seq,  # type: ignore[arg-type]
                WebChatVisitor.last_seq >= seq,  # type: ignore[arg-type]
            )
            .values(acked_seq=seq, updated_at=now)
        )
        return bool(getattr(result, "rowcount", 0))

    async def prune(self, *, acked_before: datetime, stored_before: datetime) -> int:
        """Remove acknowledged frames stored before ``acked_before`` and every frame stored before
        ``stored_before``, then visitors left with nothing, untouched since ``stored_before``.
        Answers how many frames went."""
        acked = (
            select(WebChatVisitor.acked_seq)
            .where(WebChatVisitor.visitor_id == WebChatMessage.visitor_id)
            .scalar_subquery()
        )
        frames = await self._session.execute(
            delete(WebChatMessage).where(
                or_(
                    WebChatMessage.created_at < stored_before,  # type: ignore[arg-type]
                    and_(WebChatMessage.created_at < acked_before, WebChatMessage.seq <= acked),  # type: ignore[arg-type]
                )
            )
        )
        await self._session.execute(
            delete(WebChatVisitor).where(
                WebChatVisitor.updated_at < stored_before,  # type: ignore[arg-type]
                ~exists().where(WebChatMessage.visitor_id == WebChatVisitor.visitor_id),
            )
        )
        return int(getattr(frames, "rowcount", 0) or 0)
