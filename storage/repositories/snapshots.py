"""Light copies of stored rows for bulk reads (the event pipeline, the notification policy).

Loading thousands of ORM objects per batch costs far more than the SQL: every object gets an
instance state, an identity-map entry and instrumented attributes. The classes here are plain
slotted dataclasses with the same attribute names (and values) as the models in
:mod:`storage.models`, so code that only reads attributes (journey rules, the policy) takes
either. They are not attached to any session: changing one changes nothing in the database.

On SQLite the rows are read on the driver connection and converted here exactly as the
column types would (UTC timestamps, ISO dates, JSON, booleans); on PostgreSQL they come from
Core ``select`` statements, converted by SQLAlchemy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Boolean, Date, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import JSON

from storage.models import ChannelIdentity, Customer, NotificationPreference, Order, OrderItem, Shipment
from storage.repositories.base import fetch_all_sqlite
from storage.types import UTCDateTime
from storage.units import LaneUnit, SessionUnit

#: ids per ``IN (...)`` list
CHUNK = 500


@dataclass(slots=True, eq=False)
class OrderRow:
    """An ``orders`` row (see :class:`storage.models.Order`)."""

    id: int
    order_number: str
    customer_id: int
    placed_at: datetime
    status: str
    ship_line1: str | None
    ship_city: str | None
    ship_postcode: str | None
    ship_country: str | None
    expected_ship_date: date | None
    backordered_until: date | None
    refund_status: str | None
    updated_at: datetime | None


@dataclass(slots=True, eq=False)
class CustomerRow:
    """A ``customers`` row (see :class:`storage.models.Customer`)."""

    id: int
    email: str
    name: str | None
    phone: str | None
    timezone: str
    locale: str
    created_at: datetime | None


@dataclass(slots=True, eq=False)
class ItemRow:
    """An ``order_items`` row (see :class:`storage.models.OrderItem`)."""

    id: int
    order_id: int
    sku: str
    name: str
    category: str
    quantity: int
    requires_setup: bool


@dataclass(slots=True, eq=False)
class ShipmentRow:
    """A ``shipments`` row (see :class:`storage.models.Shipment`)."""

    id: int
    order_id: int
    carrier: str
    tracking_number: str
    tracking_url: str | None
    status: str
    raw_status: str | None
    eta: date | None
    promised_by: date | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    last_location: str | None
    last_event_at: datetime | None
    skus: list[str]
    updated_at: datetime | None


@dataclass(slots=True, eq=False)
class IdentityRow:
    """A ``channel_identities`` row (see :class:`storage.models.ChannelIdentity`)."""

    id: int
    channel: str
    external_id: str
    customer_id: int | None
    verified: bool
    verified_at: datetime | None
    accepted_updates: bool
    opted_out_categories: list[str]
    unreachable: bool
    unreachable_reason: str | None
    display_name: str | None
    created_at: datetime | None


@dataclass(slots=True, eq=False)
class PreferenceRow:
    """A ``notification_preferences`` row (see :class:`storage.models.NotificationPreference`)."""

    id: int
    customer_id: int
    preferred_identity_id: int | None
    opted_out_categories: list[str]
    quiet_start: str | None
    quiet_end: str | None
    updated_at: datetime | None


@dataclass(slots=True, eq=False)
class MessageRow:
    """What the notification policy reads of an ``outbox`` row: its columns except the payload,
    plus the payload's ``category`` (a string, else None) and ``shipment_id`` (an integer, else None)."""

    id: int
    order_id: int | None
    customer_id: int | None
    dedupe_key: str
    kind: str
    channel: str
    recipient: str
    scheduled_at: datetime
    status: str
    last_error: str | None
    created_at: datetime | None
    category: str | None
    shipment_id: int | None


def payload_category(payload: Any) -> str | None:
    """An outbox payload's ``category`` when it is a string."""
    value = payload.get("category") if isinstance(payload, dict) else None
    return value if isinstance(value, str) else None


def payload_shipment_id(payload: Any) -> int | None:
    """An outbox payload's ``shipment_id`` when it is an integer (JSON ``true`` counts as 1, as in Python)."""
    value = payload.get("shipment_id") if isinstance(payload, dict) else None
    return int(value) if isinstance(value, int) else None


# ---------------------------------------------------------------- converting SQLite values
#: the time of a stored timestamp without an offset (after its ``YYYY-MM-DD`` date)
_NAIVE_TIME = re.compile(r"[ T]\d\d:\d\d:\d\d(?:\.\d{1,6})?")


def utc_from_sqlite(value: str) -> datetime:
    """A stored timestamp as :class:`storage.types.UTCDateTime` reads it on SQLite (aware, UTC)."""
    if len(value) > 10 and _NAIVE_TIME.fullmatch(value, 10):
        # naive UTC text, as stored: parsed with its offset in one step (several times faster
        # than parsing, then replacing the time zone)
        return datetime.fromisoformat(value + "+00:00")
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def json_from_sqlite(value: str) -> Any:
    """A stored JSON value (``[]``, the common case, without the parser)."""
    return [] if value == "[]" else json.loads(value)


#: how :meth:`RowSpec.build_all` converts a column's stored values
_EACH, _SHARED, _JSON = 0, 1, 2


