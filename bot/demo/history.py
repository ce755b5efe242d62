"""Thirty days of activity for the demo shop, so the outcome report and the console show real numbers.

On top of the demo orders, about 700 older orders shipped over the last 30 days, and for every
shipment what doorstep would have done and seen: proactive messages sent, deferred and suppressed
(a 20% holdout gets no shipping updates, some shoppers have no chat), and conversations of every
outcome (answered, handed to a person, fallback, abandoned mid-flow, small talk, returns within 72
hours). Holdout shoppers ask "where is my order?" more often, as they would. A few handoffs are still
open, with their transcript, for the inbox. Everything is written in bulk in one transaction.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from bot.config import Settings
from bot.demo.catalogue import CATALOGUE
from bot.demo.seed import CARRIERS, CITIES, FIRST_NAMES, LAST_NAMES
from bot.imports.orders import import_orders
from bot.report.kinds import HOLDOUT_KINDS
from storage.models import (
    Conversation,
    ConversationDay,
    DecisionLogEntry,
    Handoff,
    Order,
    OutboxMessage,
    Shipment,
    TranscriptMessage,
)
from storage.repositories.reports import in_holdout
from storage.store import Store

HISTORY_DAYS = 30
#: the demo's holdout share: `doorstep demo` serves with it and `doorstep report` reads the demo with it
DEMO_HOLDOUT_PERCENT = 20
FIRST_HISTORY_ORDER = 5001
#: chance that a shipment brings a "where is my order?" conversation, by what the shopper was sent
WISMO_CHANCE = {"treated": 0.09, "holdout": 0.26, "no_chat": 0.2}
#: other conversations a day: (first intent or None, outcome kind, weight)
OTHER_TOPICS: tuple[tuple[str | None, str, int], ...] = (
    ("setup_help", "answer", 5),
    ("return_policy", "answer", 3),
    ("return_request", "answer", 2),
    ("return_request", "wait", 1),
    ("refund_status", "answer", 2),
    ("delivery_problem", "answer", 2),
    ("delivery_problem", "handoff", 1),
    ("notification_preferences", "answer", 1),
    (None, "fallback", 2),
    (None, "smalltalk", 2),
)
QUESTIONS = {
    "order_status": ("where is my order?", "Your parcel is on its way with {carrier}."),
    "setup_help": ("how do I set up my new machine?", "Here is the setup guide for your product."),
    "return_policy": ("what is your return policy?", "You can return most items within 30 days."),
    "return_request": ("I want to return an item", "Which item would you like to return?"),
    "refund_status": ("where is my refund?", "Your refund was issued and should arrive in 3-5 days."),
    "delivery_problem": ("my parcel arrived damaged", "I'm sorry about that: I've noted the problem."),
    "notification_preferences": ("stop sending me updates", "Done: you won't get shipping updates."),
    None: ("hello", "Hi! How can I help with your order?"),
}
OPEN_HANDOFFS = (
    ("the tracking says delivered but nothing is here", "delivered but not received"),
    ("the espresso machine leaks from the bottom, I want a replacement", "damaged item, wants a replacement"),
    ("I need to change the delivery address today please", "address change after shipping"),
    ("I was charged twice for my order", "payment question: double charge"),
)


@dataclass(slots=True)
class _Shipped:
    order_id: int
    number: str
    customer_id: int
    carrier: str
    shipped_at: datetime
    delivered_at: datetime | None
    status: str


@dataclass(slots=True)
class _Talk:
    """One conversation day to write."""

    thread: str
    day: datetime
    intent: str | None
    kind: str  # answer, wait, fallback, smalltalk, handoff
    order: _Shipped | None = None
    greeting: bool = False


@dataclass(slots=True)
class HistoryReport:
    """What was seeded."""

    orders: int = 0
    messages: int = 0
    decisions: int = 0
    conversations: int = 0
    open_handoffs: int = 0


def with_demo_holdout(settings: Settings) -> Settings:
    """The settings with the demo's holdout share, unless ``HOLDOUT_PERCENT`` was set."""
    if "holdout_percent" in settings.model_fields_set:
        return settings
    return settings.model_copy(update={"holdout_percent": DEMO_HOLDOUT_PERCENT})


