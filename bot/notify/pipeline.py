"""Events in: apply each normalized event and queue the messages it calls for, atomically.

For a batch of events, one transaction holds the inbox rows, the order/shipment changes, the
outbox rows and the decision log entries: either all of them are stored or none. Journey rules
run event by event (``apply_event``) over batch-aware repositories (inbox rows recorded in one
statement, the batch's parcels read once and written once, see
:mod:`storage.repositories.batch`); the policy then decides every proposal of the batch with
facts loaded in bulk. If anything in a batch fails, the batch is rolled back and its events are
retried one per transaction, so one bad event fails alone (its result says why).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.clock import Clock
from bot.config import Settings
from bot.integrations.journey_config import journey_config
from bot.notify.enqueue import enqueue_proposals
from bot.notify.policy import Decision, NotificationPolicy, PolicyOutcome, Renderer
from bot.notify.render import default_renderer
from handlers.journey.apply import apply_event, may_need_order, release_held
from handlers.journey.config import JourneyConfig
from handlers.journey.proposals import ProposedMessage
from storage.domain import NormalizedEvent
from storage.repositories.batch import BatchInboxRepository, BatchOrderRepository, batch_repositories
from storage.repositories.inbox import NewInboxEntry
from storage.store import Repositories, Store

log = logging.getLogger(__name__)

#: events per transaction when many are given at once
DEFAULT_BATCH_SIZE = 500


@dataclass(slots=True)
class IngestResult:
    """What became of one event.

    ``status`` is ``applied`` (state changed or recorded), ``held`` (kept until its order
    arrives), ``ignored`` (``reason`` says why: ``duplicate`` for a redelivery, a stale scan ...)
    or ``failed`` (``error`` says why; nothing of the event was stored, so a redelivery retries it).
    """

    event_id: str
    source: str
    status: str
    reason: str | None = None
    order_id: int | None = None
    messages: list[PolicyOutcome] = field(default_factory=list)
    error: str | None = None

    @property
    def queued(self) -> list[PolicyOutcome]:
        """Messages that were queued now or for later."""
        return [m for m in self.messages if m.decision in (Decision.QUEUED, Decision.DEFERRED)]


async def ingest_events(
    store: Store,
    events: Sequence[NormalizedEvent],
    clock: Clock,
    settings: Settings,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    renderer: Renderer | None = None,
    config: JourneyConfig | None = None,
    on_enqueued: Callable[[], None] | None = None,
) -> list[IngestResult]:
    """Apply ``events`` in order and queue their messages; one result per event, in order.

    ``on_enqueued`` is called after a commit that queued at least one message (pass the
    dispatcher's ``wake`` so it sends at once instead of at its next poll).
    """
    policy = NotificationPolicy(settings, renderer or default_renderer())
    config = config or journey_config(settings)
    results: list[IngestResult] = []
    for start in range(0, len(events), max(1, batch_size)):
        chunk = events[start : start + batch_size]
        try:
            batch = await _ingest_batch(store, chunk, clock, policy, config)
        except Exception as exc:
            if len(chunk) == 1:
                results.append(_failed(chunk[0], exc))
                continue
            log.warning("a batch of %d events failed; retrying them one by one", len(chunk))
            batch = []
            for event in chunk:
                try:
                    batch.extend(await _ingest_batch(store, [event], clock, policy, config))
                except Exception as single:
                    batch.append(_failed(event, single))
        results.extend(batch)
        if on_enqueued is not None and any(r.queued for r in batch):
            on_enqueued()
    return results


async def ingest_released(
    store: Store,
    order_numbers: Sequence[str],
    clock: Clock,
    settings: Settings,
    *,
    renderer: Renderer | None = None,
    on_enqueued: Callable[[], None] | None = None,
) -> list[IngestResult]:
    """Apply the events held for these orders (just imported) and queue their messages, atomically.

    For the order import: call it after the orders are stored. One result per released event.
    """
    policy = NotificationPolicy(settings, renderer or default_renderer())
    now = clock.now()
    async with store.transaction() as repos:
        released = await release_held(repos, list(order_numbers), now, config=journey_config(settings))
        proposals = [p for outcome in released for p in outcome.proposals]
        touched = [o.order_id for o in released if o.applied and o.order_id is not None]
        outcomes = iter(
            await enqueue_proposals(repos, proposals, now=now, policy=policy, touched_orders=touched)
        )
    results = [
        IngestResult(
            event_id=o.event_id,
            source=o.source,
            status="applied" if o.applied else "ignored",
            reason=o.reason,
            order_id=o.order_id,
            messages=[next(outcomes) for _ in o.proposals],
        )
        for o in released
    ]
    if on_enqueued is not None and any(r.queued for r in results):
        on_enqueued()
    return results


def _failed(event: NormalizedEvent, exc: Exception) -> IngestResult:
    """Log ``exc`` with its traceback and describe it in a failed result."""
    log.error("event %s/%s failed", event.source, event.event_id, exc_info=exc)
    return IngestResult(
        event_id=event.event_id,
        source=event.source,
        status="failed",
        error=f"{type(exc).__name__}: {exc}"[:300],
    )


async def _ingest_batch(
    store: Store,
    events: Sequence[NormalizedEvent],
    clock: Clock,
    policy: NotificationPolicy,
    config: JourneyConfig,
) -> list[IngestResult]:
    now = clock.now()
    async with store.transaction() as plain:
        repos = await _batch_repositories(plain, events) if len(events) > 1 else plain
        results: list[IngestResult] = []
        proposals: list[ProposedMessage] = []
        owners: list[int] = []  # index of the result each proposal belongs to
        touched: list[int] = []
        for event in events:
            outcome = await apply_event(repos, event, now, config=config)
            status = "applied" if outcome.applied else "held" if outcome.held else "ignored"
            results.append(
                IngestResult(
                    event_id=event.event_id,
                    source=event.source,
                    status=status,
                    reason=outcome.reason,
                    order_id=outcome.order_id,
                )
            )
            if outcome.applied and outcome.order_id is not None:
                touched.append(outcome.order_id)
            proposals.extend(outcome.proposals)
            owners.extend([len(results) - 1] * len(outcome.proposals))
        outcomes = await enqueue_proposals(repos, proposals, now=now, policy=policy, touched_orders=touched)
        if isinstance(repos.orders, BatchOrderRepository):
            await repos.orders.sync()
        if isinstance(repos.inbox, BatchInboxRepository):
            await repos.inbox.sync()
        for owner, decided in zip(owners, outcomes, strict=True):
            results[owner].messages.append(decided)
    return results


async def _batch_repositories(plain: Repositories, events: Sequence[NormalizedEvent]) -> Repositories:
    """Repositories that record the batch's inbox rows at once and keep its parcels in memory."""
    repos = batch_repositories(plain)
    inbox, orders = repos.inbox, repos.orders
    assert isinstance(inbox, BatchInboxRepository) and isinstance(orders, BatchOrderRepository)
    await inbox.pre_record(
        [
            NewInboxEntry(
                source=e.source,
                external_id=e.event_id,
                payload_json=e.model_dump_json(),
                order_number=e.order_number,
                tracking_number=e.tracking_number,
            )
            for e in events
        ]
    )
    await orders.prefetch(
        tracking_numbers=[e.tracking_number for e in events if e.tracking_number],
        with_order=may_need_order(events),
    )
    return repos
