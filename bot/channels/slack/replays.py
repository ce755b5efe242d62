"""Each Slack request is handled once, however often it arrives.

Slack redelivers an event whenever an ack is slow (``X-Slack-Retry-Num``), and a captured signed
request can be replayed for five minutes. Before a listener runs, the request's stable key is
recorded in the inbox (``source`` + ``external_id``, unique, in the database, so it holds across
restarts and processes, on SQLite and PostgreSQL alike, as Telegram's ``update_id`` does):

* an event: ``slack:event`` + its ``event_id``;
* a button click: ``slack:action`` + the action's ``action_ts``, the clicking user and the action ids;
* a slash command: ``slack:command`` + its ``trigger_id`` (a replay would otherwise hand the
  answer - an order card, a customer's details - to whoever replays it).

A key already recorded is acknowledged with an empty 200 (a slash command with a short ephemeral
note) and nothing else happens. The key is recorded before the work is done: a crash in between
loses that one request rather than doing it twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.channels.slack.inbound import BLOCK_ACTIONS, EVENT_CALLBACK
from storage.store import Store

log = logging.getLogger(__name__)

ALREADY_ANSWERED_TEXT = "That command was already answered."
#: longest key stored as is (the inbox's ``external_id`` holds 200 characters)
MAX_KEY_CHARS = 200

Middleware = Callable[
    [AsyncBoltRequest, BoltResponse, Callable[[], Awaitable[BoltResponse]]], Awaitable[BoltResponse | None]
]


@dataclass(frozen=True, slots=True)
class ReplayKey:
    """Where a request is recorded in the inbox: ``source`` (its kind) and ``external_id``."""

    source: str
    external_id: str


def _stored(key: str) -> str:
    """``key`` as stored: as is when short printable ASCII, else its SHA-256 (never too long, never a NUL)."""
    if len(key) <= MAX_KEY_CHARS and key.isascii() and key.isprintable():
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def replay_key(body: Mapping[str, Any]) -> ReplayKey | None:
    """The key that identifies this request across redeliveries, or None for requests without effects."""
    kind = body.get("type")
    if kind == EVENT_CALLBACK:
        return ReplayKey("slack:event", _stored(str(body.get("event_id"))))
    if kind == BLOCK_ACTIONS:
        actions = body.get("actions") or []
        user = (body.get("user") or {}).get("id")
        stamp = next((a.get("action_ts") for a in actions if a.get("action_ts")), None) or body.get(
            "trigger_id"
        )
        ids = ",".join(str(a.get("action_id")) for a in actions)
        return ReplayKey("slack:action", _stored(f"{stamp}:{user}:{ids}"))
    if body.get("command") is not None:
        return ReplayKey("slack:command", _stored(str(body.get("trigger_id"))))
    return None


def once_only(store: Store) -> Middleware:
    """A slack_bolt middleware that lets each request through once (see the module docstring)."""

    async def only_once(
        req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse | None:
        key = replay_key(req.body)
        if key is None:
            return await next()
        async with store.transaction() as repos:
            first = await repos.inbox.record(source=key.source, external_id=key.external_id)
        if first:
            return await next()
        retry = req.headers.get("x-slack-retry-num", [None])[0]
        log.info(
            "%s already handled; the repeat is ignored%s",
            key.source,
            f" (Slack retry {retry})" if retry is not None and str(retry).isdigit() else "",
        )
        if key.source == "slack:command":
            body = {"response_type": "ephemeral", "text": ALREADY_ANSWERED_TEXT}
            return BoltResponse(
                status=200, body=json.dumps(body), headers={"content-type": "application/json"}
            )
        return BoltResponse(status=200, body="")

    return only_once
