"""Repositories for applying many events in one unit of work with few round trips.

Applying a carrier scan reads its parcel and order and writes the parcel back: a handful of
statements per event. When a batch of events is applied in one transaction, these variants
serve those reads from memory and collect the writes:

* :class:`BatchInboxRepository` records the batch's inbox rows in one statement up front
  (:meth:`~BatchInboxRepository.pre_record`); ``record`` then answers from that result, so a
  duplicate is still a duplicate (also against a concurrent writer: the unique key decides).
  On SQLite, the outcomes and redelivery counts noted on those rows are collected and written
  in two statements by :meth:`~BatchInboxRepository.sync`, before any other inbox statement.
* :class:`BatchOrderRepository` loads the parcels the batch names, with their orders, once
  (:meth:`~BatchOrderRepository.prefetch`, as light row copies); ``current_shipment``/
  ``current_details`` answer from memory and ``update_shipment`` changes the loaded parcel in memory. The changes are written in
  one statement by :meth:`~BatchOrderRepository.sync`, which runs before any read that could
  see stale rows and before any other write to orders or shipments.

Callers use them exactly like the plain repositories (``batch_repositories(repos)``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from storage.bulk import sqlite_value
from storage.domain import NormalizedEvent
from storage.models import InboxEntry, Shipment
from storage.repositories.base import execute_many_sqlite
from storage.repositories.inbox import (
    _NOTE_DUPLICATE_SQLITE,
    _NOTE_OUTCOME_SQLITE,
    InboxRepository,
    NewInboxEntry,
)
from storage.repositories.orders import OrderDetails, OrderRepository, UpsertResult
from storage.repositories.snapshots import ShipmentRow, rows_in
from storage.schemas import OrderIn

if TYPE_CHECKING:
    from storage.store import Repositories


class BatchInboxRepository(InboxRepository):
    """An inbox whose ``record`` answers from one bulk insert made at the start of a batch."""

    def __init__(self, session: Any) -> None:
        super().__init__(session)
        self._recorded: set[tuple[str, str]] = set()
        self._fresh: set[tuple[str, str]] = set()
        self._driver: Any | None = None  # the SQLite driver, once pre_record found one
        self._outcomes: list[tuple[str, str, str]] = []  # (outcome, source, external id)
        self._duplicates: list[tuple[Any, str, str]] = []  # (time, source, external id)

    async def pre_record(self, entries: Sequence[NewInboxEntry]) -> None:
        """Insert the batch's entries now; later ``record`` calls for them answer from the result."""
        await self.sync()
        self._fresh |= await self.record_many(entries)
        self._recorded |= {(e.source, e.external_id) for e in entries}
        self._driver = await self.sqlite_driver()

    async def sync(self) -> None:
        """Write the outcomes and redelivery counts collected for pre-recorded entries."""
        if not (self._outcomes or self._duplicates):
            return
        driver = await self.flushed_sqlite_driver()
        if self._outcomes:
            rows, self._outcomes = self._outcomes, []
            await execute_many_sqlite(driver, _NOTE_OUTCOME_SQLITE, rows)
        if self._duplicates:
            rows, self._duplicates = self._duplicates, []
            await execute_many_sqlite(driver, _NOTE_DUPLICATE_SQLITE, rows)

    async def note_outcome(self, *, source: str, external_id: str, outcome: str) -> None:
        """See :meth:`InboxRepository.note_outcome` (collected for a pre-recorded entry on SQLite)."""
        if self._driver is not None and (source, external_id) in self._recorded:
            self._outcomes.append((outcome[:200], source, external_id))
            return
        await self.sync()
        await super().note_outcome(source=source, external_id=external_id, outcome=outcome)

    async def note_duplicate(self, *, source: str, external_id: str, at: datetime) -> None:
        """See :meth:`InboxRepository.note_duplicate` (collected for a pre-recorded entry on SQLite)."""
        if self._driver is not None and (source, external_id) in self._recorded:
            self._duplicates.append((sqlite_value(at), source, external_id))
            return
        await self.sync()
        await super().note_duplicate(source=source, external_id=external_id, at=at)

    # ---- every other inbox statement sees the collected notes written first -----------------
    async def pending_for(self, *, order_number: str | None, tracking_numbers: list[str]) -> list[InboxEntry]:
        """See :meth:`InboxRepository.pending_for`."""
        await self.sync()
        return await super().pending_for(order_number=order_number, tracking_numbers=tracking_numbers)

    async def for_order(self, *, order_number: str, tracking_numbers: list[str]) -> list[InboxEntry]:
        """See :meth:`InboxRepository.for_order`."""
        await self.sync()
        return await super().for_order(order_number=order_number, tracking_numbers=tracking_numbers)

    async def pending_unaddressed(self, *, source: str, limit: int = 1000) -> list[InboxEntry]:
        """See :meth:`InboxRepository.pending_unaddressed`."""
        await self.sync()
        return await super().pending_unaddressed(source=source, limit=limit)

    async def mark_processed(self, *, entry_id: int) -> None:
        """See :meth:`InboxRepository.mark_processed`."""
        await self.sync()
        await super().mark_processed(entry_id=entry_id)

    async def mark_pending(self, *, source: str, external_id: str) -> None:
        """See :meth:`InboxRepository.mark_pending`."""
        await self.sync()
        await super().mark_pending(source=source, external_id=external_id)

    async def record_many(self, entries: Sequence[NewInboxEntry]) -> set[tuple[str, str]]:
        """See :meth:`InboxRepository.record_many`."""
        await self.sync()
        return await super().record_many(entries)

    async def record(
        self,
        *,
        source: str,
        external_id: str,
        payload: dict[str, Any] | None = None,
        status: str = "processed",
        order_number: str | None = None,
        tracking_number: str | None = None,
    ) -> bool:
        """True the first time a pre-recorded entry is named (it was new), False after that."""
        answer = self._pre_recorded((source, external_id))
        if answer is not None:
            return answer
        return await super().record(
            source=source,
            external_id=external_id,
            payload=payload,
            status=status,
            order_number=order_number,
            tracking_number=tracking_number,
        )

    async def record_event(self, *, event: NormalizedEvent) -> bool:
        """Like :meth:`record` (a pre-recorded event answers without writing its payload again)."""
        answer = self._pre_recorded((event.source, event.event_id))
        if answer is not None:
            return answer
        return await super().record_event(event=event)

    def _pre_recorded(self, key: tuple[str, str]) -> bool | None:
        """For an entry of the bulk insert: True the first time (it was new), then False; None otherwise."""
        if key not in self._recorded:
            return None
        if key in self._fresh:
            self._fresh.discard(key)
            return True
        return False


