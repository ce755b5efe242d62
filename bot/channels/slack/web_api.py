"""The few Slack Web API calls doorstep makes, paced per channel, 429s waited out, errors translated.

Every slack_sdk call goes through :meth:`SlackWebApi._call`, the one place where slack_sdk
and transport errors become :mod:`bot.channels.slack.errors`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.channels.slack.errors import SlackRateLimited, translate
from bot.channels.slack.pacing import ChannelPacer, SharedChannelPacer
from bot.clock import Clock

log = logging.getLogger(__name__)

Block = dict[str, Any]
#: how many 429s in a row one call waits out before giving up
DEFAULT_MAX_RATE_LIMIT_RETRIES = 5


@dataclass(frozen=True, slots=True)
class PostedMessage:
    """Where a message landed: the channel id and the message ts (a thread's id)."""

    channel: str
    ts: str


class SlackWebApi:
    """chat.postMessage / chat.update / users.info / auth.test over one AsyncWebClient.

    Posts to one channel are spaced by a :class:`ChannelPacer` (or, on PostgreSQL, a
    :class:`SharedChannelPacer` for every process together); a 429 is waited out for its
    ``Retry-After`` (on the injected clock) and retried, so nothing is lost; agent names
    from users.info are cached.
    """

    def __init__(
        self,
        client: AsyncWebClient,
        clock: Clock,
        *,
        pacer: ChannelPacer | SharedChannelPacer | None = None,
        max_rate_limit_retries: int = DEFAULT_MAX_RATE_LIMIT_RETRIES,
    ) -> None:
        self.client = client
        self._clock = clock
        self._pacer = pacer or ChannelPacer(clock)
        self._max_retries = max_rate_limit_retries
        self._names: dict[str, str] = {}

    async def post_message(
        self, channel: str, text: str, *, blocks: Sequence[Block] | None = None, thread_ts: str | None = None
    ) -> PostedMessage:
        """Post ``text`` (the notification fallback) with optional ``blocks``, in a thread if given."""
        kwargs: dict[str, Any] = {"channel": channel, "text": text}
        if blocks is not None:
            kwargs["blocks"] = list(blocks)
        if thread_ts is not None:
            kwargs["thread_ts"] = thread_ts
        async with self._pacer.turn(channel):
            response = await self._call(
                "chat.postMessage", lambda: self.client.chat_postMessage(**kwargs), channel=channel
            )
        return PostedMessage(channel=str(response["channel"]), ts=str(response["ts"]))

    async def update_message(
        self, channel: str, ts: str, text: str, *, blocks: Sequence[Block] | None = None
    ) -> None:
        """Replace the bot's message ``ts`` in ``channel``."""
        kwargs: dict[str, Any] = {"channel": channel, "ts": ts, "text": text}
        if blocks is not None:
            kwargs["blocks"] = list(blocks)
        await self._call("chat.update", lambda: self.client.chat_update(**kwargs))

    async def user_name(self, user_id: str) -> str:
        """The agent's display name (else real name, else the user id), cached per user."""
        cached = self._names.get(user_id)
        if cached is not None:
            return cached
        response = await self._call("users.info", lambda: self.client.users_info(user=user_id))
        user = response.get("user") or {}
        profile = user.get("profile") or {}
        name = (
            profile.get("display_name")
            or profile.get("real_name")
            or user.get("real_name")
            or user.get("name")
            or user_id
        )
        self._names[user_id] = str(name)
        return str(name)

    async def auth_test(self) -> dict[str, Any]:
        """Who the bot is (team_id, user_id, bot_id)."""
        response = await self._call("auth.test", self.client.auth_test)
        return dict(response.data) if isinstance(response.data, dict) else {}

    async def _call(
        self,
        method: str,
        call: Callable[[], Awaitable[AsyncSlackResponse]],
        *,
        channel: str | None = None,
    ) -> AsyncSlackResponse:
        """Run one API call; wait out up to ``max_rate_limit_retries`` 429s; translate every failure."""
        attempt = 0
        while True:
            try:
                return await call()
            except Exception as exc:
                error = translate(method, exc)
                if error is None:
                    raise
                if not isinstance(error, SlackRateLimited) or attempt >= self._max_retries:
                    raise error from exc
            attempt += 1
            log.warning("slack %s rate limited; waiting %.1fs (retry %d)", method, error.retry_after, attempt)
            if channel is not None:
                self._pacer.hold(channel, error.retry_after)
                await self._pacer.wait(channel)
            else:
                await self._clock.sleep(error.retry_after)