def _at(day: date, hour: float) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC) + timedelta(hours=hour)


def history_orders(today: date, rng: random.Random) -> list[dict[str, Any]]:
    """Older orders in the import format, 18-26 shipped on each of the last 30 days."""
    lines: list[dict[str, Any]] = []
    number = FIRST_HISTORY_ORDER
    for back in range(HISTORY_DAYS, 0, -1):
        shipped_on = today - timedelta(days=back)
        for _ in range(rng.randint(18, 26)):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            city, postcode, country, zone = rng.choice(CITIES)
            carrier, pattern, url = rng.choice(CARRIERS)
            items = rng.sample(list(CATALOGUE), rng.choice((1, 1, 2)))
            shipped = _at(shipped_on, rng.uniform(8, 17))
            transit = rng.choice((2, 3, 3, 4))
            delivered = shipped + timedelta(days=transit, hours=rng.uniform(-3, 3))
            done = delivered.date() < today
            tracking = pattern.format(70_000_000 + number)
            lines.append(
                {
                    "order_number": str(number),
                    "placed_at": (shipped - timedelta(days=1)).isoformat(),
                    "status": "open",
                    "customer": {
                        "email": f"{first.lower()}.{last.lower()}.h{number}@example.com",
                        "name": f"{first} {last}",
                        "timezone": zone,
                        "locale": "en",
                    },
                    "shipping_address": {"city": city, "postcode": postcode, "country": country},
                    "items": [p.line_item() for p in items],
                    "shipments": [
                        {
                            "carrier": carrier,
                            "tracking_number": tracking,
                            "tracking_url": url.format(tracking),
                            "status": "delivered" if done else "in_transit",
                            "eta": delivered.date().isoformat(),
                            "promised_by": (delivered + timedelta(days=1)).date().isoformat(),
                            "shipped_at": shipped.isoformat(),
                            "delivered_at": delivered.isoformat() if done else None,
                            "skus": [p.sku for p in items],
                        }
                    ],
                }
            )
            number += 1
    return lines


class _Writer:
    """Collects the rows of the history (outbox, decision log, conversations) before one bulk write."""

    def __init__(self, now: datetime, rng: random.Random) -> None:
        self.now = now
        self.rng = rng
        self.outbox: list[dict[str, Any]] = []
        self.decisions: list[dict[str, Any]] = []
        self.talks: list[_Talk] = []
        self._threads = 0

    def decide(self, ship: _Shipped, kind: str, at: datetime, decision: str, reason: str) -> None:
        key = f"demo:{ship.number}:{ship.shipped_at:%Y%m%d%H%M%S}:{kind}"
        self.decisions.append(
            {
                "order_id": ship.order_id,
                "kind": kind,
                "decision": decision,
                "reason": reason,
                "dedupe_key": key,
                "created_at": at,
            }
        )

    def send(self, ship: _Shipped, kind: str, at: datetime, group: str) -> None:
        """A proactive message as the policy decides it for ``group`` (treated, holdout, no_chat)."""
        if at > self.now:
            return
        if group == "no_chat":
            self.decide(ship, kind, at, "suppressed", "no verified chat identity")
            return
        if group == "holdout" and kind in HOLDOUT_KINDS:
            self.decide(ship, kind, at, "suppressed", "holdout")
            return
        sent_at = at
        if self.rng.random() < 0.15 and kind != "delayed":
            sent_at = at + timedelta(hours=self.rng.uniform(3, 9))
            when = f"{sent_at:%Y-%m-%d %H:%M} UTC"
            self.decide(ship, kind, at, "deferred", f"to telegram at {when}: quiet hours 21:00-08:00")
            if sent_at > self.now:
                return
        else:
            self.decide(ship, kind, at, "queued", "to telegram")
        self.outbox.append(
            {
                "dedupe_key": f"demo:{ship.number}:{ship.shipped_at:%Y%m%d%H%M%S}:{kind}",
                "order_id": ship.order_id,
                "customer_id": ship.customer_id,
                "kind": kind,
                "channel": "telegram",
                "recipient": str(900_000 + ship.customer_id),
                "payload": {"text": f"Demo history: {kind.replace('_', ' ')}", "category": "demo"},
                "scheduled_at": sent_at,
                "status": "sent",
                "attempts": 1,
                "sent_at": sent_at,
                "created_at": at,
            }
        )

    def thread(self) -> str:
        self._threads += 1
        return f"demo-visitor-{self._threads}"