class BatchOrderRepository(OrderRepository):
    """Orders and parcels held in memory for a batch of scans (see the module docstring)."""

    def __init__(self, session: Any) -> None:
        super().__init__(session)
        self._by_tracking: dict[str, Shipment | ShipmentRow] = {}
        self._by_id: dict[int, Shipment | ShipmentRow] = {}
        self._details: dict[int, OrderDetails] = {}
        self._dirty: dict[int, Shipment | ShipmentRow] = {}
        self._events: list[tuple[Any, ...]] = []  # tracking event rows, in insert order

    # ---- the batch -------------------------------------------------------------------------
    async def prefetch(
        self,
        *,
        tracking_numbers: Sequence[str],
        with_order: Callable[[ShipmentRow], bool] | None = None,
    ) -> None:
        """Load the parcels with these tracking numbers into memory, and the orders of those for
        which ``with_order`` is true (all of them by default). An order left out is loaded when
        first asked for (:meth:`current_details`), one statement per table."""
        await self.sync()
        numbers = list(dict.fromkeys(tracking_numbers))
        driver = await self.flushed_sqlite_driver()
        shipments: list[ShipmentRow] = await rows_in(self._unit, driver, ShipmentRow, "tracking_number", numbers)
        for shipment in shipments:
            self._hold_shipment(shipment)
        wanted = (s.order_id for s in shipments if with_order is None or with_order(s))
        await self._load_details(sorted(set(wanted)))

    def _hold_shipment(self, shipment: Shipment | ShipmentRow) -> Shipment | ShipmentRow:
        """Keep ``shipment`` in memory unless a copy of it is held already; returns the held copy."""
        held = self._by_id.get(shipment.id or 0)
        if held is not None:
            return held
        self._by_tracking[shipment.tracking_number] = shipment
        self._by_id[shipment.id or 0] = shipment
        return shipment

    async def _load_details(self, order_ids: Sequence[int]) -> None:
        """Read these orders into memory (their parcels already held keep their changes)."""
        missing = [order_id for order_id in order_ids if order_id not in self._details]
        if not missing:
            return
        for details in await super().detail_rows(order_ids=missing):
            details.shipments[:] = [self._hold_shipment(s) for s in details.shipments]
            self._details[details.order.id or 0] = details

    async def sync(self) -> None:
        """Write the parcels changed in memory and the tracking events collected (two statements)."""
        if self._dirty:
            dirty, self._dirty = list(self._dirty.values()), {}
            await self.save_shipments(dirty)
        if self._events:
            events, self._events = self._events, []
            await self.insert_tracking_rows(events)

    async def _forget(self) -> None:
        await self.sync()
        self._by_tracking.clear()
        self._by_id.clear()
        self._details.clear()

    # ---- reads served from memory ----------------------------------------------------------
    async def current_shipment(self, *, tracking_number: str) -> Shipment | ShipmentRow | None:
        """The parcel as changed so far in this batch."""
        shipment = self._by_tracking.get(tracking_number)
        if shipment is not None:
            return shipment
        await self.sync()
        return await super().current_shipment(tracking_number=tracking_number)

    async def current_details(self, *, order_id: int) -> OrderDetails | None:
        """The order as changed so far in this batch."""
        if order_id not in self._details:
            await self._load_details([order_id])
        details = self._details.get(order_id)
        if details is None:
            return None
        return OrderDetails(details.order, details.customer, list(details.items), list(details.shipments))

    # ---- reads that must see every change -------------------------------------------------
    async def details_many(self, *, order_ids: Sequence[int]) -> list[OrderDetails]:
        """See :meth:`OrderRepository.details_many` (from memory when the batch holds every order)."""
        await self.sync()
        held = self._held(order_ids)
        return held if held is not None else await super().details_many(order_ids=order_ids)

    async def detail_rows(self, *, order_ids: Sequence[int]) -> list[OrderDetails]:
        """See :meth:`OrderRepository.detail_rows` (from memory when the batch holds every order)."""
        await self.sync()
        held = self._held(order_ids)
        return held if held is not None else await super().detail_rows(order_ids=order_ids)

    def _held(self, order_ids: Sequence[int]) -> list[OrderDetails] | None:
        """Copies of these orders from memory, or None when one of them is not held."""
        wanted = list(dict.fromkeys(order_ids))
        details = self._details
        if not all(order_id in details for order_id in wanted):
            return None
        return [
            OrderDetails(d.order, d.customer, list(d.items), list(d.shipments))
            for d in (details[order_id] for order_id in wanted)
        ]

    async def shipments_by_tracking(self, *, tracking_numbers: Sequence[str]) -> dict[str, Shipment]:
        """See :meth:`OrderRepository.shipments_by_tracking` (changes are written first)."""
        await self.sync()
        return await super().shipments_by_tracking(tracking_numbers=tracking_numbers)

    async def tracking_events(self, *, shipment_ids: Sequence[int]) -> list[Any]:
        """See :meth:`OrderRepository.tracking_events`."""
        await self.sync()
        return await super().tracking_events(shipment_ids=shipment_ids)

    # ---- writes ----------------------------------------------------------------------------
    async def write_shipment_changes(self, *, shipment_id: int, changes: dict[str, Any]) -> None:
        """Change a loaded parcel in memory (written by :meth:`sync`); others are written now."""
        shipment = self._by_id.get(shipment_id)
        if shipment is None or not isinstance(shipment, ShipmentRow):
            await self.sync()
            await super().write_shipment_changes(shipment_id=shipment_id, changes=changes)
            return
        for column, value in changes.items():
            setattr(shipment, column, value)
        self._dirty[shipment_id] = shipment

    async def add_tracking_event(
        self,
        *,
        shipment_id: int,
        occurred_at: datetime,
        status: str,
        substatus: str | None,
        raw_status: str | None,
        location: str | None,
        source: str,
        event_id: str | None,
    ) -> None:
        """Collect a tracking event (written by :meth:`sync`)."""
        self._events.append(
            (shipment_id, occurred_at, status, substatus, raw_status, location, source, event_id)
        )

    async def upsert_many(self, orders: Sequence[OrderIn]) -> UpsertResult:
        """See :meth:`OrderRepository.upsert_many` (the batch's memory is written and dropped)."""
        await self._forget()
        return await super().upsert_many(orders)

    async def add_shipment(self, **kwargs: Any) -> Shipment:
        """See :meth:`OrderRepository.add_shipment` (the batch's memory is written and dropped)."""
        await self._forget()
        return await super().add_shipment(**kwargs)

    async def set_status(self, *, order_id: int, status: str) -> None:
        """See :meth:`OrderRepository.set_status`."""
        await self._forget()
        await super().set_status(order_id=order_id, status=status)

    async def set_refund_status(self, *, order_id: int, refund_status: str) -> None:
        """See :meth:`OrderRepository.set_refund_status`."""
        await self._forget()
        await super().set_refund_status(order_id=order_id, refund_status=refund_status)

    async def set_backordered(self, *, order_id: int, until: date | None) -> None:
        """See :meth:`OrderRepository.set_backordered`."""
        await self._forget()
        await super().set_backordered(order_id=order_id, until=until)

    async def set_address(
        self, *, order_id: int, line1: str | None, city: str | None, postcode: str | None, country: str | None
    ) -> None:
        """See :meth:`OrderRepository.set_address`."""
        await self._forget()
        await super().set_address(
            order_id=order_id, line1=line1, city=city, postcode=postcode, country=country
        )


def batch_repositories(repos: Repositories) -> Repositories:
    """``repos`` with the batch variants of ``orders`` and ``inbox`` (same unit of work)."""
    unit = repos.orders._unit
    return repos.with_repositories(orders=BatchOrderRepository(unit), inbox=BatchInboxRepository(unit))
