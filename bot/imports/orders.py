"""Order import: JSON Lines in, upserts by order number out, bad lines reported by number.

Used by ``doorstep import orders FILE`` and ``POST /api/orders``. Lines are validated one by
one; good lines are written in batches (one transaction per batch) so large files load fast
and a bad line never stops the good ones.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from pydantic import ValidationError

from storage.schemas import OrderIn
from storage.store import Store

log = logging.getLogger(__name__)

#: orders per transaction
DEFAULT_BATCH = 2000
#: called after each committed batch with the order numbers it created
CreatedHook = Callable[[list[str]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class LineError:
    """A rejected line and why."""

    line: int
    reason: str

    def to_dict(self) -> dict[str, object]:
        """JSON form for the API answer."""
        return {"line": self.line, "reason": self.reason}


@dataclass(slots=True)
class ImportReport:
    """What an import did."""

    created: int = 0
    updated: int = 0
    rejected: int = 0
    errors: list[LineError] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """JSON form for the API answer."""
        return {
            "created": self.created,
            "updated": self.updated,
            "rejected": self.rejected,
            "errors": [e.to_dict() for e in self.errors],
        }


def describe_validation_error(exc: ValidationError) -> str:
    """One short line naming the first bad field, e.g. ``customer.email: String should match ...``."""
    first = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "line"
    if first["type"] == "json_invalid":
        return "not valid JSON"
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}"


def parse_line(number: int, raw: str | bytes) -> OrderIn | LineError | None:
    """Validate one line; None for a blank line."""
    if not raw.strip():
        return None
    try:
        return OrderIn.model_validate_json(raw)
    except ValidationError as exc:
        return LineError(line=number, reason=describe_validation_error(exc))


@contextmanager
def _fewer_gc_passes() -> Iterator[None]:
    """Collect young objects less often while a bulk load allocates millions of short-lived ones.

    The loader keeps no cycles; the default threshold (700) makes the collector run
    thousands of times per 100k orders, which costs more than parsing. Restored afterwards.
    """
    previous = gc.get_threshold()
    gc.set_threshold(50_000, previous[1], previous[2])
    try:
        yield
    finally:
        gc.set_threshold(*previous)


async def import_orders(
    store: Store,
    lines: Iterable[str | bytes],
    *,
    batch_size: int = DEFAULT_BATCH,
    on_created: CreatedHook | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Load JSON Lines orders into ``store``; returns counts and the rejected line numbers."""
    report = ImportReport()
    batch: list[OrderIn] = []
    in_flight: asyncio.Task[None] | None = None

    async def write(orders: list[OrderIn]) -> None:
        async with store.transaction() as repos:
            result = await repos.orders.upsert_many(orders)
        report.created += result.created
        report.updated += result.updated
        if on_created is not None and result.created_numbers:
            await on_created(result.created_numbers)
        if progress is not None:
            progress(len(orders))

    async def flush() -> None:
        # one batch is written while the next one is parsed; batches commit in file order
        nonlocal in_flight, batch
        if in_flight is not None:
            await in_flight
        in_flight = asyncio.ensure_future(write(batch))
        batch = []

    with _fewer_gc_passes():
        try:
            for number, raw in enumerate(lines, start=1):
                parsed = parse_line(number, raw)
                if parsed is None:
                    continue
                if isinstance(parsed, LineError):
                    report.rejected += 1
                    report.errors.append(parsed)
                    log.warning("import: line %d rejected: %s", parsed.line, parsed.reason)
                    continue
                batch.append(parsed)
                if len(batch) >= batch_size:
                    await flush()
                    await asyncio.sleep(0)  # let the write start before parsing on
            if batch:
                await flush()
        finally:
            if in_flight is not None:
                await in_flight
    return report
