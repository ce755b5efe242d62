"""Signed chat links for the customer of an order (shared by the CLI and the operator API)."""

from __future__ import annotations

from datetime import timedelta

from bot.channels.telegram.errors import UnknownOrder
from bot.clock import Clock
from bot.config import Settings
from bot.links import CustomerLinks, customer_links
from storage.domain import normalize_order_number
from storage.store import Store


async def links_for_order(store: Store, settings: Settings, clock: Clock, order_number: str) -> CustomerLinks:
    """The Telegram deep link and web chat link (and WhatsApp link, with ``whatsapp_number`` set) for
    the customer of ``order_number``.

    They expire ``settings.link_ttl_days`` from now. ``order_number`` is read as the import
    format reads it (``" #1001"`` is order ``1001``). Raises :class:`UnknownOrder`.
    """
    number = normalize_order_number(order_number)
    async with store.transaction() as repos:
        order = await repos.orders.by_number(order_number=number) if number else None
    if order is None:
        raise UnknownOrder(f"no order {number!r}")
    return customer_links(
        order.customer_id,
        secret=settings.secret_key,
        bot_username=settings.telegram_bot_username,
        public_url=settings.public_url,
        expires_at=clock.now() + timedelta(days=settings.link_ttl_days),
        whatsapp_number=settings.whatsapp_number,
    )
