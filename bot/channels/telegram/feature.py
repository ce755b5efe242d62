"""``telegram_feature``: the Telegram channel for shoppers, in polling or webhook mode.

Always adds ``GET /api/orders/{number}/links`` (signed chat links work without the bot running).
When ``DOORSTEP_TELEGRAM_TOKEN`` is set it also, in a cleanup context after the engine's:

- builds a python-telegram-bot ``Application`` (no PTB ``Updater``: doorstep polls or serves the
  webhook itself) pointed at ``DOORSTEP_TELEGRAM_API_BASE_URL`` and talking through pooled keep-alive HTTP
  on aiohttp (:mod:`bot.channels.telegram.transport`),
  initialises it (``getMe``: a wrong token stops start-up with one line) and starts it;
- registers the :class:`TelegramSender` in the app's sender registry (for the dispatcher) and the
  channel as an engine hook (verified chats are offered updates);
- webhook mode: ``setWebhook(url=<public_url>/telegram/webhook, secret_token=...)`` and serves
  ``POST /telegram/webhook``; polling mode: ``deleteWebhook`` and a background ``getUpdates`` loop,
  run by one process of a deployment at a time (:mod:`bot.leader`: Telegram refuses a second poller).

On shutdown: polling stops, running turns finish (a few seconds at most), the sender is
unregistered and the application is stopped and shut down. The webhook stays registered, so
Telegram keeps updates until the server is back.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web
from telegram import BotCommand
from telegram.error import TelegramError
from telegram.ext import Application

from bot.app_keys import CLOCK, SETTINGS, STORE
from bot.channels.senders import SendLimits, sender_registry
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.errors import TelegramChannelError
from bot.channels.telegram.links_api import add_links_routes
from bot.channels.telegram.polling import ALLOWED_UPDATES, LONG_POLL_SECONDS, Poller
from bot.channels.telegram.runtime import TELEGRAM, TelegramRuntime
from bot.channels.telegram.sender import TelegramSender
from bot.channels.telegram.transport import AiohttpRequest
from bot.channels.telegram.webhook import WEBHOOK_PATH, telegram_webhook
from bot.config import Settings
from bot.engine.feature import ENGINE
from bot.leader import LEADERSHIP, app_leadership
from bot.notify.ratelimit import app_pacers

log = logging.getLogger(__name__)

#: connections to the Bot API for sending (replies of many chats go out concurrently)
SEND_POOL_SIZE = 64
#: engine answers worked on at once, per database. On SQLite the answers share the store's lanes
#: (no lock waits between them) and the answers finished together share one commit
MAX_CONCURRENT_ANSWERS: dict[str, int | None] = {"sqlite": 16, "postgresql": 16}
#: "typing" is shown when an answer takes longer than this (seconds)
TYPING_DELAY_SECONDS = 0.3
#: the getUpdates loop runs in one process of a deployment (see :mod:`bot.leader`)
POLLING_SINGLETON = "telegram-polling"
#: the command menu Telegram shows next to the text box
BOT_COMMANDS = (
    ("start", "Start, or turn updates back on"),
    ("help", "What I can do"),
    ("stop", "Stop all updates"),
    ("agent", "Talk to a person"),
)


def build_application(settings: Settings) -> Application:  # type: ignore[type-arg]
    """The PTB application for ``settings`` (not initialised; no updater)."""
    base = settings.telegram_api_base_url.rstrip("/")
    return (
        Application.builder()
        .token(settings.telegram_token or "")
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .request(AiohttpRequest(pool_size=SEND_POOL_SIZE))
        .get_updates_request(AiohttpRequest(pool_size=1, read_timeout=LONG_POLL_SECONDS + 10))
        .updater(None)
        .build()
    )


def send_limits(settings: Settings) -> SendLimits:
    """Telegram's limits as configured (30/s overall and 1/s per chat by default)."""
    return SendLimits(
        per_second=settings.telegram_send_rate, per_recipient_per_second=settings.telegram_send_rate_per_chat
    )


def telegram_feature(app: web.Application, settings: Settings) -> None:
    """Add the links endpoint, and the Telegram channel when its token is set."""
    add_links_routes(app)
    if not settings.telegram_enabled:
        return
    sender_registry(app)
    app_pacers(app)  # shared with the dispatcher, so replies and pushes share Telegram's limits
    if settings.telegram_mode == "webhook":
        app.router.add_post(WEBHOOK_PATH, telegram_webhook)
    else:
        app_leadership(app)  # getUpdates runs in one process only
    app.cleanup_ctx.append(_telegram)


async def _start(application: Application, settings: Settings) -> None:  # type: ignore[type-arg]
    try:
        await application.initialize()
    except TelegramError as exc:
        await application.shutdown()
        raise TelegramChannelError(
            f"Telegram refused to start the bot ({exc}); check DOORSTEP_TELEGRAM_TOKEN and "
            f"DOORSTEP_TELEGRAM_API_BASE_URL ({settings.telegram_api_base_url})"
        ) from exc
    await application.start()


async def _register(runtime: TelegramRuntime, settings: Settings) -> None:
    """Tell Telegram how updates reach us, and the command menu."""
    bot = runtime.bot
    try:
        if runtime.mode == "webhook":
            await bot.set_webhook(
                url=f"{settings.public_url.rstrip('/')}{WEBHOOK_PATH}",
                secret_token=runtime.webhook_secret,
                allowed_updates=list(ALLOWED_UPDATES),
            )
        else:
            await bot.delete_webhook()
        await bot.set_my_commands([BotCommand(name, description) for name, description in BOT_COMMANDS])
    except TelegramError as exc:
        raise TelegramChannelError(f"Telegram refused the {runtime.mode} set-up: {exc}") from exc


async def _telegram(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    if ENGINE not in app:
        raise TelegramChannelError("the Telegram channel needs the conversation feature, started before it")
    application = build_application(settings)
    await _start(application, settings)
    limits = send_limits(settings)
    sender = TelegramSender(application.bot)
    channel = TelegramChannel(
        bot=application.bot,
        engine=app[ENGINE],
        store=app[STORE],
        sender=sender,
        pacer=app_pacers(app).for_channel(sender.channel, limits),
        typing_delay=TYPING_DELAY_SECONDS,
        bot_username=application.bot.username,
        max_concurrent_answers=MAX_CONCURRENT_ANSWERS.get(app[STORE].dialect),
    )
    runtime = TelegramRuntime(
        application=application,
        sender=sender,
        channel=channel,
        mode=settings.telegram_mode,
        webhook_secret=settings.telegram_webhook_secret or "",
    )
    polling = False
    registry = sender_registry(app)
    try:
        await _register(runtime, settings)
        app[TELEGRAM] = runtime
        app[ENGINE].add_hooks(channel)
        registry.register(sender, limits=limits)
        if runtime.mode == "polling":
            poller = Poller(application.bot, channel.submit, app[CLOCK])
            app[LEADERSHIP].add(POLLING_SINGLETON, poller.run)
            polling = True
        log.info("telegram channel started in %s mode as @%s", runtime.mode, application.bot.username)
        yield
    finally:
        if polling:
            await app[LEADERSHIP].remove(POLLING_SINGLETON)
        await channel.aclose()
        registry.unregister("telegram")
        await application.stop()
        await application.shutdown()
