"""Staff alerts from the outbox (exception, lost, returned to sender) to the support channel in Slack.

A proposal with ``alert_staff`` gets a second outbox row of kind ``staff_alert`` (channel
``slack``), so the alert is as reliable as the shopper's message: retried, never lost. The
dispatcher sends such rows through a :class:`StaffAlerts` (the Slack channel's alerts, which add
the order's context), not through a chat sender.
"""

from __future__ import annotations

from typing import Any, Protocol

from bot.channels.base import PermanentFailure, RetryLater, SendResult
from bot.channels.slack.errors import SlackError, SlackRateLimited, SlackUnavailable


class StaffAlerts(Protocol):
    """Posts an alert about an order for staff; failures are :class:`~bot.channels.base.SendError`."""

    async def send_alert(self, order_id: int | None, kind: str, text: str) -> SendResult:
        """Post the alert; returns where it landed."""
        ...


class AlertPoster(Protocol):
    """The Slack channel's alerts (``bot.channels.slack.alerts.SlackAlerts``)."""

    async def alert(self, order_id: int | None, kind: str, text: str) -> Any:
        """Post an alert; answers where it landed (``channel``, ``ts``)."""
        ...


class SlackStaffAlerts:
    """:class:`StaffAlerts` over the Slack channel's alerts, Slack errors mapped in one place."""

    def __init__(self, alerts: AlertPoster) -> None:
        self._alerts = alerts

    async def send_alert(self, order_id: int | None, kind: str, text: str) -> SendResult:
        """Post to the support channel; rate limits and outages are retried, refusals are final."""
        try:
            posted = await self._alerts.alert(order_id, kind, text)
        except SlackRateLimited as exc:
            raise RetryLater(str(exc), exc.retry_after) from exc
        except SlackUnavailable as exc:
            raise RetryLater(str(exc)) from exc
        except SlackError as exc:
            raise PermanentFailure(str(exc)) from exc
        return SendResult(provider_message_id=f"{posted.channel}:{posted.ts}")
