"""Staff work that goes to Slack through the outbox: alerts, handoff posts, shopper messages during a handoff.

Everything staff must see is an outbox row (channel ``slack``, recipient the support channel),
so it is as reliable as a shopper's message: it survives a restart, is retried, paced by the
dispatcher's limits for Slack, counted in ``/metrics`` and, when it is about an order, listed in
``doorstep explain`` and the order's timeline. The rows carry no ``customer_id``, so the
dispatcher's gate (quiet hours, opt-outs, superseded messages) lets them through as they are.

* ``staff_alert``: a proposal with ``alert_staff`` (shipment exception, lost, returned to sender).
* ``staff_handoff``: a new handoff, queued by :class:`HandoffOutbox` (an engine hook) once the
  shopper's turn is committed; dedupe key ``handoff:<id>``, so it is queued once. At start-up,
  :meth:`HandoffOutbox.queue_unposted` queues any open handoff that has neither a Slack thread nor
  a row (the process died between the turn and its hook).
* ``staff_handoff_message``: a shopper's message while the conversation is with staff, copied into
  the handoff's thread. It waits (without counting an attempt) while its handoff's own post is
  still queued, so a thread is never posted twice.

The dispatcher sends these rows through a :class:`StaffDesk` (:class:`SlackStaffAlerts` over the
Slack channel's alerts and handoffs), not through a chat sender.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from bot.channels.base import PermanentFailure, RetryLater, SendResult
from bot.channels.senders import SendLimits
from bot.channels.slack.errors import HandoffNotFound, SlackError, SlackRateLimited, SlackUnavailable
from bot.clock import Clock
from handlers.messages import IncomingMessage
from storage.models import OutboxMessage
from storage.repositories.outbox import NewOutboxRow
from storage.store import Store

log = logging.getLogger(__name__)

STAFF_HANDOFF_KIND = "staff_handoff"
STAFF_HANDOFF_MESSAGE_KIND = "staff_handoff_message"
STAFF_CATEGORY = "staff"
#: Slack takes about one message per second into one channel
SLACK_LIMITS = SendLimits(per_recipient_per_second=1.0)
#: how long a shopper's message waits for its handoff's post before it is tried again
WAIT_FOR_THREAD_SECONDS = 1.0
#: open handoffs looked at by :meth:`HandoffOutbox.queue_unposted`
UNPOSTED_SWEEP_LIMIT = 5000


def handoff_post_key(handoff_id: int) -> str:
    """The dedupe key of the outbox row that posts handoff ``handoff_id`` to Slack."""
    return f"handoff:{handoff_id}"


class ThreadNotReady(RetryLater):
    """The handoff's thread is still being posted; try again shortly (not a failed attempt)."""


class Posted(Protocol):
    """Where a Slack message landed."""

    channel: str
    ts: str


class AlertPoster(Protocol):
    """The Slack channel's alerts (``bot.channels.slack.alerts.SlackAlerts``)."""

    async def alert(self, order_id: int | None, kind: str, text: str) -> Posted:
        """Post an alert; answers where it landed (``channel``, ``ts``)."""
        ...


class HandoffPoster(Protocol):
    """The Slack channel's handoffs (``bot.channels.slack.handoffs.SlackHandoffs``)."""

    async def post_handoff(self, handoff_id: int) -> Posted:
        """Post the handoff's message (once: an already posted handoff answers its thread)."""
        ...

    async def post_shopper_message(self, handoff_id: int, payload: Mapping[str, Any]) -> Posted | None:
        """Copy a shopper's message into the handoff's thread; None while the thread is still queued."""
        ...


class StaffDesk(Protocol):
    """What the dispatcher sends staff rows through; failures are :class:`~bot.channels.base.SendError`."""

    #: the pace of posts into one staff channel
    limits: SendLimits

    async def send_staff(self, row: OutboxMessage) -> SendResult:
        """Post the row (an alert, a handoff or a shopper's message); returns where it landed."""
        ...


