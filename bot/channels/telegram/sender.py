"""The Telegram :class:`~bot.channels.base.Sender`: one reply to one chat over python-telegram-bot.

Plain text (no ``parse_mode``, so nothing needs escaping), split at 4096 characters on paragraph
or line boundaries; buttons become an inline keyboard (``callback_data`` = the button payload, at
most 64 bytes); links become URL buttons. PTB's errors are translated in one place
(:func:`translate_error`). The sender does no rate limiting of its own (a plain ``telegram.Bot``
has no rate limiter): the caller paces it.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBDeprecationWarning

from bot.channels.base import PermanentFailure, RetryLater, SendError, SendResult, Unreachable
from bot.channels.senders import SendLimits
from bot.config import Settings
from handlers.messages import Reply

#: Telegram's longest message text (counted in UTF-16 code units)
MAX_TEXT = 4096
#: Telegram's longest callback_data, in bytes
MAX_CALLBACK_BYTES = 64
_URL_SCHEMES = ("https://", "http://", "tg://")
#: "Bad Request" descriptions that mean the chat itself is gone
_GONE_CHAT = ("chat not found", "user is deactivated", "peer_id_invalid")


def _units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _hard_cut(text: str, limit: int) -> list[str]:
    pieces: list[str] = []
    current = ""
    for char in text:
        if _units(current) + _units(char) > limit:
            pieces.append(current)
            current = ""
        current += char
    if current:
        pieces.append(current)
    return pieces


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """``text`` in pieces of at most ``limit`` units, cut between paragraphs, else lines, else words."""
    if _units(text) <= limit:
        return [text]
    for separator in ("\n\n", "\n", " "):
        parts = text.split(separator)
        if len(parts) == 1:
            continue
        pieces: list[str] = []
        current = ""
        for part in parts:
            candidate = part if not current else current + separator + part
            if _units(candidate) <= limit:
                current = candidate
                continue
            if current:
                pieces.append(current)
            if _units(part) <= limit:
                current = part
            else:
                *whole, current = split_text(part, limit)
                pieces.extend(whole)
        if current:
            pieces.append(current)
        return [p for p in pieces if p.strip()] or [text[:limit]]
    return _hard_cut(text, limit)


def keyboard(reply: Reply) -> dict[str, list[list[dict[str, str]]]] | None:
    """The inline keyboard (Bot API JSON): one row per button, then one URL button per link;
    None when there are neither."""
    rows: list[list[dict[str, str]]] = []
    for button in reply.buttons:
        if len(button.payload.encode("utf-8")) > MAX_CALLBACK_BYTES:
            raise PermanentFailure(f"button {button.title!r}: payload longer than {MAX_CALLBACK_BYTES} bytes")
        rows.append([{"text": button.title, "callback_data": button.payload}])
    for link in reply.links:
        if link.url.startswith(_URL_SCHEMES):
            rows.append([{"text": link.title, "url": link.url}])
    return {"inline_keyboard": rows} if rows else None


def _text_with_links(reply: Reply) -> str:
    """The text plus any link Telegram cannot show as a button, one per line."""
    extra = [f"{link.title}: {link.url}" for link in reply.links if not link.url.startswith(_URL_SCHEMES)]
    return "\n\n".join([reply.text, *extra]) if extra else reply.text


def _retry_after_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def translate_error(error: TelegramError) -> SendError:
    """The doorstep error for a python-telegram-bot error (the only place that maps them)."""
    message = str(error)
    if isinstance(error, RetryAfter):
        return RetryLater(f"telegram flood control: {message}", _retry_after_seconds(error))
    if isinstance(error, Forbidden):
        return Unreachable(f"telegram: {message}")
    if isinstance(error, BadRequest):
        if any(marker in message.lower() for marker in _GONE_CHAT):
            return Unreachable(f"telegram: {message}")
        return PermanentFailure(f"telegram rejected the message: {message}")
    if isinstance(error, TimedOut):
        return RetryLater(f"telegram timed out: {message}")
    if isinstance(error, InvalidToken):
        return RetryLater(f"telegram refused the bot token: {message}")
    if isinstance(error, ChatMigrated):
        return PermanentFailure(f"telegram: the chat moved to {error.new_chat_id}")
    if isinstance(error, (NetworkError, Conflict)):
        return RetryLater(f"telegram unavailable: {message}")
    return PermanentFailure(f"telegram error: {message}")


@contextmanager
def telegram_errors() -> Iterator[None]:
    """Re-raise python-telegram-bot errors as :class:`~bot.channels.base.SendError`."""
    try:
        yield
    except TelegramError as error:
        raise translate_error(error) from error


def chat_id(recipient: str) -> int | str:
    """Numeric chat ids as int, ``@channel`` names as they are."""
    stripped = recipient.strip()
    if stripped.lstrip("-").isdigit():
        return int(stripped)
    return stripped


async def send_text(bot: Bot, chat: int | str, text: str, markup: dict[str, Any] | None) -> int:
    """``sendMessage`` through ``bot``; answers the new message's id.

    ``Bot.send_message`` would read Telegram's answer into a ``telegram.Message`` (about 90 µs
    of parsing per reply), and only its id is needed: this posts through ``Bot._post``, the
    path ``send_message`` itself takes, so the request and PTB's errors (``RetryAfter``,
    ``Forbidden``, ...) are the same.
    """
    data: dict[str, Any] = {"chat_id": chat, "text": text}
    if markup is not None:
        data["reply_markup"] = markup
    result = await bot._post("sendMessage", data)
    return int(result["message_id"])


class TelegramSender:
    """Sends replies to Telegram chats through ``bot`` (a ``telegram.Bot`` without a rate limiter)."""

    channel = "telegram"

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, recipient: str, reply: Reply) -> SendResult:
        """Send ``reply`` to chat ``recipient``; buttons go with the last piece of a long text."""
        markup = keyboard(reply)
        pieces = split_text(_text_with_links(reply))
        last_id: str | None = None
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            with telegram_errors():
                message_id = await send_text(self._bot, chat_id(recipient), piece, markup if last else None)
            last_id = str(message_id)
        return SendResult(provider_message_id=last_id)


def send_limits(settings: Settings) -> SendLimits:
    """Telegram's limits as configured (``telegram_send_rate``, ``telegram_send_rate_per_chat``),
    for ``SenderRegistry.register(TelegramSender(bot), limits=send_limits(settings))``."""
    return SendLimits(
        per_second=settings.telegram_send_rate, per_recipient_per_second=settings.telegram_send_rate_per_chat
    )
