"""A burst of shipped notices for several dispatcher processes on one PostgreSQL database.

Shared by ``tests/bot/test_several_processes.py`` and ``bench/scale`` (no pytest here). Customer
``c`` has the email ``<prefix><c>@example.com`` and the Telegram chat ``first_chat + c``; every
order gets one ``shipped`` notice, queued for later (so servers can start meanwhile), then
:func:`make_due` lets them all go at once. :func:`busiest_second` reads the sends' times.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import insert

from storage.models import ChannelIdentity
from storage.repositories.outbox import NewOutboxRow
from storage.store import Store


async def verify_chats(
    store: Store, customers: Mapping[str, int], *, prefix: str, first_chat: int, chats: int, now: datetime
) -> None:
    """Give customers ``0 .. chats-1`` a verified Telegram chat that accepted updates."""
    async with store.engine.begin() as conn:
        await conn.execute(
            insert(ChannelIdentity),
            [
                {
                    "channel": "telegram",
                    "external_id": str(first_chat + c),
                    "customer_id": customers[f"{prefix}{c}@example.com"],
                    "verified": True,
                    "verified_at": now,
                    "accepted_updates": True,
                    "opted_out_categories": [],
                    "unreachable": False,
                    "created_at": now,
                }
                for c in range(chats)
            ],
        )


async def queue_shipped(
    store: Store, *, prefix: str, first_chat: int, scheduled_at: datetime, created_at: datetime
) -> None:
    """One ``shipped`` notice per order (to its customer's chat, chats interleaved as in real life)."""
    async with store.engine.connect() as conn:
        orders = (
            await conn.exec_driver_sql(
                "SELECT o.id, o.order_number, o.customer_id, s.id, c.email FROM orders o "
                "JOIN shipments s ON s.order_id = o.id JOIN customers c ON c.id = o.customer_id "
                "ORDER BY o.id"
            )
        ).all()
    async with store.transaction() as repos:
        await repos.outbox.enqueue_many(
            [
                NewOutboxRow(
                    dedupe_key=f"{number}:shipped:-:-",
                    kind="shipped",
                    channel="telegram",
                    recipient=str(first_chat + int(email.removeprefix(prefix).split("@")[0])),
                    payload={
                        "text": f"Good news: your order {number} has shipped with UPS.",
                        "buttons": [{"title": "Track parcel", "payload": "order_status"}],
                        "links": [],
                        "category": "shipping_updates",
                        "shipment_id": shipment_id,
                    },
                    scheduled_at=scheduled_at,
                    created_at=created_at,
                    order_id=order_id,
                    customer_id=customer_id,
                )
                for order_id, number, customer_id, shipment_id, email in orders
            ]
        )


async def make_due(url: str) -> None:
    """Every queued message due now (one statement, so the caller stays free)."""
    async with Store(url) as store, store.engine.begin() as conn:
        await conn.exec_driver_sql("UPDATE outbox SET scheduled_at = now(), created_at = now()")


def busiest_second(times: list[float]) -> int:
    """The most sends in any window of one second (starting at a send)."""
    times = sorted(times)
    most, end = 0, 0
    for start, at in enumerate(times):
        while end < len(times) and times[end] < at + 1.0:
            end += 1
        most = max(most, end - start)
    return most
