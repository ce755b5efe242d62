"""SQLModel tables: everything doorstep persists.

Timestamps are stored as timezone-aware UTC datetimes. JSON columns hold small lists and
mappings (slots, skus, payloads). Every table here is covered by the Alembic migrations in
``storage/migrations``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


def utcnow() -> datetime:
    """Current time in UTC (aware)."""
    return datetime.now(UTC)


def _ts(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def _json(default: Any) -> Any:
    return Field(default_factory=default, sa_column=Column(JSON, nullable=False))


class Customer(SQLModel, table=True):
    """A shopper, identified by email."""

    __tablename__ = "customers"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True, index=True)
    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40, index=True)
    timezone: str = Field(default="UTC", max_length=64)
    locale: str = Field(default="en", max_length=16)
    created_at: datetime | None = _ts()


class ChannelIdentity(SQLModel, table=True):
    """A chat account (Telegram chat, web chat visitor) and what we know about it."""

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_identity_channel_external"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    external_id: str = Field(max_length=128)
    customer_id: int | None = Field(default=None, foreign_key="customers.id", index=True)
    verified: bool = False
    verified_at: datetime | None = _ts()
    accepted_updates: bool = False
    opted_out_categories: list[str] = _json(list)
    unreachable: bool = False
    unreachable_reason: str | None = Field(default=None, max_length=300)
    display_name: str | None = Field(default=None, max_length=200)
    created_at: datetime | None = _ts()
    #: when the shopper last wrote from this identity (opens WhatsApp's 24-hour customer-service window)
    last_message_at: datetime | None = _ts()


class Order(SQLModel, table=True):
    """An order as imported or received from the shop."""

    __tablename__ = "orders"

    id: int | None = Field(default=None, primary_key=True)
    order_number: str = Field(max_length=64, unique=True, index=True)
    customer_id: int = Field(foreign_key="customers.id", index=True)
    placed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    status: str = Field(default="open", max_length=16)
    ship_line1: str | None = Field(default=None, max_length=300)
    ship_city: str | None = Field(default=None, max_length=120)
    ship_postcode: str | None = Field(default=None, max_length=20)
    ship_country: str | None = Field(default=None, max_length=2)
    expected_ship_date: date | None = None
    backordered_until: date | None = None
    refund_status: str | None = Field(default=None, max_length=32)
    updated_at: datetime | None = _ts()


class OrderItem(SQLModel, table=True):
    """One line of an order."""

    __tablename__ = "order_items"

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    sku: str = Field(max_length=64)
    name: str = Field(max_length=200)
    category: str = Field(default="general", max_length=64)
    quantity: int = 1
    requires_setup: bool = False


class Shipment(SQLModel, table=True):
    """One parcel: carrier, tracking and its normalized status."""

    __tablename__ = "shipments"

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    carrier: str = Field(max_length=64)
    tracking_number: str = Field(max_length=100, unique=True, index=True)
    tracking_url: str | None = Field(default=None, max_length=500)
    status: str = Field(default="pre_transit", max_length=32)
    raw_status: str | None = Field(default=None, max_length=200)
    eta: date | None = None
    promised_by: date | None = None
    shipped_at: datetime | None = _ts()
    delivered_at: datetime | None = _ts()
    last_location: str | None = Field(default=None, max_length=300)
    last_event_at: datetime | None = _ts()
    skus: list[str] = _json(list)
    updated_at: datetime | None = _ts()


class TrackingEvent(SQLModel, table=True):
    """A carrier scan or status change of a shipment."""

    __tablename__ = "tracking_events"

    id: int | None = Field(default=None, primary_key=True)
    shipment_id: int = Field(foreign_key="shipments.id", index=True)
    occurred_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    status: str = Field(max_length=32)
    substatus: str | None = Field(default=None, max_length=200)
    raw_status: str | None = Field(default=None, max_length=200)
    location: str | None = Field(default=None, max_length=300)
    source: str = Field(default="api", max_length=50)
    event_id: str | None = Field(default=None, max_length=200)


class Conversation(SQLModel, table=True):
    """Dialogue state of one chat identity; ``version`` guards concurrent writes."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_conversation_channel_external"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    external_id: str = Field(max_length=128)
    state: str = Field(default="idle", max_length=64)
    slots: dict[str, Any] = _json(dict)
    version: int = 1
    updated_at: datetime | None = _ts()


