"""Instrumentation for the reply benchmark's breakdown pass: where one message's time goes.

``SqlProbe`` counts the SQL statements and commits the engine runs and the wall time spent
in them (SQLAlchemy ``before/after_cursor_execute`` events: with aiosqlite that is the round
trip to the driver's thread and back). ``TimedParser`` and ``TimedIndex`` wrap the NLU and the
search index the engine is given, timing each call. None of this touches the engine's code:
the engine takes its parser and knowledge as arguments (the round-trip counter wraps a method
of aiosqlite, the third-party driver, while the probe is active).
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from knowledge import SearchIndex


class SqlProbe:
    """Counts statements (by their first words), commits and driver thread round trips.

    Sums the statements' wall time. A round trip is one call handed to aiosqlite's worker
    thread (cursor, execute, fetch, close, commit, rollback...), counted by wrapping
    ``aiosqlite.Connection._execute`` for the duration of the ``with`` block.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.sync_engine
        self.statements = 0
        self.commits = 0
        self.round_trips = 0
        self.seconds = 0.0
        self.kinds: Counter[str] = Counter()
        self._started: list[float] = []
        self._original: Any = None

    def __enter__(self) -> SqlProbe:
        event.listen(self._engine, "before_cursor_execute", self._before)
        event.listen(self._engine, "after_cursor_execute", self._after)
        event.listen(self._engine, "commit", self._commit)
        original = self._original = aiosqlite.Connection._execute
        probe = self

        async def counted(connection: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
            probe.round_trips += 1
            return await original(connection, fn, *args, **kwargs)

        aiosqlite.Connection._execute = counted  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        aiosqlite.Connection._execute = self._original  # type: ignore[method-assign]
        event.remove(self._engine, "before_cursor_execute", self._before)
        event.remove(self._engine, "after_cursor_execute", self._after)
        event.remove(self._engine, "commit", self._commit)

    def _before(self, conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        self._started.append(time.perf_counter())

    def _after(self, conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        self.seconds += time.perf_counter() - self._started.pop()
        self.statements += 1
        self.kinds[statement_kind(statement)] += 1

    def _commit(self, conn: Any) -> None:
        self.commits += 1


def statement_kind(sql: str) -> str:
    """``SELECT orders``, ``INSERT inbox``, ``UPDATE conversations``: verb and first table."""
    words = sql.replace("\n", " ").split()
    verb = words[0].upper() if words else "?"
    table = "?"
    for marker in ("FROM", "INTO", "UPDATE"):
        upper = [w.upper() for w in words]
        if marker in upper:
            index = upper.index(marker) + 1
            if index < len(words):
                table = words[index].strip('"(')
                break
    return f"{verb} {table}"


class TimedParser:
    """Wraps an NLU: same ``parse``, with calls and seconds counted."""

    def __init__(self, parser: Any) -> None:
        self._parser = parser
        self.calls = 0
        self.seconds = 0.0

    def parse(self, text: str) -> Any:
        """The wrapped parser's answer."""
        start = time.perf_counter()
        try:
            return self._parser.parse(text)
        finally:
            self.seconds += time.perf_counter() - start
            self.calls += 1


class TimedIndex(SearchIndex):
    """A :class:`SearchIndex` whose ``search`` calls are counted and timed.

    Built by adopting an existing index's state, so nothing is indexed twice.
    """

    calls: int
    seconds: float

    @classmethod
    def adopt(cls, index: SearchIndex) -> TimedIndex:
        """The same index, timed."""
        timed = cls.__new__(cls)
        timed.__dict__.update(index.__dict__)
        timed.calls = 0
        timed.seconds = 0.0
        return timed

    def search(self, *args: Any, **kwargs: Any) -> Any:
        """The index's hits; the call is timed."""
        start = time.perf_counter()
        try:
            return super().search(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - start
            self.calls += 1
