"""Model objects from raw driver rows, converted exactly as SQLAlchemy's column types would.

Hot-path reads on SQLite run on the driver connection (see ``Repository.sqlite_driver``);
:func:`row_loader` turns their rows into the same model objects the ORM would load (every
column set, values through each column type's result processor), without the ORM's
per-statement work. The objects are not attached to the session.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.engine import Dialect


@dataclass(frozen=True, slots=True)
class RowLoader:
    """How to select a model's columns and build model objects from the raw rows."""

    #: ``table.col1, table.col2, ...`` in the order :meth:`build` expects
    columns: str
    width: int
    _keys: tuple[str, ...]
    _processors: tuple[Callable[[Any], Any] | None, ...]
    _new: Callable[[], Any]

    def build(self, row: Sequence[Any], start: int = 0) -> Any:
        """The model object of ``row[start : start + width]``."""
        instance = self._new()
        values = instance.__dict__
        for offset, (key, processor) in enumerate(zip(self._keys, self._processors, strict=True)):
            value = row[start + offset]
            values[key] = value if processor is None else processor(value)
        return instance


@lru_cache(maxsize=64)
def row_loader(model: type[Any], dialect: Dialect) -> RowLoader:
    """The :class:`RowLoader` of ``model`` on ``dialect`` (built once per pair)."""
    mapper = inspect(model)
    table = mapper.local_table
    keys = tuple(mapper.get_property_by_column(column).key for column in table.columns)
    processors = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None) for column in table.columns
    )
    return RowLoader(
        columns=", ".join(f"{table.name}.{column.name}" for column in table.columns),
        width=len(keys),
        _keys=keys,
        _processors=processors,
        _new=mapper.class_manager.new_instance,
    )
