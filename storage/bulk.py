"""Bulk writes straight to the database driver, for imports of many rows.

SQLAlchemy's per-row parameter processing costs more than SQLite's own insert, so bulk
paths hand tuples to the driver's ``executemany`` inside the session's transaction. Values
are adapted here exactly as the column types in :mod:`storage.types` would store them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


def sqlite_value(value: Any) -> Any:
    """``value`` as SQLAlchemy's SQLite column types store it (UTC timestamps, ISO dates, JSON text)."""
    if isinstance(value, datetime):
        offset = value.utcoffset()
        if offset is None:
            return value.isoformat(" ", "microseconds")
        if offset:
            value = value.astimezone(UTC)
        return value.isoformat(" ", "microseconds")[:-6]  # without its "+00:00"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return value


def converted_once(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``convert`` remembering its results: equal values (the timestamps of one batch) are
    converted once; None stays None. For immutable results only."""
    done: dict[Any, Any] = {}

    def once(value: Any) -> Any:
        if value is None:
            return None
        result = done.get(value)
        if result is None:
            result = done[value] = convert(value)
        return result

    return once


def value_groups(rows: int, width: int) -> str:
    """``(?, ?), (?, ?)``: ``rows`` groups of ``width`` marks, for a multi-row ``VALUES`` on SQLite."""
    return ", ".join(["(" + ", ".join("?" * width) + ")"] * rows)


def _pg_value(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return value


async def executemany(
    session: AsyncSession,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    conflict: str = "",
) -> None:
    """INSERT ``rows`` (tuples in ``columns`` order) into ``table`` in the session's transaction.

    ``conflict`` is an optional ``ON CONFLICT ...`` clause written in the common
    SQLite/PostgreSQL syntax (e.g. ``ON CONFLICT (email) DO UPDATE SET name = excluded.name``).
    """
    if not rows:
        return
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    column_list = ", ".join(columns)
    if connection.dialect.name == "postgresql":
        marks = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
        sql = f"INSERT INTO {table} ({column_list}) VALUES ({marks}) {conflict}"
        await driver.executemany(sql, [tuple(_pg_value(v) for v in row) for row in rows])  # type: ignore[union-attr]
        return
    marks = ", ".join("?" for _ in columns)
    sql = f"INSERT INTO {table} ({column_list}) VALUES ({marks}) {conflict}"
    await driver.executemany(sql, _adapt_sqlite(rows, len(columns)))  # type: ignore[union-attr]


def _adapt_sqlite(rows: Sequence[Sequence[Any]], width: int) -> list[Sequence[Any]]:
    """Convert only the columns that need it (timestamps, dates, JSON), found from the data.

    A column's kind is read from its first non-null value; equal timestamps (the batch's
    ``now``, shared order dates) are converted once.
    """
    needs: list[int] = []
    for i in range(width):
        sample = next((row[i] for row in rows if row[i] is not None), None)
        if isinstance(sample, (datetime, date, list, dict)):
            needs.append(i)
    if not needs:
        return list(rows)
    converted: dict[Any, Any] = {}
    out: list[Sequence[Any]] = []
    for row in rows:
        values = list(row)
        for i in needs:
            value = values[i]
            if value is None:
                continue
            if isinstance(value, (list, dict)):
                values[i] = json.dumps(value)
                continue
            done = converted.get(value)
            if done is None:
                done = converted[value] = sqlite_value(value)
            values[i] = done
        out.append(values)
    return out
