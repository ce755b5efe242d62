"""Events in: the webhook providers table, the journey config, answers, and event replay.

Every way an event enters doorstep (a provider webhook, ``POST /api/events``, ``doorstep events
replay``) ends in the same call, :func:`bot.notify.pipeline.ingest_events`, which applies the
events and queues their messages in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.clock import Clock
from bot.config import Settings
from bot.integrations.aftership import parse_aftership
from bot.integrations.easypost import parse_easypost
from bot.integrations.errors import PayloadError
from bot.integrations.normalized import check_event_time, parse_normalized
from bot.integrations.shopify import SUPPORTED_TOPICS as SHOPIFY_TOPICS
from bot.integrations.shopify import parse_shopify
from bot.integrations.signatures import (
    AFTERSHIP_HMAC_HEADER,
    EASYPOST_HMAC_HEADER,
    SHOPIFY_HMAC_HEADER,
    SHOPIFY_TOPIC_HEADER,
    SHOPIFY_WEBHOOK_ID_HEADER,
    verify_aftership,
    verify_easypost,
    verify_shopify,
)
from bot.notify.pipeline import IngestResult, ingest_events
from handlers.journey.apply import check_event
from handlers.journey.errors import InvalidEvent
from storage.domain import NormalizedEvent
from storage.store import Store

Verifier = Callable[[bytes, str | None, str | None], None]
Parser = Callable[[bytes, Mapping[str, str]], list[NormalizedEvent]]


@dataclass(frozen=True, slots=True)
class WebhookProvider:
    """How one provider's webhook is checked and read."""

    name: str
    path: str
    signature_header: str
    verify: Verifier
    secret: Callable[[Settings], str | None]
    parse: Parser


def _parse_shopify(body: bytes, headers: Mapping[str, str]) -> list[NormalizedEvent]:
    """Shopify events; ``[]`` (ignored, not an error) for a topic doorstep does not act on, so
    Shopify does not retry it and drop the subscription."""
    topic = headers.get(SHOPIFY_TOPIC_HEADER)
    if topic and topic.strip() and topic.strip().casefold() not in SHOPIFY_TOPICS:
        return []
    return parse_shopify(topic, headers.get(SHOPIFY_WEBHOOK_ID_HEADER), body)


PROVIDERS: tuple[WebhookProvider, ...] = (
    WebhookProvider(
        name="shopify",
        path="/webhooks/shopify",
        signature_header=SHOPIFY_HMAC_HEADER,
        verify=verify_shopify,
        secret=lambda settings: settings.shopify_webhook_secret,
        parse=lambda body, headers: _parse_shopify(body, headers),
    ),
    WebhookProvider(
        name="easypost",
        path="/webhooks/easypost",
        signature_header=EASYPOST_HMAC_HEADER,
        verify=verify_easypost,
        secret=lambda settings: settings.easypost_webhook_secret,
        parse=lambda body, headers: parse_easypost(body),
    ),
    WebhookProvider(
        name="aftership",
        path="/webhooks/aftership",
        signature_header=AFTERSHIP_HMAC_HEADER,
        verify=verify_aftership,
        secret=lambda settings: settings.aftership_webhook_secret,
        parse=lambda body, headers: parse_aftership(body),
    ),
)


def read_events(events: Iterable[NormalizedEvent], now: datetime) -> list[NormalizedEvent]:
    """``events`` as a list once each passes :func:`check_event` (else :class:`InvalidEvent`) and
    :func:`check_event_time` against ``now`` (else :class:`PayloadError`)."""
    checked = list(events)
    for event in checked:
        check_event(event)
        check_event_time(event, now)
    return checked


# ---------------------------------------------------------------- answers
def is_duplicate(result: IngestResult) -> bool:
    """The event had been received before (same source and event id)."""
    return result.status == "ignored" and result.reason == "duplicate"


@dataclass(frozen=True, slots=True)
class Answer:
    """The HTTP answer for a batch of ingested events."""

    status: int
    body: dict[str, object]


def answer_for(results: Sequence[IngestResult]) -> Answer:
    """200 applied/duplicate, 202 held/ignored, 503 when an event could not be stored (retry).

    The body names each event's outcome (``results``) without personal data.
    """
    listed = [
        {"event_id": r.event_id, "status": "duplicate" if is_duplicate(r) else r.status, "reason": r.reason}
        for r in results
    ]
    count = len(results)
    failed = [r for r in results if r.status == "failed"]
    if failed:
        return Answer(503, {"error": "could not store the event; please retry", "results": listed})
    if any(r.status == "held" for r in results):
        return Answer(202, {"status": "held", "events": count, "results": listed})
    if results and all(is_duplicate(r) for r in results):
        return Answer(200, {"status": "duplicate", "events": count, "results": listed})
    if all(r.status == "ignored" and not is_duplicate(r) for r in results):
        return Answer(202, {"status": "ignored", "events": count, "results": listed})
    return Answer(200, {"status": "applied", "events": count, "results": listed})


# ---------------------------------------------------------------- replay
@dataclass(frozen=True, slots=True)
class ReplayLine:
    """One line of a replay file that did not simply apply."""

    line: int
    status: str
    reason: str


@dataclass(slots=True)
class ReplayReport:
    """What a replay did, with the line numbers of everything not applied."""

    applied: int = 0
    duplicate: int = 0
    held: int = 0
    ignored: int = 0
    rejected: int = 0
    lines: list[ReplayLine] = field(default_factory=list)

    def count(self, line: int, status: str, reason: str | None) -> None:
        """Add one line's outcome."""
        setattr(self, status, getattr(self, status) + 1)
        if status != "applied":
            self.lines.append(ReplayLine(line, status, reason or status))

    def summary(self) -> str:
        """``"3 applied, 1 duplicate, 0 held, 0 ignored, 1 rejected"``."""
        return (
            f"{self.applied} applied, {self.duplicate} duplicate, {self.held} held, "
            f"{self.ignored} ignored, {self.rejected} rejected"
        )


async def replay_events(
    store: Store,
    lines: Iterable[str | bytes],
    clock: Clock,
    settings: Settings,
    *,
    batch_size: int = 500,
) -> ReplayReport:
    """Ingest JSON Lines of normalized events through the same path as ``POST /api/events``.

    Bad lines are rejected with their line number and reason; the good lines still load.
    """
    report = ReplayReport()
    pending: list[tuple[int, NormalizedEvent]] = []
    now = clock.now()

    async def flush() -> None:
        results = await ingest_events(store, [event for _, event in pending], clock, settings)
        for (number, _), result in zip(pending, results, strict=True):
            if result.status == "failed":
                report.count(number, "rejected", result.error)
            elif is_duplicate(result):
                report.count(number, "duplicate", "already received")
            else:
                report.count(number, result.status, result.reason)
        pending.clear()

    for number, raw in enumerate(lines, start=1):
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        if not text.strip():
            continue
        try:
            [event] = read_events([parse_normalized(text.encode("utf-8"))], now)
        except (PayloadError, InvalidEvent) as exc:
            report.count(number, "rejected", exc.reason)
            continue
        pending.append((number, event))
        if len(pending) >= batch_size:
            await flush()
    if pending:
        await flush()
    report.lines.sort(key=lambda line: line.line)
    return report
