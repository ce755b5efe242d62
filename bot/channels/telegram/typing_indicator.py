"""The "typing…" chat action while the bot works on an answer.

Shown only once the work has taken ``delay`` seconds (a reply that comes at once needs no
indicator, and each chat action is one more Bot API call), refreshed every few seconds, and
never left to arrive after the reply: a chat action already on its way is waited for.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

from telegram import Bot
from telegram.constants import ChatAction
from telegram.error import TelegramError

log = logging.getLogger(__name__)

#: Telegram shows a chat action for 5 seconds; refresh it this often
REFRESH_SECONDS = 4.5


class _Indicator:
    def __init__(self, bot: Bot, chat_id: int) -> None:
        self._bot = bot
        self._chat_id = chat_id
        self._task: asyncio.Task[None] | None = None
        self._in_flight: asyncio.Task[object] | None = None

    def start(self) -> None:
        """Begin showing "typing" (called once the delay has passed): the first chat action is
        on its way at once, and :meth:`stop` waits for it."""
        loop = asyncio.get_running_loop()
        self._in_flight = loop.create_task(self._action())
        self._task = loop.create_task(self._run())

    def _action(self) -> Coroutine[Any, Any, bool]:
        return self._bot.send_chat_action(chat_id=self._chat_id, action=ChatAction.TYPING)

    async def _run(self) -> None:
        while True:
            assert self._in_flight is not None
            try:
                await asyncio.shield(self._in_flight)
            except TelegramError as exc:  # cosmetic: sending the reply reports real trouble
                log.debug("telegram sendChatAction failed: %s", exc)
                return
            self._in_flight = None
            await asyncio.sleep(REFRESH_SECONDS)
            self._in_flight = asyncio.get_running_loop().create_task(self._action())

    async def stop(self) -> None:
        """Stop refreshing, and wait for a chat action that is already being sent."""
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        if self._in_flight is not None:
            with contextlib.suppress(TelegramError, asyncio.CancelledError):
                await self._in_flight


class Typing:
    """Show "typing" in ``chat_id`` while the block runs longer than ``delay`` seconds.

    Nothing but a timer is set up until the delay has passed: most answers come sooner. A delay
    of 0 (or less) shows "typing" for every answer.
    """

    __slots__ = ("_bot", "_chat_id", "_delay", "_indicator", "_timer")

    def __init__(self, bot: Bot, chat_id: int, delay: float) -> None:
        self._bot = bot
        self._chat_id = chat_id
        self._delay = delay
        self._indicator: _Indicator | None = None
        self._timer: asyncio.TimerHandle | None = None

    async def __aenter__(self) -> None:
        if self._delay <= 0:
            self._start()
        else:
            self._timer = asyncio.get_running_loop().call_later(self._delay, self._start)

    def _start(self) -> None:
        self._indicator = _Indicator(self._bot, self._chat_id)
        self._indicator.start()

    async def __aexit__(self, *exc: object) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._indicator is not None:
            await self._indicator.stop()
