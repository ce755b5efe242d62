"""The one place that wires doorstep: ``build_app(settings)``.

Nothing is created at import time. Every I/O object is created inside an aiohttp
``cleanup_ctx`` (so it is closed when the app stops) and stored under a typed ``AppKey``.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from bot.app_keys import CLOCK, SERVICES, SETTINGS, STORE
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.report.web import get_summary
from bot.web.body import BODY_READ_SECONDS, BODY_READ_TIMEOUT, body_middleware
from bot.web.errors import error_middleware
from bot.web.metrics import REQUEST_METRICS, RequestMetrics, get_metrics, metrics_middleware
from bot.web.operator_api import healthz, post_orders
from storage.migrate import upgrade
from storage.store import Store

log = logging.getLogger(__name__)

#: a feature's set-up: adds routes and cleanup contexts to the app
Feature = Callable[[web.Application, Settings], None]
#: net new container objects between two collections of the GC's young generation (Python's default: 700)
YOUNG_GC_THRESHOLD = 10_000


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    store = Store(settings.database_url)
    if settings.run_migrations:
        await upgrade(settings.database_url, engine=store.engine)
    app[STORE] = store
    log.info("database ready (%s)", store.dialect)
    yield
    await store.aclose()


def build_app(
    settings: Settings, *, features: list[Feature] | None = None, clock: Clock | None = None
) -> web.Application:
    """Create the aiohttp application for ``settings``.

    ``features`` defaults to every feature of a normal server; ``clock`` defaults to the
    system clock (tests pass a fake one to travel in time).
    """
    app = web.Application(
        client_max_size=settings.max_body_bytes,
        middlewares=[metrics_middleware, error_middleware, body_middleware],
    )
    app[BODY_READ_TIMEOUT] = BODY_READ_SECONDS
    app[SETTINGS] = settings
    app[CLOCK] = clock or SystemClock()
    app[SERVICES] = {}
    app[REQUEST_METRICS] = RequestMetrics()
    app.cleanup_ctx.append(_database)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", get_metrics)
    app.router.add_post("/api/orders", post_orders)
    app.router.add_get("/api/reports/summary", get_summary)
    for feature in features if features is not None else default_features():
        feature(app, settings)
    app.cleanup_ctx.append(_frozen_heap)  # last: it freezes what every other context started
    return app


async def _frozen_heap(app: web.Application) -> AsyncIterator[None]:
    """While the app runs, keep start-up objects (NLU model, search index) out of the GC's sight,
    and collect the young generation less often.

    Starts after every other cleanup context; without it a full collection walks the large
    read-only indexes and stalls a reply for tens of milliseconds. The young generation is
    collected after :data:`YOUNG_GC_THRESHOLD` net new container objects instead of 700: the
    objects of the requests in flight (a few hundred per chat turn) crossed 700 all the time, and
    each collection walked them, about 3% of the server's CPU under load for almost no garbage
    (reference counting frees them); cyclic garbage still triggers a collection once it adds up.

    On stop the heap is unfrozen and the thresholds restored. Frozen objects are never collected
    as cyclic garbage, so without this every stopped app (its model, index and store, which refer
    to each other) stayed in memory for good: a process that builds many apps, such as the test
    suite, grew by about 50 MB per app.
    """
    previous = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(max(YOUNG_GC_THRESHOLD, previous[0]), previous[1], previous[2])
    yield
    gc.unfreeze()
    gc.set_threshold(*previous)


def default_features() -> list[Feature]:
    """The features a normal server runs, in start order.

    The conversation engine comes first (channels register hooks on it); Slack comes before
    notify (staff alerts go through it); notify comes last so its dispatcher starts after
    every channel's sender is registered and stops first.
    """
    from bot.admin.feature import admin_feature
    from bot.channels.slack.feature import slack_feature
    from bot.channels.telegram.feature import telegram_feature
    from bot.channels.webchat.feature import webchat_feature
    from bot.channels.whatsapp.feature import whatsapp_feature
    from bot.engine.feature import conversation_feature
    from bot.integrations.routes import events_feature
    from bot.notify.feature import notify_feature

    return [
        conversation_feature,
        webchat_feature,
        telegram_feature,
        whatsapp_feature,
        events_feature,
        slack_feature,
        admin_feature,
        notify_feature,
    ]