def _converter(column_type: Any) -> tuple[Callable[[Any], Any], int] | None:
    """How a column's stored values are converted: each on its own; equal values sharing one
    (immutable) result; JSON (equal texts decoding to a flat list of strings share the decoding,
    each row getting its own list)."""
    if isinstance(column_type, UTCDateTime):
        return utc_from_sqlite, _SHARED
    if isinstance(column_type, Date):
        return date.fromisoformat, _SHARED
    if isinstance(column_type, JSON):
        return json_from_sqlite, _JSON
    if isinstance(column_type, Boolean):
        return bool, _EACH
    return None


@dataclass(frozen=True, slots=True)
class RowSpec:
    """How to select a row class's columns on SQLite and build it from the driver's tuples."""

    row_class: type[Any]
    #: ``table.col1, table.col2, ...`` in the row class's field order
    columns: str
    width: int
    #: (position, converter, how) of the columns that need converting (None values stay None)
    conversions: tuple[tuple[int, Callable[[Any], Any], int], ...]

    def build(self, row: Sequence[Any], start: int = 0) -> Any:
        """The row object of ``row[start : start + width]``."""
        return self.build_all([row], start)[0]

    def build_all(self, rows: Sequence[Sequence[Any]], start: int = 0) -> list[Any]:
        """The row objects of ``row[start : start + width]`` for each row (equal timestamps and
        dates are converted once)."""
        make, width, conversions = self.row_class, self.width, self.conversions
        caches: list[dict[Any, Any]] = [{} for _ in conversions]
        whole = start == 0 and bool(rows) and len(rows[0]) == width
        built: list[Any] = []
        for row in rows:
            values = list(row) if whole else list(row[start : start + width])
            for index, (position, convert, how) in enumerate(conversions):
                value = values[position]
                if value is None:
                    continue
                if how == _EACH:
                    values[position] = convert(value)
                    continue
                cache = caches[index]
                done = cache.get(value)
                if how == _SHARED:
                    if done is None:
                        done = cache[value] = convert(value)
                    values[position] = done
                elif done is not None:
                    values[position] = list(done)
                else:
                    decoded = values[position] = convert(value)
                    if type(decoded) is list and all(type(item) is str for item in decoded):
                        cache[value] = tuple(decoded)
            built.append(make(*values))
        return built


_MODEL_OF: dict[type[Any], type[Any]] = {
    OrderRow: Order,
    CustomerRow: Customer,
    ItemRow: OrderItem,
    ShipmentRow: Shipment,
    IdentityRow: ChannelIdentity,
    PreferenceRow: NotificationPreference,
}


@lru_cache(maxsize=16)
def row_spec(row_class: type[Any]) -> RowSpec:
    """The :class:`RowSpec` of one of the row classes above (built once)."""
    table = _MODEL_OF[row_class].__table__
    names = [f.name for f in fields(row_class)]
    columns = [table.c[name] for name in names]
    conversions = tuple(
        (i, *how) for i, column in enumerate(columns) if (how := _converter(column.type)) is not None
    )
    return RowSpec(
        row_class=row_class,
        columns=", ".join(f"{table.name}.{name}" for name in names),
        width=len(names),
        conversions=conversions,
    )


def core_columns(row_class: type[Any]) -> list[Any]:
    """The Core columns of a row class, in field order (for ``select`` on PostgreSQL)."""
    table = _MODEL_OF[row_class].__table__
    return [table.c[f.name] for f in fields(row_class)]


# ---------------------------------------------------------------- running queries
def marks(count: int) -> str:
    """``?, ?, ?`` with ``count`` marks."""
    return ", ".join("?" * count)


def chunks(values: Sequence[Any]) -> list[Sequence[Any]]:
    """``values`` in slices of at most :data:`CHUNK`."""
    return [values[i : i + CHUNK] for i in range(0, len(values), CHUNK)]


async def rows_in(
    unit: SessionUnit | LaneUnit,
    driver: Any | None,
    row_class: type[Any],
    column: str,
    values: Sequence[Any],
    *,
    equal: Mapping[str, Any] | None = None,
    order_by: str | None = None,
) -> list[Any]:
    """Row objects of ``row_class`` whose ``column`` is one of ``values`` and each ``equal`` column
    has its value, read in chunks: on the SQLite ``driver`` when given, else with Core in the
    ``unit``'s session. Rows come in ``order_by`` order within a chunk."""
    table = _MODEL_OF[row_class].__table__
    extra = dict(equal or {})
    found: list[Any] = []
    for chunk in chunks(values):
        if driver is not None:
            spec = row_spec(row_class)
            sql = f"SELECT {spec.columns} FROM {table.name} WHERE {table.name}.{column} IN ({marks(len(chunk))})"
            sql += "".join(f" AND {table.name}.{name} = ?" for name in extra)
            sql += f" ORDER BY {table.name}.{order_by}" if order_by else ""
            found.extend(spec.build_all(await fetch_all_sqlite(driver, sql, [*chunk, *extra.values()])))
        else:
            where = [table.c[column].in_(chunk), *(table.c[name] == value for name, value in extra.items())]
            ordering = table.c[order_by] if order_by else None
            found.extend(await core_rows(unit.session, row_class, *where, order_by=ordering))
    return found


async def core_rows(
    session: AsyncSession, row_class: type[Any], *where: Any, order_by: Any = None
) -> list[Any]:
    """Row objects of ``row_class`` selected with Core (used on PostgreSQL)."""
    stmt = select(*core_columns(row_class)).where(*where)
    if order_by is not None:
        stmt = stmt.order_by(order_by)
    result = await session.execute(stmt)
    return [row_class(*row) for row in result.all()]
