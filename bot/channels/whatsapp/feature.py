"""``whatsapp_feature``: the WhatsApp Cloud API channel for shoppers.

When ``DOORSTEP_WHATSAPP_TOKEN`` is set (the settings then require the phone number id, the app
secret and the verify token) it serves ``GET`` and ``POST /whatsapp/webhook`` and, in a cleanup
context after the engine's:

- builds the pywa client pointed at ``DOORSTEP_WHATSAPP_API_BASE_URL``
  (:mod:`bot.channels.whatsapp.client`);
- registers the :class:`WhatsAppSender` in the app's sender registry (for the dispatcher) with the
  number's limits (``DOORSTEP_WHATSAPP_SEND_RATE``, default 80 messages/s, and
  ``DOORSTEP_WHATSAPP_SEND_RATE_PER_RECIPIENT``), shared with the replies through the app's pacers;
- registers the channel as an engine hook (verified numbers are offered updates).

The pacing goes through the same pacers as Telegram's: on PostgreSQL they are shared by every
process of the deployment (:mod:`bot.notify.ratelimit`). On shutdown running turns finish (a few seconds at most), the sender is
unregistered and the HTTP client closed.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from bot.app_keys import CLOCK, SETTINGS, STORE
from bot.channels.senders import SendLimits, sender_registry
from bot.channels.whatsapp.channel import WhatsAppChannel
from bot.channels.whatsapp.client import build_client
from bot.channels.whatsapp.errors import WhatsAppChannelError
from bot.channels.whatsapp.runtime import WHATSAPP, WhatsAppRuntime
from bot.channels.whatsapp.sender import WhatsAppSender
from bot.channels.whatsapp.templates import TemplateBook
from bot.channels.whatsapp.webhook import WEBHOOK_PATH, whatsapp_subscription, whatsapp_webhook
from bot.config import Settings
from bot.engine.feature import ENGINE
from bot.notify.ratelimit import app_pacers

log = logging.getLogger(__name__)

#: engine answers worked on at once (as for Telegram)
MAX_CONCURRENT_ANSWERS = 16
#: "typing..." is shown with the read mark when an answer takes longer than this (seconds)
TYPING_DELAY_SECONDS = 0.3


def send_limits(settings: Settings) -> SendLimits:
    """The number's limits as configured (80/s overall and 1/s per shopper by default)."""
    return SendLimits(
        per_second=settings.whatsapp_send_rate,
        per_recipient_per_second=settings.whatsapp_send_rate_per_recipient,
    )


def whatsapp_feature(app: web.Application, settings: Settings) -> None:
    """Add the webhook and the channel when the WhatsApp token is set."""
    if not settings.whatsapp_enabled:
        return
    sender_registry(app)
    app_pacers(app)  # shared with the dispatcher, so replies and pushes share the number's limits
    app.router.add_get(WEBHOOK_PATH, whatsapp_subscription)
    app.router.add_post(WEBHOOK_PATH, whatsapp_webhook)
    app.cleanup_ctx.append(_whatsapp)


async def _whatsapp(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    if ENGINE not in app:
        raise WhatsAppChannelError("the WhatsApp channel needs the conversation feature, started before it")
    client, session = build_client(settings)
    sender = WhatsAppSender(
        client,
        store=app[STORE],
        clock=app[CLOCK],
        templates=TemplateBook(settings.whatsapp_templates),
        fallback_link=settings.public_url,
    )
    limits = send_limits(settings)
    channel = WhatsAppChannel(
        sender=sender,
        engine=app[ENGINE],
        store=app[STORE],
        clock=app[CLOCK],
        pacer=app_pacers(app).for_channel(sender.channel, limits),
        typing_delay=TYPING_DELAY_SECONDS,
        phone_match=settings.whatsapp_phone_match_verifies,
        max_concurrent_answers=MAX_CONCURRENT_ANSWERS,
    )
    app[WHATSAPP] = WhatsAppRuntime(
        client=client,
        session=session,
        sender=sender,
        channel=channel,
        phone_number_id=settings.whatsapp_phone_number_id or "",
        app_secret=settings.whatsapp_app_secret or "",
        verify_token=settings.whatsapp_verify_token or "",
    )
    registry = sender_registry(app)
    try:
        app[ENGINE].add_hooks(channel)
        registry.register(sender, limits=limits)
        log.info("whatsapp channel started for phone number id %s", settings.whatsapp_phone_number_id)
        yield
    finally:
        await channel.aclose()
        registry.unregister(sender.channel)
        await session.aclose()
