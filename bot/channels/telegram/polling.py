"""Polling mode: long-poll ``getUpdates`` in a background task and hand every update over.

An update's offset is confirmed (by asking for the next ones) only after its whole batch was
processed, so a crash redelivers it; the engine's inbox then drops what was already handled.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from telegram import Bot, Update
from telegram.error import Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError

from bot.clock import Clock

log = logging.getLogger(__name__)

#: update types the bot reads
ALLOWED_UPDATES: tuple[str, ...] = ("message", "edited_message", "callback_query")
#: seconds getUpdates waits for news before answering empty
LONG_POLL_SECONDS = 25
_MAX_BACKOFF_SECONDS = 30.0


def _retry_seconds(error: RetryAfter) -> float:
    value = error.retry_after
    return float(value.total_seconds()) if hasattr(value, "total_seconds") else float(value)


class Poller:
    """Runs ``getUpdates`` until cancelled, submitting updates in order."""

    def __init__(
        self,
        bot: Bot,
        submit: Callable[[Update], asyncio.Future[None]],
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
                updates = await self._bot.get_updates(
                    offset=self.offset,
                    timeout=self._long_poll,
                    allowed_updates=self._allowed,
                    read_timeout=self._long_poll + 10,
                )
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

    async def process_batch(self, updates: Sequence[Update]) -> None:
        """Submit every update in order, wait for all, then move the offset past them."""
        done = [self._submit(update) for update in updates]
        results = await asyncio.gather(*done, return_exceptions=True)
        for update, result in zip(updates, results, strict=True):
            if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
                log.error("telegram update %s failed: %r", update.update_id, result)
        self.offset = updates[-1].update_id + 1
