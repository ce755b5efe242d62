"""Handoffs to staff, delivery-problem cases and return requests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from storage.models import Case, Handoff, ReturnRequest, utcnow
from storage.repositories.base import Repository

OPEN_HANDOFF_STATUSES = ("open", "claimed")


class HandoffRepository(Repository):
    """Conversations handed to support staff."""

    async def create(
        self,
        *,
        conversation_id: int,
        reason: str,
        summary: str,
        customer_id: int | None = None,
        order_id: int | None = None,
        at: datetime | None = None,
    ) -> Handoff:
        """Open a handoff (dated ``at``, default now)."""
        handoff = Handoff(
            conversation_id=conversation_id,
            customer_id=customer_id,
            order_id=order_id,
            reason=reason[:300],
            summary=summary[:2000],
            status="open",
            created_at=at or utcnow(),
            attachments=[],
        )
        self._session.add(handoff)
        await self._session.flush()
        return handoff

    async def get(self, *, handoff_id: int) -> Handoff | None:
        """The handoff with this id."""
        return await self._session.get(Handoff, handoff_id)

    async def open_for_conversation(self, *, conversation_id: int) -> Handoff | None:
        """The conversation's open (or claimed) handoff, if any."""
        result = await self._session.execute(
            select(Handoff)
            .where(Handoff.conversation_id == conversation_id, Handoff.status.in_(OPEN_HANDOFF_STATUSES))
            .order_by(Handoff.id.desc())
            .limit(1)
        )
        return result.scalar_one_or_none()

    async def by_slack_thread(self, *, channel: str, ts: str) -> Handoff | None:
        """The handoff whose Slack thread starts at ``ts``."""
        result = await self._session.execute(
            select(Handoff).where(Handoff.slack_channel == channel, Handoff.slack_ts == ts)
        )
        return result.scalar_one_or_none()

    async def list_open(self, *, limit: int = 50) -> list[Handoff]:
        """Open and claimed handoffs, oldest first."""
        result = await self._session.execute(
            select(Handoff).where(Handoff.status.in_(OPEN_HANDOFF_STATUSES)).order_by(Handoff.id).limit(limit)
        )
        return list(result.scalars())

    async def any_open_for_customer(self, *, customer_id: int) -> bool:
        """Whether the customer has an open handoff (reputation guard)."""
        result = await self._session.execute(
            select(Handoff.id)
            .where(Handoff.customer_id == customer_id, Handoff.status.in_(OPEN_HANDOFF_STATUSES))
            .limit(1)
        )
        return result.first() is not None

    async def last_contact_at(self, *, customer_id: int) -> datetime | None:
        """When the customer last contacted support (their newest handoff)."""
        result = await self._session.execute(
            select(Handoff.created_at)
            .where(Handoff.customer_id == customer_id)
            .order_by(Handoff.created_at.desc())
            .limit(1)
        )
        return result.scalar_one_or_none()

    async def open_customers(self, *, customer_ids: Sequence[int]) -> set[int]:
        """Which of these customers have an open (or claimed) handoff."""
        if not customer_ids:
            return set()
        result = await self._session.execute(
            select(Handoff.customer_id)
            .where(Handoff.customer_id.in_(list(customer_ids)), Handoff.status.in_(OPEN_HANDOFF_STATUSES))
            .distinct()
        )
        return {int(cid) for cid in result.scalars() if cid is not None}

    async def last_contacts(self, *, customer_ids: Sequence[int]) -> dict[int, datetime]:
        """When each of these customers last contacted support (customers who never did are absent)."""
        if not customer_ids:
            return {}
        result = await self._session.execute(
            select(Handoff.customer_id, func.max(Handoff.created_at))
            .where(Handoff.customer_id.in_(list(customer_ids)))
            .group_by(Handoff.customer_id)
        )
        return {int(cid): at for cid, at in result.all() if cid is not None and at is not None}

    async def set_slack_message(self, *, handoff_id: int, channel: str, ts: str) -> None:
        """Remember the Slack message that represents the handoff."""
        await self._session.execute(
            update(Handoff).where(Handoff.id == handoff_id).values(slack_channel=channel, slack_ts=ts)
        )

    async def set_status(
        self, *, handoff_id: int, status: str, by: str | None = None, at: datetime | None = None
    ) -> None:
        """Claim, resolve or return a handoff to the bot (ended ``at``, default now)."""
        values: dict[str, Any] = {"status": status}
        if status == "claimed":
            values["claimed_by"] = by
        if status in ("resolved", "returned"):
            values["resolved_at"] = at or utcnow()
        await self._session.execute(update(Handoff).where(Handoff.id == handoff_id).values(**values))

    async def change_status(
        self,
        *,
        handoff_id: int,
        status: str,
        only_from: Sequence[str],
        by: str | None = None,
        at: datetime | None = None,
    ) -> bool:
        """Move the handoff to ``status`` only while its status is one of ``only_from``.

        ``by`` (when given) becomes ``claimed_by``; an end (resolved, returned) is dated ``at``
        (default now). False when the handoff is in another status: someone else moved it first,
        so two desks (or a double click) never end or claim it twice.
        """
        values: dict[str, Any] = {"status": status}
        if by is not None:
            values["claimed_by"] = by
        if status in ("resolved", "returned"):
            values["resolved_at"] = at or utcnow()
        result = await self._session.execute(
            update(Handoff)
            .where(Handoff.id == handoff_id, Handoff.status.in_(list(only_from)))
            .values(**values)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def list_with_status(self, *, statuses: Sequence[str], limit: int = 100) -> list[Handoff]:
        """Handoffs in any of ``statuses``: open ones oldest first, ended ones newest first."""
        ended = not set(statuses) & set(OPEN_HANDOFF_STATUSES)
        order = Handoff.id.desc() if ended else Handoff.id
        result = await self._session.execute(
            select(Handoff).where(Handoff.status.in_(list(statuses))).order_by(order).limit(limit)
        )
        return list(result.scalars())

    async def created_for_conversation_since(
        self, *, conversation_id: int, since: datetime
    ) -> list[datetime]:
        """When the conversation's handoffs opened since ``since`` were created (for the rate limit)."""
        result = await self._session.execute(
            select(Handoff.created_at).where(
                Handoff.conversation_id == conversation_id, Handoff.created_at >= since
            )
        )
        return [at for at in result.scalars() if at is not None]

    async def for_order(self, *, order_id: int) -> list[Handoff]:
        """The handoffs about this order (any status), oldest first."""
        result = await self._session.execute(
            select(Handoff).where(Handoff.order_id == order_id).order_by(Handoff.id)
        )
        return list(result.scalars())

    async def attach(self, *, handoff_id: int, attachment: dict[str, Any]) -> None:
        """Add a file the shopper sent to the handoff."""
        handoff = await self.get(handoff_id=handoff_id)
        if handoff is not None:
            handoff.attachments = [*handoff.attachments, attachment]
            self._session.add(handoff)


#: case kinds that are one problem seen at different moments: the parcel has not reached the shopper
_WHERE_IS_IT = frozenset({"late", "not_received", "lost", "returned"})


def same_problem(kind: str, other: str) -> bool:
    """Whether two case kinds describe the same problem (late, not received, lost and returned to
    sender are one)."""
    return kind == other or (kind in _WHERE_IS_IT and other in _WHERE_IS_IT)


@dataclass(frozen=True, slots=True)
class CaseReport:
    """The case a report went to, and whether it was opened by this report (else updated)."""

    case: Case
    created: bool


class CaseRepository(Repository):
    """Delivery problems reported by shoppers."""

    async def report(
        self,
        *,
        order_id: int,
        customer_id: int | None,
        kind: str,
        description: str,
        at: datetime | None = None,
    ) -> CaseReport:
        """Open a case, or update the order's open case about the same problem (never a second one).

        An update appends ``{"at", "kind", "description"}`` to the case's ``updates``, sets
        ``updated_at`` and takes the new kind (a late parcel later reported lost becomes a lost case).
        """
        when = at or utcnow()
        for case in reversed(await self.open_for_order(order_id=order_id)):
            if same_problem(case.kind, kind):
                update_entry = {"at": when.isoformat(), "kind": kind, "description": description[:2000]}
                case.updates = [*case.updates, update_entry]
                case.updated_at = when
                case.kind = kind
                if case.customer_id is None:
                    case.customer_id = customer_id
                self._session.add(case)
                await self._session.flush()
                return CaseReport(case=case, created=False)
        case = await self.open(
            order_id=order_id, customer_id=customer_id, kind=kind, description=description, at=when
        )
        return CaseReport(case=case, created=True)

    async def for_order(self, *, order_id: int) -> list[Case]:
        """Every case of the order (open or not), oldest first."""
        result = await self._session.execute(select(Case).where(Case.order_id == order_id).order_by(Case.id))
        return list(result.scalars())

    async def open(
        self,
        *,
        order_id: int,
        customer_id: int | None,
        kind: str,
        description: str,
        at: datetime | None = None,
    ) -> Case:
        """Open a case (dated ``at``, default now)."""
        case = Case(
            order_id=order_id,
            customer_id=customer_id,
            kind=kind,
            description=description[:2000],
            status="open",
            attachments=[],
            created_at=at or utcnow(),
            updates=[],
        )
        self._session.add(case)
        await self._session.flush()
        return case

    async def open_for_order(self, *, order_id: int) -> list[Case]:
        """Open cases of the order."""
        result = await self._session.execute(
            select(Case).where(Case.order_id == order_id, Case.status == "open").order_by(Case.id)
        )
        return list(result.scalars())

    async def open_for_orders(self, *, order_ids: Sequence[int]) -> dict[int, list[Case]]:
        """Open cases of several orders, oldest first per order."""
        if not order_ids:
            return {}
        result = await self._session.execute(
            select(Case).where(Case.order_id.in_(list(order_ids)), Case.status == "open").order_by(Case.id)
        )
        found: dict[int, list[Case]] = {}
        for case in result.scalars():
            found.setdefault(case.order_id, []).append(case)
        return found

    async def latest_open_for_customer(self, *, customer_id: int) -> Case | None:
        """The customer's newest open case."""
        result = await self._session.execute(
            select(Case)
            .where(Case.customer_id == customer_id, Case.status == "open")
            .order_by(Case.id.desc())
            .limit(1)
        )
        return result.scalar_one_or_none()

    async def attach(self, *, case_id: int, attachment: dict[str, Any]) -> None:
        """Add a file (photo of the damage) to the case."""
        case = await self._session.get(Case, case_id)
        if case is not None:
            case.attachments = [*case.attachments, attachment]
            self._session.add(case)


class ReturnRepository(Repository):
    """Return requests."""

    async def create(
        self,
        *,
        order_id: int,
        customer_id: int | None,
        skus: Sequence[str],
        reason: str | None,
        exchange_for: str | None = None,
    ) -> ReturnRequest:
        """Start a return for these items; an exchange when ``exchange_for`` names what comes instead."""
        request = ReturnRequest(
            order_id=order_id,
            customer_id=customer_id,
            skus=list(skus),
            reason=reason,
            exchange_for=exchange_for,
            status="requested",
            created_at=utcnow(),
        )
        self._session.add(request)
        await self._session.flush()
        return request

    async def for_order(self, *, order_id: int) -> list[ReturnRequest]:
        """The order's return requests, oldest first."""
        result = await self._session.execute(
            select(ReturnRequest).where(ReturnRequest.order_id == order_id).order_by(ReturnRequest.id)
        )
        return list(result.scalars())

    async def for_orders(self, *, order_ids: Sequence[int]) -> dict[int, list[ReturnRequest]]:
        """Return requests of several orders, oldest first per order."""
        if not order_ids:
            return {}
        result = await self._session.execute(
            select(ReturnRequest)
            .where(ReturnRequest.order_id.in_(list(order_ids)))
            .order_by(ReturnRequest.id)
        )
        found: dict[int, list[ReturnRequest]] = {}
        for request in result.scalars():
            found.setdefault(request.order_id, []).append(request)
        return found
