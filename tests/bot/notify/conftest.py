"""A small shop for notification tests: a store, a fake clock, FakeTelegram and a dispatcher.

``shop.ingest(...)`` runs events through the real pipeline (journey rules, policy, outbox);
``shop.dispatch()`` runs the real dispatcher against FakeTelegram via python-telegram-bot.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from telegram import Bot

from bot.channels.senders import SenderRegistry
from bot.channels.telegram.sender import TelegramSender
from bot.clock import FakeClock
from bot.config import Settings
from bot.notify.dispatcher import Dispatcher, DispatchReport
from bot.notify.pipeline import IngestResult, ingest_events
from bot.notify.scheduler import Scheduler
from storage.domain import NormalizedEvent
from storage.models import DecisionLogEntry, OutboxMessage
from storage.schemas import OrderIn
from storage.store import Store
from tests.builders import order_line
from tests.fakes.fixtures import fake_slack, fake_telegram, slack_client, telegram_bot
from tests.fakes.telegram import FakeTelegram

__all__ = ["fake_slack", "fake_telegram", "slack_client", "telegram_bot"]

#: Friday 20 November 2026, 10:00 in New York (quiet hours there are 02:00-13:00 UTC)
T0 = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
CHAT = "5001"
EMAIL = "ann@example.com"


def notify_settings(database_url: str, **overrides: Any) -> Settings:
    """Settings for notification tests (no channel tokens; Slack alerts off unless overridden)."""
    values: dict[str, Any] = {"database_url": database_url, "api_token": "test-token-123"}
    values.update(overrides)
    return Settings(**values)


def event(
    event_id: str,
    kind: str,
    at: datetime,
    *,
    number: str | None = "1001",
    tracking: str | None = None,
    status: str | None = None,
    eta: date | None = None,
    location: str | None = None,
    source: str = "api",
    **data: Any,
) -> NormalizedEvent:
    """A normalized event."""
    return NormalizedEvent(
        event_id=event_id,
        source=source,
        occurred_at=at,
        type=kind,  # type: ignore[arg-type]
        order_number=number,
        tracking_number=tracking,
        status=status,  # type: ignore[arg-type]
        eta=eta,
        location=location,
        data=data,
    )


def order_created(event_id: str, at: datetime, number: str = "1001", **line: Any) -> NormalizedEvent:
    """``order.created`` carrying the order (no shipment yet, unless given)."""
    line.setdefault("shipment_status", None)
    line.setdefault("placed_at", at.isoformat())
    return event(event_id, "order.created", at, number=number, order=order_line(number, **line))


def shipped(event_id: str, at: datetime, tracking: str = "1Z1001", number: str = "1001") -> NormalizedEvent:
    """``shipment.created`` in transit with carrier and tracking link."""
    return event(
        event_id,
        "shipment.created",
        at,
        number=number,
        tracking=tracking,
        status="in_transit",
        eta=(at + timedelta(days=3)).date(),
        carrier="UPS",
        tracking_url=f"https://track.example.test/{tracking}",
        skus=["KT-200"],
    )


def scan(event_id: str, at: datetime, status: str, tracking: str = "1Z1001", **kw: Any) -> NormalizedEvent:
    """``shipment.updated`` for a parcel."""
    return event(event_id, "shipment.updated", at, number=None, tracking=tracking, status=status, **kw)


@dataclass
class Shop:
    """The notification stack of one test."""

    store: Store
    clock: FakeClock
    settings: Settings
    senders: SenderRegistry
    dispatcher: Dispatcher
    scheduler: Scheduler

    async def ingest(self, *events: NormalizedEvent) -> list[IngestResult]:
        """Events in through the real pipeline."""
        return await ingest_events(self.store, list(events), self.clock, self.settings)

    async def dispatch(self) -> DispatchReport:
        """Send what is due now."""
        return await self.dispatcher.drain()

    async def customer(
        self,
        *,
        email: str = EMAIL,
        chats: Sequence[tuple[str, str]] = (("telegram", CHAT),),
        accepted: bool = True,
        timezone: str = "America/New_York",
    ) -> tuple[int, list[int]]:
        """A known customer (an older order) with verified chat identities; returns ids."""
        old = order_line("0999", email=email, shipment_status=None, timezone=timezone)
        async with self.store.transaction() as repos:
            await repos.orders.upsert_many([OrderIn.model_validate(old)])
            customer = await repos.customers.by_email(email=email)
            assert customer is not None and customer.id is not None
            ids = []
            for channel, external_id in chats:
                identity = await repos.identities.get_or_create(channel=channel, external_id=external_id)
                assert identity.id is not None
                await repos.identities.link(
                    identity_id=identity.id, customer_id=customer.id, at=self.clock.now()
                )
                await repos.identities.set_accepted_updates(identity_id=identity.id, accepted=accepted)
                ids.append(identity.id)
        return customer.id, ids

    async def messages(self, order_number: str = "1001") -> list[OutboxMessage]:
        """Outbox rows of the order, oldest first."""
        async with self.store.transaction() as repos:
            order = await repos.orders.by_number(order_number=order_number)
            assert order is not None and order.id is not None
            return await repos.outbox.for_order(order_id=order.id)

    async def decisions(self, order_number: str = "1001") -> list[DecisionLogEntry]:
        """Decision log of the order, oldest first."""
        async with self.store.transaction() as repos:
            order = await repos.orders.by_number(order_number=order_number)
            assert order is not None and order.id is not None
            return await repos.decisions.for_order(order_id=order.id)

    def advance(self, **delta: float) -> None:
        """Move the fake clock."""
        self.clock.advance(timedelta(**delta))


def build_shop(store: Store, settings: Settings, clock: FakeClock, bot: Bot | None) -> Shop:
    """The stack over ``store``; Telegram goes through ``bot`` (unpaced) when given."""
    senders = SenderRegistry()
    if bot is not None:
        senders.register(TelegramSender(bot))
    dispatcher = Dispatcher(store, clock, settings, senders, worker="test-worker")
    scheduler = Scheduler(store, clock, settings)
    return Shop(store, clock, settings, senders, dispatcher, scheduler)


@pytest.fixture
async def shop(sqlite_store: Store, telegram_bot: Bot, fake_telegram: FakeTelegram) -> AsyncIterator[Shop]:
    """The stack on SQLite with FakeTelegram, the clock at :data:`T0`."""
    settings = notify_settings(sqlite_store.url)
    yield build_shop(sqlite_store, settings, FakeClock(T0), telegram_bot)