def _journey(writer: _Writer, ship: _Shipped, group: str) -> None:
    rng = writer.rng
    writer.send(ship, "order_confirmed", ship.shipped_at - timedelta(hours=20), group)
    writer.send(ship, "shipped", ship.shipped_at + timedelta(hours=1), group)
    if ship.status in ("delayed", "exception") or rng.random() < 0.04:
        writer.send(ship, "delayed", ship.shipped_at + timedelta(days=2), group)
    if ship.delivered_at is not None:
        writer.send(ship, "out_for_delivery", ship.delivered_at - timedelta(hours=5), group)
        writer.send(ship, "delivered", ship.delivered_at + timedelta(minutes=10), group)
        if rng.random() < 0.03:
            writer.decide(
                ship, "review_request", ship.delivered_at, "suppressed", "touch cap reached (6 of 6)"
            )


def _talks_about(writer: _Writer, ship: _Shipped, group: str) -> None:
    """The "where is my order?" conversations a shipment brings (holdout shoppers ask more)."""
    rng = writer.rng
    if rng.random() >= WISMO_CHANCE[group]:
        return
    at = ship.shipped_at + timedelta(days=rng.uniform(1, 4), hours=rng.uniform(-6, 6))
    if at > writer.now:
        return
    thread = writer.thread()
    roll = rng.random()
    kind = "handoff" if roll < 0.07 else "wait" if roll < 0.15 else "answer"
    verified = kind != "wait" or rng.random() < 0.5
    writer.talks.append(
        _Talk(thread, at, "order_status", kind, ship if verified else None, greeting=rng.random() < 0.4)
    )
    if kind == "answer" and rng.random() < 0.12:
        again = at + timedelta(days=rng.choice((1, 2)), hours=rng.uniform(-4, 4))
        if again <= writer.now and again.date() != at.date():
            writer.talks.append(_Talk(thread, again, "order_status", "answer", ship))


def _other_talks(writer: _Writer, ships: Sequence[_Shipped], today: date) -> None:
    rng = writer.rng
    topics = [(intent, kind) for intent, kind, weight in OTHER_TOPICS for _ in range(weight)]
    for back in range(HISTORY_DAYS, -1, -1):
        day = today - timedelta(days=back)
        for _ in range(rng.randint(12, 20)):
            at = _at(day, rng.uniform(7, 22))
            if at > writer.now:
                continue
            intent, kind = rng.choice(topics)
            ship = rng.choice(ships) if intent is not None and rng.random() < 0.6 else None
            writer.talks.append(_Talk(writer.thread(), at, intent, kind, ship, greeting=rng.random() < 0.3))


def _day_row(talk: _Talk, conversation_id: int) -> dict[str, Any]:
    kind = talk.kind
    answered = kind in ("answer", "handoff") and talk.intent is not None
    order = talk.order.number if talk.order is not None and answered else None
    customer = talk.order.customer_id if talk.order is not None and answered else None
    first = talk.intent if kind in ("answer", "wait", "handoff") else None
    return {
        "conversation_id": conversation_id,
        "day": talk.day.date(),
        "channel": "web",
        "customer_id": customer,
        "order_number": order,
        "party": f"c:{customer}" if customer is not None else f"t:{conversation_id}",
        "subject": f"o:{order}" if order else (f"i:{first}" if first else None),
        "first_intent": first,
        "started_at": talk.day,
        "last_at": talk.day + timedelta(minutes=3),
        "turns": 2 + int(talk.greeting),
        "answers": int(answered),
        "waits": int(kind == "wait"),
        "fallbacks": int(kind == "fallback") * 2,
        "smalltalk": int(talk.greeting or kind == "smalltalk"),
        "handoffs": int(kind == "handoff"),
        "in_flow": int(kind == "wait"),
        "return_seconds": None,
    }


