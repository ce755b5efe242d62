"""What a running Telegram channel consists of, stored under the ``TELEGRAM`` app key."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web
from telegram import Bot
from telegram.ext import Application

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.sender import TelegramSender


@dataclass(slots=True)
class TelegramRuntime:
    """The PTB application and bot, the sender, the channel, and the webhook secret (webhook mode)."""

    application: Application  # type: ignore[type-arg]
    sender: TelegramSender
    channel: TelegramChannel
    mode: str
    webhook_secret: str = ""

    @property
    def bot(self) -> Bot:
        """The application's bot (``telegram.Bot``: every call to the Bot API goes through it)."""
        return self.application.bot


TELEGRAM: web.AppKey[TelegramRuntime] = web.AppKey("telegram", TelegramRuntime)
