"""Orders, their items and shipments, tracking events; bulk upsert for imports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, or_, select, update

from storage.bulk import converted_once, executemany, sqlite_value
from storage.models import Customer, Order, OrderItem, Shipment, TrackingEvent, utcnow
from storage.repositories.base import Repository, fetch_all_sqlite, fetch_one_sqlite
from storage.repositories.customers import normalize_phone
from storage.repositories.rows import row_loader
from storage.repositories.snapshots import (
    CustomerRow,
    ItemRow,
    OrderRow,
    ShipmentRow,
    chunks,
    core_columns,
    marks,
    row_spec,
    rows_in,
)
from storage.schemas import OrderIn

_CHUNK = 500
_SHIPMENT_COLUMNS = (
    "order_id",
    "carrier",
    "tracking_number",
    "tracking_url",
    "status",
    "eta",
    "promised_by",
    "shipped_at",
    "delivered_at",
    "skus",
    "updated_at",
)

#: what :meth:`OrderRepository.save_shipments` writes back (besides ``updated_at``)
_SAVED_SHIPMENT_COLUMNS = (
    "status",
    "raw_status",
    "eta",
    "last_location",
    "last_event_at",
    "delivered_at",
    "shipped_at",
    "tracking_url",
)
_SAVE_SHIPMENTS_SQLITE = (
    "UPDATE shipments SET "
    + ", ".join(f"{c} = ?" for c in (*_SAVED_SHIPMENT_COLUMNS, "updated_at"))
    + " WHERE id = ?"
)
_TRACKING_EVENT_COLUMNS = (
    "shipment_id",
    "occurred_at",
    "status",
    "substatus",
    "raw_status",
    "location",
    "source",
    "event_id",
)


def shipment_changes(
    *,
    status: str | None,
    raw_status: str | None,
    eta: date | None,
    location: str | None,
    event_at: datetime | None,
    delivered_at: datetime | None,
    shipped_at: datetime | None,
    tracking_url: str | None,
) -> dict[str, Any]:
    """The shipment columns a tracking update changes (``None`` leaves a field), with ``updated_at``."""
    changes: dict[str, Any] = {
        column: value
        for column, value in (
            ("status", status),
            ("raw_status", raw_status),
            ("eta", eta),
            ("last_location", location),
            ("last_event_at", event_at),
            ("delivered_at", delivered_at),
            ("shipped_at", shipped_at),
            ("tracking_url", tracking_url),
        )
        if value is not None
    }
    changes["updated_at"] = utcnow()
    return changes


#: built once: the statements of :meth:`OrderRepository.details_for_number`
_ORDER_AND_CUSTOMER = (
    select(Order, Customer)
    .join(Customer, Customer.id == Order.customer_id)
    .where(Order.order_number == bindparam("number"))
)
_ITEMS_OF = select(OrderItem).where(OrderItem.order_id == bindparam("order_id")).order_by(OrderItem.id)
_SHIPMENTS_OF = select(Shipment).where(Shipment.order_id == bindparam("order_id")).order_by(Shipment.id)


@dataclass(slots=True)
class OrderDetails:
    """An order with everything needed to talk about it.

    The parts are model objects, or their light copies (:mod:`storage.repositories.snapshots`)
    when read in bulk by :meth:`OrderRepository.detail_rows`: same attributes, same values.
    """

    order: Order | OrderRow
    customer: Customer | CustomerRow
    items: list[OrderItem | ItemRow] = field(default_factory=list)
    shipments: list[Shipment | ShipmentRow] = field(default_factory=list)

    @property
    def number(self) -> str:
        """The order number as shoppers know it."""
        return self.order.order_number


@dataclass(frozen=True, slots=True)
class NewTrackingEvent:
    """One row for :meth:`OrderRepository.add_tracking_events`."""

    shipment_id: int
    occurred_at: datetime
    status: str
    substatus: str | None
    raw_status: str | None
    location: str | None
    source: str
    event_id: str | None


@dataclass(slots=True)
class UpsertResult:
    """How many orders an upsert created and updated."""

    created: int = 0
    updated: int = 0
    created_numbers: list[str] = field(default_factory=list)


def _chunks(values: Sequence[str]) -> list[Sequence[str]]:
    return [values[i : i + _CHUNK] for i in range(0, len(values), _CHUNK)]


class OrderRepository(Repository):
    """Read and write orders."""

    # ---- reads -----------------------------------------------------------------
    async def by_number(self, *, order_number: str) -> Order | None:
        """The order with this number, or None."""
        result = await self._session.execute(select(Order).where(Order.order_number == order_number))
        return result.scalar_one_or_none()

    async def get(self, *, order_id: int) -> Order | None:
        """The order with this id, or None."""
        return await self._session.get(Order, order_id)

    async def details(self, *, order_id: int) -> OrderDetails | None:
        """The order with its customer, items and shipments."""
        many = await self._details_for([order_id])
        return many[0] if many else None

    async def details_by_number(self, *, order_number: str) -> OrderDetails | None:
        """Like :meth:`details`, addressed by order number."""
        order = await self.by_number(order_number=order_number)
        return None if order is None else await self.details(order_id=order.id)  # type: ignore[arg-type]

    async def details_for_number(self, *, order_number: str) -> OrderDetails | None:
        """Like :meth:`details_by_number` in three queries instead of four (the conversation hot path)."""
        driver = await self.sqlite_driver()
        if driver is not None:
            return await self._sqlite_details_for_number(driver, order_number)
        row = (await self._session.execute(_ORDER_AND_CUSTOMER, {"number": order_number})).first()
        if row is None:
            return None
        details = OrderDetails(order=row[0], customer=row[1])
        order_id = details.order.id
        details.items.extend((await self._session.execute(_ITEMS_OF, {"order_id": order_id})).scalars())
        details.shipments.extend(
            (await self._session.execute(_SHIPMENTS_OF, {"order_id": order_id})).scalars()
        )
        return details

    async def _sqlite_details_for_number(self, driver: Any, order_number: str) -> OrderDetails | None:
        """:meth:`details_for_number` on the SQLite driver connection (objects not in the session)."""
        dialect = self._unit.dialect
        orders, customers = row_loader(Order, dialect), row_loader(Customer, dialect)
        items, shipments = row_loader(OrderItem, dialect), row_loader(Shipment, dialect)
        row = await fetch_one_sqlite(
            driver,
            f"SELECT {orders.columns}, {customers.columns} FROM orders"
            " JOIN customers ON customers.id = orders.customer_id WHERE orders.order_number = ?",
            (order_number,),
        )
        if row is None:
            return None
        details = OrderDetails(order=orders.build(row), customer=customers.build(row, orders.width))
        order_id = (details.order.id,)
        for loader, into in ((items, details.items), (shipments, details.shipments)):
            table = loader.columns.split(".", 1)[0]
            sql = f"SELECT {loader.columns} FROM {table} WHERE {table}.order_id = ? ORDER BY {table}.id"
            into.extend(loader.build(found) for found in await fetch_all_sqlite(driver, sql, order_id))
        return details

    async def for_customer(self, *, customer_id: int, limit: int = 20) -> list[OrderDetails]:
        """The customer's orders, newest first."""
        result = await self._session.execute(
            select(Order.id)
            .where(Order.customer_id == customer_id)
            .order_by(Order.placed_at.desc())
            .limit(limit)
        )
        return await self._details_for(list(result.scalars()))

    async def current_details(self, *, order_id: int) -> OrderDetails | None:
        """Like :meth:`details`, but re-read from the database even when the rows were loaded
        earlier in this unit of work (bulk writes such as :meth:`upsert_many` and
        :meth:`update_shipment` bypass the objects already loaded)."""
        many = await self._details_for([order_id], fresh=True)
        return many[0] if many else None

    async def current_shipment(self, *, tracking_number: str) -> Shipment | None:
        """Like :meth:`shipment_by_tracking`, re-read from the database (see :meth:`current_details`)."""
        result = await self._session.execute(
            select(Shipment)
            .where(Shipment.tracking_number == tracking_number)
            .execution_options(populate_existing=True)
        )
        return result.scalar_one_or_none()

    async def _details_for(self, order_ids: list[int], *, fresh: bool = False) -> list[OrderDetails]:
        if not order_ids:
            return []
        options = {"populate_existing": True} if fresh else {}
        rows = await self._session.execute(
            select(Order, Customer)
            .join(Customer, Customer.id == Order.customer_id)
            .where(Order.id.in_(order_ids))
            .execution_options(**options)
        )
        by_id = {o.id: OrderDetails(order=o, customer=c) for o, c in rows.all()}
        items = await self._session.execute(
            select(OrderItem)
            .where(OrderItem.order_id.in_(order_ids))
            .order_by(OrderItem.id)
            .execution_options(**options)
        )
        for item in items.scalars():
            by_id[item.order_id].items.append(item)
        ships = await self._session.execute(
            select(Shipment)
            .where(Shipment.order_id.in_(order_ids))
            .order_by(Shipment.id)
            .execution_options(**options)
        )
        for ship in ships.scalars():
            by_id[ship.order_id].shipments.append(ship)
        return [by_id[i] for i in order_ids if i in by_id]

    async def details_many(self, *, order_ids: Sequence[int]) -> list[OrderDetails]:
        """Several orders with their customers, items and shipments, in the order asked, re-read
        from the database (like :meth:`current_details`)."""
        return await self._details_for(list(dict.fromkeys(order_ids)), fresh=True)

    async def detail_rows(self, *, order_ids: Sequence[int]) -> list[OrderDetails]:
        """Like :meth:`details_many` (fresh from the database, in the order asked, missing orders
        absent), built of light row copies instead of model objects: for bulk readers."""
        wanted = list(dict.fromkeys(order_ids))
        if not wanted:
            return []
        driver = await self.flushed_sqlite_driver()
        by_id: dict[int, OrderDetails] = {}
        for chunk in chunks(wanted):
            for order, customer in await self._orders_with_customers(driver, chunk):
                by_id[order.id] = OrderDetails(order, customer, [], [])
        for item in await rows_in(self._unit, driver, ItemRow, "order_id", wanted, order_by="id"):
            by_id[item.order_id].items.append(item)
        for shipment in await rows_in(self._unit, driver, ShipmentRow, "order_id", wanted, order_by="id"):
            by_id[shipment.order_id].shipments.append(shipment)
        return [by_id[i] for i in wanted if i in by_id]

    async def _orders_with_customers(
        self, driver: Any | None, order_ids: Sequence[int]
    ) -> list[tuple[OrderRow, CustomerRow]]:
        """These orders (at most one chunk) and their customers, as row copies."""
        if driver is not None:
            orders, customers = row_spec(OrderRow), row_spec(CustomerRow)
            rows = await fetch_all_sqlite(
                driver,
                f"SELECT {orders.columns}, {customers.columns} FROM orders"
                f" JOIN customers ON customers.id = orders.customer_id WHERE orders.id IN ({marks(len(order_ids))})",
                order_ids,
            )
            return list(zip(orders.build_all(rows), customers.build_all(rows, orders.width), strict=True))
        order_table, customer_table = Order.__table__, Customer.__table__  # type: ignore[attr-defined]
        width = len(core_columns(OrderRow))
        result = await self._session.execute(
            select(*core_columns(OrderRow), *core_columns(CustomerRow))
            .select_from(order_table.join(customer_table, customer_table.c.id == order_table.c.customer_id))
            .where(order_table.c.id.in_(order_ids))
        )
        return [(OrderRow(*row[:width]), CustomerRow(*row[width:])) for row in result.all()]

    async def order_ids_for_tracking(self, *, tracking_numbers: Sequence[str]) -> list[int]:
        """Ids (ascending, each once) of the orders owning parcels with these tracking numbers."""
        numbers = list(dict.fromkeys(tracking_numbers))
        found: set[int] = set()
        driver = await self.flushed_sqlite_driver()
        for chunk in chunks(numbers):
            if driver is not None:
                rows = await fetch_all_sqlite(
                    driver,
                    f"SELECT order_id FROM shipments WHERE tracking_number IN ({marks(len(chunk))})",
                    chunk,
                )
                found.update(row[0] for row in rows)
            else:
                result = await self._session.execute(
                    select(Shipment.order_id).where(Shipment.tracking_number.in_(chunk))
                )
                found.update(result.scalars())
        return sorted(found)

    async def with_overdue_shipments(
        self, *, as_of: date, stalled_before: datetime | None = None, after_id: int = 0, limit: int = 200
    ) -> list[int]:
        """Ids (ascending, above ``after_id``) of open orders the overdue sweep must look at.

        An order qualifies with an undelivered shipment whose ETA or promised date is before
        ``as_of`` or whose last scan (else its ship time) is before ``stalled_before``, or with
        no shipment at all and an expected ship date before ``as_of``.
        """
        late = or_(Shipment.eta < as_of, Shipment.promised_by < as_of)
        if stalled_before is not None:
            late = or_(late, func.coalesce(Shipment.last_event_at, Shipment.shipped_at) < stalled_before)
        result = await self._session.execute(
            select(Order.id)
            .outerjoin(Shipment, Shipment.order_id == Order.id)
            .where(
                Order.id > after_id,
                Order.status == "open",
                or_(
                    and_(
                        Shipment.id.is_not(None),
                        Shipment.delivered_at.is_(None),
                        Shipment.status.not_in(["delivered", "returned_to_sender", "lost"]),
                        late,
                    ),
                    and_(Shipment.id.is_(None), Order.expected_ship_date < as_of),
                ),
            )
            .group_by(Order.id)
            .order_by(Order.id)
            .limit(limit)
        )
        return list(result.scalars())

    async def shipment_by_tracking(self, *, tracking_number: str) -> Shipment | None:
        """The shipment with this tracking number, or None."""
        result = await self._session.execute(
            select(Shipment).where(Shipment.tracking_number == tracking_number)
        )
        return result.scalar_one_or_none()

    async def count(self) -> int:
        """How many orders are stored."""
        return int((await self._session.execute(select(func.count()).select_from(Order))).scalar_one())

    async def distinct_products(self, *, limit: int = 500) -> list[tuple[str, str, str]]:
        """``(sku, name, category)`` of up to ``limit`` distinct SKUs ever ordered, by SKU.

        Used once at start-up to teach the NLU the shop's own product names.
        """
        result = await self._session.execute(
            select(OrderItem.sku, func.min(OrderItem.name), func.min(OrderItem.category))
            .group_by(OrderItem.sku)
            .order_by(OrderItem.sku)
            .limit(limit)
        )
        return [(str(sku), str(name), str(category)) for sku, name, category in result.all()]

    async def tracking_events(self, *, shipment_ids: Sequence[int]) -> list[TrackingEvent]:
        """Tracking events of these shipments, oldest first."""
        if not shipment_ids:
            return []
        result = await self._session.execute(
            select(TrackingEvent)
            .where(TrackingEvent.shipment_id.in_(list(shipment_ids)))
            .order_by(TrackingEvent.occurred_at, TrackingEvent.id)
        )
        return list(result.scalars())

    # ---- writes ----------------------------------------------------------------
    async def upsert_many(self, orders: Sequence[OrderIn]) -> UpsertResult:
        """Insert new orders and update existing ones (by order number), in bulk.

        Customers are upserted by email. Items are replaced; shipments are upserted by
        tracking number and ones no longer listed are removed with their events.
        """
        result = UpsertResult()
        if not orders:
            return result
        # later lines win when one batch names the same order twice
        latest: dict[str, OrderIn] = {}
        for order in orders:
            latest[order.order_number] = order
        batch = list(latest.values())
        now = utcnow()

        customer_ids = await self._upsert_customers(batch, now)
        numbers = [o.order_number for o in batch]
        existing = await self._ids_by_number(numbers)

        order_rows = [self._order_row(o, customer_ids[o.customer.email.lower()], now) for o in batch]
        new_rows = [r for r in order_rows if r["order_number"] not in existing]
        changed_rows = [r for r in order_rows if r["order_number"] in existing]
        if new_rows:
            columns = list(new_rows[0])
            await executemany(self._session, "orders", columns, [tuple(r.values()) for r in new_rows])
        if changed_rows:
            for row in changed_rows:
                row["b_id"] = existing[row["order_number"]]
            table = Order.__table__  # type: ignore[attr-defined]
            values = {k: bindparam(k) for k in changed_rows[0] if k not in ("b_id", "order_number")}
            await self._session.execute(
                update(table).where(table.c.id == bindparam("b_id")).values(**values),
                changed_rows,
                execution_options={"synchronize_session": False},
            )
        result.created = len(new_rows)
        result.updated = len(changed_rows)
        result.created_numbers = [r["order_number"] for r in new_rows]

        ids = dict(existing)
        if new_rows:
            ids.update(await self._ids_by_number([r["order_number"] for r in new_rows]))
        changed_ids = [existing[r["order_number"]] for r in changed_rows]
        if changed_ids:
            await self._session.execute(delete(OrderItem).where(OrderItem.order_id.in_(changed_ids)))
        item_rows = [
            (ids[o.order_number], it.sku, it.name, it.category, it.quantity, it.requires_setup)
            for o in batch
            for it in o.items
        ]
        await executemany(
            self._session,
            "order_items",
            ("order_id", "sku", "name", "category", "quantity", "requires_setup"),
            item_rows,
        )
        await self._write_shipments(batch, ids, set(changed_ids), now)
        return result

    async def _upsert_customers(self, batch: Sequence[OrderIn], now: datetime) -> dict[str, int]:
        rows: dict[str, dict[str, object]] = {}
        for o in batch:
            c = o.customer
            email = c.email.lower()
            rows[email] = {
                "email": email,
                "name": c.name,
                "phone": normalize_phone(c.phone),
                "timezone": c.timezone,
                "locale": c.locale,
                "created_at": now,
            }
        columns = ("email", "name", "phone", "timezone", "locale", "created_at")
        await executemany(
            self._session,
            "customers",
            columns,
            [tuple(r[c] for c in columns) for r in rows.values()],
            conflict="ON CONFLICT (email) DO UPDATE SET name = excluded.name, phone = excluded.phone, "
            "timezone = excluded.timezone, locale = excluded.locale",
        )
        ids: dict[str, int] = {}
        for chunk in _chunks(list(rows)):
            found = await self._session.execute(
                select(Customer.email, Customer.id).where(Customer.email.in_(chunk))
            )
            ids.update({email: cid for email, cid in found.all()})
        return ids

    async def _ids_by_number(self, numbers: Sequence[str]) -> dict[str, int]:
        ids: dict[str, int] = {}
        for chunk in _chunks(list(numbers)):
            found = await self._session.execute(
                select(Order.order_number, Order.id).where(Order.order_number.in_(chunk))
            )
            ids.update({number: oid for number, oid in found.all()})
        return ids

    @staticmethod
    def _order_row(o: OrderIn, customer_id: int, now: datetime) -> dict[str, object]:
        addr = o.shipping_address
        return {
            "order_number": o.order_number,
            "customer_id": customer_id,
            "placed_at": o.placed_at,
            "status": o.status.value,
            "ship_line1": addr.line1 if addr else None,
            "ship_city": addr.city if addr else None,
            "ship_postcode": addr.postcode if addr else None,
            "ship_country": addr.country if addr else None,
            "expected_ship_date": o.expected_ship_date,
            "backordered_until": o.backordered_until,
            "refund_status": o.refund_status,
            "updated_at": now,
        }

    async def _write_shipments(
        self, batch: Sequence[OrderIn], ids: dict[str, int], changed: set[int], now: datetime
    ) -> None:
        columns = _SHIPMENT_COLUMNS
        rows = [
            (
                ids[o.order_number],
                s.carrier,
                s.tracking_number,
                s.tracking_url,
                s.status.value,
                s.eta,
                s.promised_by,
                s.shipped_at,
                s.delivered_at,
                list(s.skus),
                now,
            )
            for o in batch
            for s in o.shipments
        ]
        if changed:
            keep = {r[2] for r in rows if r[0] in changed}
            stale = await self._session.execute(
                select(Shipment.id, Shipment.tracking_number).where(Shipment.order_id.in_(list(changed)))
            )
            gone = [sid for sid, number in stale.all() if number not in keep]
            if gone:
                await self._session.execute(delete(TrackingEvent).where(TrackingEvent.shipment_id.in_(gone)))
                await self._session.execute(delete(Shipment).where(Shipment.id.in_(gone)))
        # a tracking number named again (even by another order) moves to the latest line
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "tracking_number")
        await executemany(
            self._session,
            "shipments",
            columns,
            rows,
            conflict=f"ON CONFLICT (tracking_number) DO UPDATE SET {updates}",
        )

    # ---- bulk scans (notification pipeline) ----------------------------------------------------
    async def shipments_by_tracking(self, *, tracking_numbers: Sequence[str]) -> dict[str, Shipment]:
        """The shipments with these tracking numbers, re-read from the database, by tracking number."""
        found: dict[str, Shipment] = {}
        for chunk in _chunks(list(dict.fromkeys(tracking_numbers))):
            result = await self._session.execute(
                select(Shipment)
                .where(Shipment.tracking_number.in_(chunk))
                .execution_options(populate_existing=True)
            )
            found.update({s.tracking_number: s for s in result.scalars()})
        return found

    async def save_shipments(self, shipments: Sequence[Shipment | ShipmentRow]) -> None:
        """Write the tracking fields of detached shipment copies back by id, in one statement.

        Saves status, raw status, ETA, last location, last event time, delivery and ship times,
        tracking URL and ``updated_at``, as :meth:`update_shipment` would have left them.
        """
        if not shipments:
            return
        driver = await self.sqlite_driver()
        if driver is not None:
            convert = converted_once(sqlite_value)  # equal dates and times are written once
            now = None
            rows = []
            for s in shipments:
                updated = s.updated_at
                if updated is None:
                    now = now or utcnow()
                    updated = now
                rows.append(
                    (
                        s.status,
                        s.raw_status,
                        convert(s.eta),
                        s.last_location,
                        convert(s.last_event_at),
                        convert(s.delivered_at),
                        convert(s.shipped_at),
                        s.tracking_url,
                        convert(updated),
                        s.id,
                    )
                )
            await driver.executemany(_SAVE_SHIPMENTS_SQLITE, rows)
            return
        table = Shipment.__table__  # type: ignore[attr-defined]
        await self._session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(**{c: bindparam(f"b_{c}") for c in (*_SAVED_SHIPMENT_COLUMNS, "updated_at")}),
            [
                {
                    "b_id": s.id,
                    "b_updated_at": s.updated_at or utcnow(),
                    **{f"b_{c}": getattr(s, c) for c in _SAVED_SHIPMENT_COLUMNS},
                }
                for s in shipments
            ],
            execution_options={"synchronize_session": False},
        )

    async def add_tracking_events(self, events: Sequence[NewTrackingEvent]) -> None:
        """Append several tracking events in one statement."""
        await self.insert_tracking_rows(
            [
                (
                    e.shipment_id,
                    e.occurred_at,
                    e.status,
                    e.substatus,
                    e.raw_status,
                    e.location,
                    e.source,
                    e.event_id,
                )
                for e in events
            ]
        )

    async def insert_tracking_rows(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Like :meth:`add_tracking_events`, given tuples in :class:`NewTrackingEvent` field order."""
        await executemany(self._session, "tracking_events", _TRACKING_EVENT_COLUMNS, rows)

    async def set_status(self, *, order_id: int, status: str) -> None:
        """Change the order status (open, cancelled, closed)."""
        await self._session.execute(
            update(Order).where(Order.id == order_id).values(status=status, updated_at=utcnow())
        )

    async def set_refund_status(self, *, order_id: int, refund_status: str) -> None:
        """Record the refund state (none, pending, issued)."""
        await self._session.execute(
            update(Order).where(Order.id == order_id).values(refund_status=refund_status, updated_at=utcnow())
        )

    async def set_backordered(self, *, order_id: int, until: date | None) -> None:
        """Record that the order waits for stock until ``until``."""
        await self._session.execute(
            update(Order).where(Order.id == order_id).values(backordered_until=until, updated_at=utcnow())
        )

    async def set_address(
        self, *, order_id: int, line1: str | None, city: str | None, postcode: str | None, country: str | None
    ) -> None:
        """Change the shipping address (only allowed before shipment; the caller checks)."""
        await self._session.execute(
            update(Order)
            .where(Order.id == order_id)
            .values(ship_line1=line1, ship_city=city, ship_postcode=postcode, ship_country=country)
        )

    async def add_shipment(
        self,
        *,
        order_id: int,
        carrier: str,
        tracking_number: str,
        tracking_url: str | None,
        status: str,
        eta: date | None = None,
        skus: Sequence[str] = (),
        shipped_at: datetime | None = None,
    ) -> Shipment:
        """Create a shipment for an order (from a fulfillment event)."""
        shipment = Shipment(
            order_id=order_id,
            carrier=carrier,
            tracking_number=tracking_number,
            tracking_url=tracking_url,
            status=status,
            eta=eta,
            skus=list(skus),
            shipped_at=shipped_at,
            updated_at=utcnow(),
        )
        self._session.add(shipment)
        await self._session.flush()
        return shipment

    async def update_shipment(
        self,
        *,
        shipment_id: int,
        status: str | None = None,
        raw_status: str | None = None,
        eta: date | None = None,
        location: str | None = None,
        event_at: datetime | None = None,
        delivered_at: datetime | None = None,
        shipped_at: datetime | None = None,
        tracking_url: str | None = None,
    ) -> None:
        """Apply a tracking update; ``None`` leaves a field as it is."""
        values = shipment_changes(
            status=status,
            raw_status=raw_status,
            eta=eta,
            location=location,
            event_at=event_at,
            delivered_at=delivered_at,
            shipped_at=shipped_at,
            tracking_url=tracking_url,
        )
        await self.write_shipment_changes(shipment_id=shipment_id, changes=values)

    async def write_shipment_changes(self, *, shipment_id: int, changes: dict[str, Any]) -> None:
        """Write columns of one parcel (as :func:`shipment_changes` maps a tracking update)."""
        await self._session.execute(update(Shipment).where(Shipment.id == shipment_id).values(**changes))

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
        """Append a tracking event to the shipment's history."""
        self._session.add(
            TrackingEvent(
                shipment_id=shipment_id,
                occurred_at=occurred_at,
                status=status,
                substatus=substatus,
                raw_status=raw_status,
                location=location,
                source=source,
                event_id=event_id,
            )
        )
