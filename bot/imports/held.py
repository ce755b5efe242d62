"""After an import: apply carrier events that arrived before their order did."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.clock import Clock
from bot.config import Settings
from bot.imports.orders import CreatedHook
from bot.notify.pipeline import ingest_released
from storage.store import Store

log = logging.getLogger(__name__)


def release_held_events(
    store: Store, clock: Clock, settings: Settings, *, wake: Callable[[], None] | None = None
) -> CreatedHook:
    """A hook for :func:`~bot.imports.orders.import_orders` that releases events held for new orders.

    Held events go through the same policy and outbox path as live ones; ``wake`` tells a
    running dispatcher that messages were queued.
    """

    async def hook(order_numbers: list[str]) -> None:
        results = await ingest_released(store, order_numbers, clock, settings, on_enqueued=wake)
        if results:
            log.info("import released %d held event(s)", len(results))

    return hook
