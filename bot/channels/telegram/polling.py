"""Polling mode: long-poll ``getUpdates`` in a background task and hand every update over.

An update's offset is confirmed (by asking for the next ones) only after its batch was answered
(or ``ACK_SECONDS`` passed, as for a webhook), so a crash redelivers it; the engine's inbox then
drops what was already handled.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any

from telegram import Bot
from telegram.error import Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.clock import Clock

log = logging.getLogger(__name__)

#: update types the bot reads
ALLOWED_UPDATES: tuple[str, ...] = ("message", "edited_message", "callback_query")
#: seconds getUpdates waits for news before answering empty
LONG_POLL_SECONDS = 25
_MAX_BACKOFF_SECONDS = 30.0
#: confirm a batch after this long even if some of its answers are still on their way
ACK_SECONDS = 10.0


def _retry_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class Poller:
    """Runs ``getUpdates`` until cancelled, submitting updates in order."""

    def __init__(
        self,
        bot: Bot,
        submit: Callable[[Mapping[str, Any]], asyncio.Future[None]],
        clock: Clock,
        *,
        long_poll_seconds: int = LONG_POLL_SECONDS,
        allowed_updates: Sequence[str] = ALLOWED_UPDATES,
    ) -> None:
        self._bot = bot
        self._submit = submit
        self._clock = clock
        self._long_poll = long_poll_seconds
        self._allowed = list(allowed_updates)
        self.offset: int | None = None

    async def run(self) -> None:
        """Poll forever (until the task is cancelled); transport errors back off and retry."""
        backoff = 1.0
        while True:
            try:
                updates = await self._get_updates()
            except RetryAfter as exc:
                await self._clock.sleep(_retry_seconds(exc))
                continue
            except (InvalidToken, Forbidden) as exc:
                log.error("telegram polling refused: %s (check DOORSTEP_TELEGRAM_TOKEN)", exc)
                await self._clock.sleep(_MAX_BACKOFF_SECONDS)
                continue
            except Conflict as exc:
                log.error("telegram polling conflict: %s", exc)
                await self._clock.sleep(backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF_SECONDS)
                continue
            except (NetworkError, TelegramError) as exc:
                log.warning("telegram getUpdates failed: %s; retrying in %.0fs", exc, backoff)
                await self._clock.sleep(backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF_SECONDS)
                continue
            backoff = 1.0
            if not updates:
                continue
            await self.process_batch(updates)

    async def _get_updates(self) -> list[dict[str, Any]]:
        """The next updates as the Bot API sends them (JSON objects; see ``adapter.translate``).

        Posted through ``Bot._post``, the path ``Bot.get_updates`` takes, without reading each
        update into a ``telegram.Update``; PTB's errors are the same.
        """
        data: dict[str, Any] = {"timeout": self._long_poll, "allowed_updates": self._allowed}
        if self.offset is not None:
            data["offset"] = self.offset
        result = await self._bot._post("getUpdates", data, read_timeout=self._long_poll + 10)
        if not isinstance(result, list):
            raise TelegramError(f"getUpdates answered {type(result).__name__}, not a list")
        return [update for update in result if isinstance(update, dict)]

    async def process_batch(self, updates: Sequence[Mapping[str, Any]]) -> None:
        """Submit every update in order, wait for them (at most ``ACK_SECONDS``), then move the offset.

        A chat still waiting out a long 429 does not hold up the other chats: after
        ``ACK_SECONDS`` its update is confirmed and finishes in the background.
        """
        answered = {self._submit(update): update for update in updates}
        done, pending = await asyncio.wait(answered, timeout=ACK_SECONDS)
        for future in done:
            if not future.cancelled() and future.exception() is not None:
                log.error(
                    "telegram update %s failed",
                    answered[future].get("update_id"),
                    exc_info=future.exception(),
                )
        if pending:
            log.warning("%d telegram updates still being answered; confirmed", len(pending))
        update_ids = [update["update_id"] for update in updates if isinstance(update.get("update_id"), int)]
        if update_ids:
            self.offset = max(update_ids) + 1