class TranscriptMessage(SQLModel, table=True):
    """One message in or out of a conversation."""

    __tablename__ = "transcript_messages"
    __table_args__ = (Index("ix_transcript_conversation_id_id", "conversation_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversations.id")
    direction: str = Field(max_length=8)  # "in" | "out" | "staff"
    text: str
    payload: str | None = Field(default=None, max_length=200)
    intent: str | None = Field(default=None, max_length=40)
    author: str | None = Field(default=None, max_length=200)
    created_at: datetime | None = _ts()


class InboxEntry(SQLModel, table=True):
    """A received message or event, kept once per (source, external id)."""

    __tablename__ = "inbox"
    __table_args__ = (UniqueConstraint("source", "external_id", name="uq_inbox_source_external"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=50)
    external_id: str = Field(max_length=200)
    received_at: datetime | None = _ts()
    #: "processed" or "pending" (waiting for its order / tracking number to arrive)
    status: str = Field(default="processed", max_length=16, index=True)
    order_number: str | None = Field(default=None, max_length=64, index=True)
    tracking_number: str | None = Field(default=None, max_length=100, index=True)
    payload: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    #: why an event changed nothing ("older than the current state: kept delivered", "same
    #: status: in_transit", "duplicate"); None when it was applied, held or is not an event
    outcome: str | None = Field(default=None, max_length=200)
    #: how many times the same (source, external id) arrived again, and when it last did
    duplicates: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    last_duplicate_at: datetime | None = _ts()


class OutboxMessage(SQLModel, table=True):
    """A message waiting to be sent (or sent): the dispatcher's work queue."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_scheduled", "status", "scheduled_at"),
        Index("ix_outbox_provider_message_id", "provider_message_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=300, unique=True)
    order_id: int | None = Field(default=None, foreign_key="orders.id", index=True)
    customer_id: int | None = Field(default=None, foreign_key="customers.id")
    kind: str = Field(max_length=40)
    channel: str = Field(max_length=20)
    recipient: str = Field(max_length=128)
    payload: dict[str, Any] = _json(dict)
    scheduled_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    #: pending -> sending -> sent | failed | cancelled
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)
    provider_message_id: str | None = Field(default=None, max_length=100)
    #: what the provider reported after the send (WhatsApp status callbacks): delivered, read or failed
    delivery_status: str | None = Field(default=None, max_length=16)
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_at: datetime | None = _ts()
    #: set just before the provider is called (cleared by a new claim): a row still ``sending`` when
    #: its lease runs out was being sent if this is set (recorded unconfirmed), else only claimed
    send_started_at: datetime | None = _ts()
    sent_at: datetime | None = _ts()
    created_at: datetime | None = _ts()


class DecisionLogEntry(SQLModel, table=True):
    """Why a proposed proactive message was sent, deferred or suppressed."""

    __tablename__ = "decision_log"
    #: the outcome report counts decisions by decision and kind over a period along this index
    __table_args__ = (Index("ix_decision_log_decision_kind", "decision", "kind", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    order_id: int | None = Field(default=None, foreign_key="orders.id", index=True)
    kind: str = Field(max_length=40)
    decision: str = Field(max_length=16)  # sent | suppressed | deferred
    reason: str = Field(max_length=300)
    dedupe_key: str | None = Field(default=None, max_length=300)
    created_at: datetime | None = _ts()


class Handoff(SQLModel, table=True):
    """A conversation handed to support staff."""

    __tablename__ = "handoffs"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversations.id", index=True)
    customer_id: int | None = Field(default=None, foreign_key="customers.id")
    order_id: int | None = Field(default=None, foreign_key="orders.id")
    reason: str = Field(max_length=300)
    summary: str = Field(default="", max_length=2000)
    #: open -> claimed -> resolved | returned
    status: str = Field(default="open", max_length=16, index=True)
    claimed_by: str | None = Field(default=None, max_length=200)
    slack_channel: str | None = Field(default=None, max_length=64)
    slack_ts: str | None = Field(default=None, max_length=64, index=True)
    attachments: list[dict[str, Any]] = _json(list)
    created_at: datetime | None = _ts()
    resolved_at: datetime | None = _ts()


class Case(SQLModel, table=True):
    """A delivery problem reported by a shopper (late, lost, damaged, wrong item).

    One open case per problem: asking again about it adds to ``updates`` instead of opening another.
    """

    __tablename__ = "cases"

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    customer_id: int | None = Field(default=None, foreign_key="customers.id")
    kind: str = Field(max_length=32)
    description: str = Field(default="", max_length=2000)
    status: str = Field(default="open", max_length=16)
    attachments: list[dict[str, Any]] = _json(list)
    created_at: datetime | None = _ts()
    #: the shopper asked again about the same problem: ``{"at", "kind", "description"}`` each time
    updates: list[dict[str, Any]] = _json(list)
    updated_at: datetime | None = _ts()


class ReturnRequest(SQLModel, table=True):
    """A return started by the shopper."""

    __tablename__ = "return_requests"

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    customer_id: int | None = Field(default=None, foreign_key="customers.id")
    skus: list[str] = _json(list)
    reason: str | None = Field(default=None, max_length=500)
    #: an exchange: the size or colour the shopper wants instead, in their words; None: a refund
    exchange_for: str | None = Field(default=None, max_length=200)
    status: str = Field(default="requested", max_length=16)
    created_at: datetime | None = _ts()


class NotificationPreference(SQLModel, table=True):
    """A customer's proactive-message settings."""

    __tablename__ = "notification_preferences"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id", unique=True)
    preferred_identity_id: int | None = Field(default=None, foreign_key="channel_identities.id")
    opted_out_categories: list[str] = _json(list)
    #: the shopper's own quiet hours ("HH:MM"); None: the operator's QUIET_HOURS_* apply
    quiet_start: str | None = Field(default=None, max_length=5)
    quiet_end: str | None = Field(default=None, max_length=5)
    updated_at: datetime | None = _ts()


class VerificationAttempt(SQLModel, table=True):
    """A failed identity verification, counted for the lock-outs (per identity and per order).

    ``channel`` and ``external_id`` are the identity as normalised for counting (case, spaces and
    invisible characters folded; one namespace for a web chat visitor); ``order_key`` is the order
    number (or the typed number when it matches no order) the attempt was about.
    """

    __tablename__ = "verification_attempts"
    __table_args__ = (
        Index("ix_verification_identity_at", "channel", "external_id", "at"),
        Index("ix_verification_order_at", "order_key", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    external_id: str = Field(max_length=128)
    order_key: str | None = Field(default=None, max_length=110)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class ConversationDay(SQLModel, table=True):
    """One shopper thread on one UTC day: the unit of the outcome report (see docs/REPORT.md).

    Each engine turn adds its facts in one upsert: counts of turns by kind (answered, waiting for
    the shopper, fallback, small talk, with a handoff open), the first substantive intent, the
    order asked about and who asked. ``party`` is ``c:<customer id>`` once the chat is verified,
    else ``t:<conversation id>``; ``subject`` is ``o:<order number>`` once an order is named, else
    ``i:<first substantive intent>``: a later day with the same party and subject is a return, and
    its first turn writes ``return_seconds`` on the earlier days.
    """

    __tablename__ = "conversation_days"
    __table_args__ = (
        UniqueConstraint("conversation_id", "day", name="uq_conversation_day"),
        Index("ix_conversation_days_day", "day"),
        Index("ix_conversation_days_return", "party", "subject", "started_at"),
        Index("ix_conversation_days_intent", "first_intent", "day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversations.id")
    day: date
    channel: str = Field(max_length=20)
    customer_id: int | None = Field(default=None, foreign_key="customers.id")
    order_number: str | None = Field(default=None, max_length=64)
    party: str = Field(max_length=40)
    subject: str | None = Field(default=None, max_length=80)
    first_intent: str | None = Field(default=None, max_length=40)
    started_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    last_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    turns: int = 0
    answers: int = 0
    waits: int = 0
    fallbacks: int = 0
    smalltalk: int = 0
    handoffs: int = 0
    #: 1 when the last turn left the bot waiting for the shopper's answer (mid-flow)
    in_flow: int = 0
    #: seconds from this day's last message to the same party's first message about the same subject
    #: on a later day (written by that message); None while they have not come back
    return_seconds: int | None = None


class SendPacing(SQLModel, table=True):
    """Send slots shared by the processes of a deployment (PostgreSQL; see :mod:`storage.pacing`).

    One row per provider (``recipient`` empty) and one per recipient: the GCRA theoretical
    arrival time of the next message (``tat``) and, on the provider's row, the end of a pause
    asked for by a 429, both in epoch seconds of the database's clock.
    """

    __tablename__ = "send_pacing"

    provider: str = Field(primary_key=True, max_length=40)
    recipient: str = Field(primary_key=True, max_length=200)
    tat: float = 0.0
    paused_until: float = 0.0


class WebChatVisitor(SQLModel, table=True):
    """A web chat visitor's mailbox: the sequence number of the last message stored for them and of
    the last one their page acknowledged (see :mod:`storage.repositories.webchat`)."""

    __tablename__ = "webchat_visitors"

    visitor_id: str = Field(primary_key=True, max_length=64)
    last_seq: int = 0
    acked_seq: int = 0
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class WebChatMessage(SQLModel, table=True):
    """A frame stored for a web chat visitor (a pushed message, or an answer whose page had closed),
    numbered 1, 2, 3 ... per visitor, kept until acknowledged (and a while after)."""

    __tablename__ = "webchat_messages"
    __table_args__ = (
        UniqueConstraint("visitor_id", "seq", name="uq_webchat_message_seq"),
        Index("ix_webchat_messages_created", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    visitor_id: str = Field(foreign_key="webchat_visitors.visitor_id", max_length=64)
    seq: int
    frame: dict[str, Any] = _json(dict)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