def _mark_returns(rows: list[dict[str, Any]]) -> None:
    """``return_seconds`` as the engine writes it: the first later day of the same party and subject."""
    seen: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: r["started_at"]):
        if row["subject"] is None:
            continue
        for earlier in seen.get((row["party"], row["subject"]), []):
            if earlier["day"] < row["day"] and earlier["return_seconds"] is None:
                earlier["return_seconds"] = round((row["started_at"] - earlier["last_at"]).total_seconds())
        seen.setdefault((row["party"], row["subject"]), []).append(row)


def _transcript(talk: _Talk, conversation_id: int) -> list[dict[str, Any]]:
    question, answer = QUESTIONS.get(talk.intent, QUESTIONS[None])
    if talk.kind == "fallback":
        question, answer = "can you recommend a good restaurant?", "Sorry, I can't help with that."
    carrier = talk.order.carrier if talk.order is not None else "the carrier"
    lines = [("in", "hi", "greeting"), ("out", "Hi! How can I help?", "greeting")] if talk.greeting else []
    lines += [("in", question, talk.intent), ("out", answer.format(carrier=carrier), talk.intent)]
    if talk.kind == "handoff":
        lines += [
            ("in", "I'd like to talk to a person", "human_agent"),
            (
                "out",
                "Thanks, I've passed that on. A person from our support team will reply right here.",
                None,
            ),
        ]
    return [
        {
            "conversation_id": conversation_id,
            "direction": direction,
            "text": text,
            "intent": intent,
            "created_at": talk.day + timedelta(seconds=20 * i),
        }
        for i, (direction, text, intent) in enumerate(lines)
    ]


async def _shipments(store: Store, since: datetime) -> list[_Shipped]:
    query = (
        select(
            Order.id,
            Order.order_number,
            Order.customer_id,
            Shipment.carrier,
            Shipment.shipped_at,
            Shipment.delivered_at,
            Shipment.status,
        )
        .join(Shipment, Shipment.order_id == Order.id)
        .where(Shipment.shipped_at >= since)
        .order_by(Shipment.shipped_at)
    )
    async with store.engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return [_Shipped(int(r[0]), r[1], int(r[2]), r[3], r[4], r[5], r[6]) for r in rows]


