"""The Slack channel's errors, and the one place slack_sdk / transport errors are translated."""

from __future__ import annotations

import asyncio

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.errors import DoorstepError
from bot.handoffs.errors import HandoffNotFound as AnyHandoffNotFound

#: Slack error codes meaning the addressed channel, user, message or thread does not exist for us
_NOT_FOUND = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "user_not_found",
        "users_not_found",
        "message_not_found",
        "thread_not_found",
    }
)
#: Slack error codes meaning the bot token is wrong or dead
_AUTH = frozenset({"not_authed", "invalid_auth", "account_inactive", "token_revoked", "token_expired"})


class SlackError(DoorstepError):
    """Root of every error of the Slack channel."""


class SlackApiFailure(SlackError):
    """Slack refused a call for good (bad request); retrying will not help."""

    def __init__(self, method: str, error: str) -> None:
        super().__init__(f"slack {method} failed: {error}")
        self.method = method
        self.error = error


class SlackNotFound(SlackApiFailure):
    """The channel, user, message or thread does not exist (or the bot is not in the channel)."""


class SlackAuthError(SlackApiFailure):
    """The bot token is missing, wrong or revoked."""


class SlackUnavailable(SlackError):
    """Transient: Slack answered 5xx, timed out or could not be reached."""


class SlackRateLimited(SlackError):
    """Slack answered 429 and asked to wait ``retry_after`` seconds."""

    def __init__(self, method: str, retry_after: float) -> None:
        super().__init__(f"slack {method} rate limited; retry after {retry_after:g}s")
        self.method = method
        self.retry_after = retry_after


class HandoffNotFound(SlackError, AnyHandoffNotFound):
    """No handoff with this id (or this Slack thread) exists (the handoff service's error, as a Slack error)."""


DEFAULT_RETRY_AFTER = 1.0


def translate(method: str, exc: BaseException) -> SlackError | None:
    """The :class:`SlackError` for an exception raised by slack_sdk or the transport under it.

    None when ``exc`` did not come from Slack or the network (a bug: let it propagate).
    """
    if isinstance(exc, SlackError):
        return exc
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        error = str(exc.response.get("error") or f"http_{status}")
        if status == 429 or error == "ratelimited":
            return SlackRateLimited(method, _retry_after(exc))
        if status >= 500:
            return SlackUnavailable(f"slack {method} answered {status} ({error})")
        if error in _NOT_FOUND:
            return SlackNotFound(method, error)
        if error in _AUTH:
            return SlackAuthError(method, error)
        return SlackApiFailure(method, error)
    if isinstance(exc, (aiohttp.ClientError, asyncio.TimeoutError, TimeoutError)):
        return SlackUnavailable(f"slack {method} unreachable: {type(exc).__name__}")
    if isinstance(exc, SlackClientError):
        return SlackApiFailure(method, f"{type(exc).__name__}: {exc}")
    return None


def _retry_after(exc: SlackApiError) -> float:
    headers = exc.response.headers or {}
    for name, value in headers.items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            try:
                return max(0.0, float(raw))
            except (TypeError, ValueError):
                break
    return DEFAULT_RETRY_AFTER
