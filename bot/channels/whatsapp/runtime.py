"""What a running WhatsApp channel consists of, stored under the ``WHATSAPP`` app key."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from aiohttp import web
from pywa_async import WhatsApp

from bot.channels.whatsapp.channel import WhatsAppChannel
from bot.channels.whatsapp.sender import WhatsAppSender


@dataclass(slots=True)
class WhatsAppRuntime:
    """The pywa client and its HTTP client, the sender, the channel, and the webhook secrets."""

    client: WhatsApp
    session: httpx.AsyncClient
    sender: WhatsAppSender
    channel: WhatsAppChannel
    phone_number_id: str
    app_secret: str
    verify_token: str


WHATSAPP: web.AppKey[WhatsAppRuntime] = web.AppKey("whatsapp", WhatsAppRuntime)