async def seed_history(
    store: Store, *, now: datetime | None = None, seed: int = 11, holdout_percent: int = DEMO_HOLDOUT_PERCENT
) -> HistoryReport:
    """Import the history orders and write 30 days of activity for every shipment since then."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    today = now.date()
    rng = random.Random(seed)
    lines = history_orders(today, rng)
    await import_orders(store, [json.dumps(line) for line in lines])
    ships = await _shipments(store, _at(today - timedelta(days=HISTORY_DAYS + 1), 0))
    writer = _Writer(now, rng)
    chat = {ship.customer_id: rng.random() >= 0.12 for ship in ships}
    for ship in ships:
        if not chat[ship.customer_id]:
            group = "no_chat"
        elif in_holdout(ship.customer_id, holdout_percent):
            group = "holdout"
        else:
            group = "treated"
        _journey(writer, ship, group)
        _talks_about(writer, ship, group)
    _other_talks(writer, ships, today)
    recent = [ship for ship in ships if ship.shipped_at > now - timedelta(days=4)] or ships
    opened = []
    for i, _ in enumerate(OPEN_HANDOFFS):
        at = now - timedelta(hours=2 + 7 * i)
        opened.append(_Talk(writer.thread(), at, "delivery_problem", "handoff", recent[-1 - i % len(recent)]))
    writer.talks += opened
    report = await _write(store, writer, opened)
    report.orders = len(lines)
    return report


async def _write(store: Store, writer: _Writer, opened: list[_Talk]) -> HistoryReport:
    talks = writer.talks
    tables = {
        name: model.__table__  # type: ignore[attr-defined]
        for name, model in (
            ("conversations", Conversation),
            ("days", ConversationDay),
            ("transcript", TranscriptMessage),
            ("handoffs", Handoff),
            ("outbox", OutboxMessage),
            ("decisions", DecisionLogEntry),
        )
    }
    async with store.engine.begin() as conn:
        threads = sorted({talk.thread for talk in talks})
        last = {talk.thread: talk.day for talk in sorted(talks, key=lambda t: t.day)}
        conversations = tables["conversations"]
        made = await conn.execute(
            conversations.insert().returning(
                conversations.c.id, conversations.c.external_id, sort_by_parameter_order=True
            ),
            [
                {
                    "channel": "web",
                    "external_id": thread,
                    "state": "idle",
                    "slots": {"disclosed": True},
                    "version": 1,
                    "updated_at": last[thread],
                }
                for thread in threads
            ],
        )
        ids = {external: int(cid) for cid, external in made.all()}
        days = [_day_row(talk, ids[talk.thread]) for talk in talks]
        _mark_returns(days)
        await conn.execute(tables["days"].insert(), days)
        transcript = [line for talk in talks for line in _transcript(talk, ids[talk.thread])]
        await conn.execute(tables["transcript"].insert(), transcript)
        handoffs = []
        for talk in talks:
            if talk.kind != "handoff":
                continue
            still_open = talk in opened
            question = OPEN_HANDOFFS[opened.index(talk)] if still_open else None
            order = talk.order
            handoffs.append(
                {
                    "conversation_id": ids[talk.thread],
                    "customer_id": order.customer_id if order else None,
                    "order_id": order.order_id if order else None,
                    "reason": question[1] if question else "the shopper asked for a person",
                    "summary": question[0] if question else "Asked about their order, then for a person.",
                    "status": "open" if still_open else "resolved",
                    "attachments": [],
                    "created_at": talk.day + timedelta(minutes=1),
                    "resolved_at": None if still_open else talk.day + timedelta(hours=3),
                }
            )
        await conn.execute(tables["handoffs"].insert(), handoffs)
        for talk in opened:
            question = OPEN_HANDOFFS[opened.index(talk)][0]
            await conn.execute(
                tables["transcript"].insert(),
                [
                    {
                        "conversation_id": ids[talk.thread],
                        "direction": "in",
                        "text": question,
                        "intent": "delivery_problem",
                        "created_at": talk.day + timedelta(minutes=2),
                    }
                ],
            )
        if writer.outbox:
            await conn.execute(tables["outbox"].insert(), writer.outbox)
        if writer.decisions:
            await conn.execute(tables["decisions"].insert(), writer.decisions)
    await _point_open_conversations(store, opened, ids)
    return HistoryReport(
        messages=len(writer.outbox),
        decisions=len(writer.decisions),
        conversations=len(days),
        open_handoffs=len(opened),
    )


async def _point_open_conversations(store: Store, opened: list[_Talk], ids: dict[str, int]) -> None:
    """The threads whose handoff is still open wait for a person (as the engine leaves them)."""
    async with store.transaction() as repos:
        for talk in opened:
            conversation_id = ids[talk.thread]
            handoff = await repos.handoffs.open_for_conversation(conversation_id=conversation_id)
            if handoff is None or handoff.id is None:
                continue
            conversation = await repos.conversations.by_id(conversation_id=conversation_id)
            assert conversation is not None
            slots = {"disclosed": True, "handoff_id": handoff.id, "last_intent": "delivery_problem"}
            if talk.order is not None:
                slots["order"] = talk.order.number
            await repos.conversations.save(
                conversation_id=conversation_id,
                expected_version=conversation.version,
                state="handoff",
                slots=slots,
            )