class SlackStaffAlerts:
    """:class:`StaffDesk` over the Slack channel's alerts and handoffs, Slack errors mapped in one place."""

    def __init__(
        self, alerts: AlertPoster, handoffs: HandoffPoster | None = None, *, limits: SendLimits = SLACK_LIMITS
    ) -> None:
        self._alerts = alerts
        self._handoffs = handoffs
        self.limits = limits

    async def send_staff(self, row: OutboxMessage) -> SendResult:
        """Post to the support channel; rate limits and outages are retried, refusals are final."""
        payload = row.payload or {}
        try:
            posted = await self._post(row.kind, row.order_id, payload)
        except SlackRateLimited as exc:
            raise RetryLater(str(exc), exc.retry_after) from exc
        except SlackUnavailable as exc:
            raise RetryLater(str(exc)) from exc
        except SlackError as exc:
            raise PermanentFailure(str(exc)) from exc
        return SendResult(provider_message_id=f"{posted.channel}:{posted.ts}")

    async def _post(self, kind: str, order_id: int | None, payload: Mapping[str, Any]) -> Posted:
        if kind not in (STAFF_HANDOFF_KIND, STAFF_HANDOFF_MESSAGE_KIND):
            return await self._alerts.alert(
                order_id, str(payload.get("about") or "alert"), str(payload.get("text") or "")
            )
        if self._handoffs is None:
            raise RetryLater("Slack handoffs are off (is the conversation engine running?)")
        handoff_id = payload.get("handoff_id")
        if not isinstance(handoff_id, int):
            raise HandoffNotFound("the row names no handoff")
        if kind == STAFF_HANDOFF_KIND:
            return await self._handoffs.post_handoff(handoff_id)
        posted = await self._handoffs.post_shopper_message(handoff_id, payload)
        if posted is None:
            raise ThreadNotReady(f"handoff #{handoff_id} is not posted yet", WAIT_FOR_THREAD_SECONDS)
        return posted


class HandoffOutbox:
    """Engine hooks: a new handoff, and each shopper message during one, become outbox rows for Slack."""

    def __init__(
        self, store: Store, clock: Clock, support_channel: str, *, wake: Callable[[], None] | None = None
    ) -> None:
        self._store = store
        self._clock = clock
        self._channel = support_channel
        self._wake = wake

    async def on_handoff_created(self, handoff_id: int) -> None:
        """Queue the handoff's post to the support channel."""
        if await self._queue(handoff_id, STAFF_HANDOFF_KIND, handoff_post_key(handoff_id), {}):
            self._wake_dispatcher()

    async def on_message_during_handoff(self, handoff_id: int, message: IncomingMessage) -> None:
        """Queue a copy of the shopper's message for the handoff's thread."""
        said = message.text or (f"[pressed {message.payload}]" if message.payload else "")
        payload = {
            "shopper_channel": message.channel,
            "said": said,
            "attachments": [a.file_name or a.kind for a in message.attachments],
        }
        if await self._queue(
            handoff_id, STAFF_HANDOFF_MESSAGE_KIND, _message_key(handoff_id, message), payload
        ):
            self._wake_dispatcher()

    async def queue_unposted(self) -> int:
        """Queue the post of every open handoff that has no Slack thread and no row yet; returns how many."""
        async with self._store.transaction() as repos:
            handoffs = await repos.handoffs.list_open(limit=UNPOSTED_SWEEP_LIMIT)
        queued = 0
        for handoff in handoffs:
            if handoff.id is not None and handoff.slack_ts is None:
                queued += await self._queue(handoff.id, STAFF_HANDOFF_KIND, handoff_post_key(handoff.id), {})
        if queued:
            log.warning("queued %d handoff(s) whose Slack post was never queued", queued)
            self._wake_dispatcher()
        return queued

    async def _queue(self, handoff_id: int, kind: str, key: str, extra: Mapping[str, Any]) -> bool:
        now = self._clock.now()
        async with self._store.transaction() as repos:
            handoff = await repos.handoffs.get(handoff_id=handoff_id)
            if handoff is None:
                log.error("handoff %d not found; nothing queued for Slack", handoff_id)
                return False
            what = "handoff" if kind == STAFF_HANDOFF_KIND else "shopper's message for handoff"
            payload = {
                "handoff_id": handoff_id,
                "category": STAFF_CATEGORY,
                "text": f"{what} #{handoff_id} to staff in Slack",
                **extra,
            }
            row = NewOutboxRow(
                dedupe_key=key,
                kind=kind,
                channel="slack",
                recipient=self._channel,
                payload=payload,
                scheduled_at=now,
                created_at=now,
                order_id=handoff.order_id,
            )
            written = await repos.outbox.enqueue_many([row])
        return bool(written)

    def _wake_dispatcher(self) -> None:
        if self._wake is not None:
            self._wake()


def _message_key(handoff_id: int, message: IncomingMessage) -> str:
    """``handoff:<id>:message:<the channel's message id>`` (hashed when long); a redelivery is queued once."""
    if message.message_id is None:
        ident = uuid.uuid4().hex
    else:
        ident = message.message_id
        if len(ident) > 100 or not ident.isprintable():
            ident = hashlib.sha256(ident.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{handoff_post_key(handoff_id)}:message:{ident}"
