"""``slack_feature``: Slack for support staff, mounted at ``POST /slack/events`` in our aiohttp app.

Register it after the conversation feature (it hooks into ``app[ENGINE]`` when the app starts)
and before the notify feature, whose outbox dispatcher posts handoffs and shopper messages during
a handoff (``bot.notify.staff``); without the notify feature they stay queued in the outbox.
Runs only when ``settings.slack_enabled`` (bot token and signing secret set).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient

from bot.app_keys import CLOCK, SERVICES, SETTINGS, STORE
from bot.channels.senders import sender_registry
from bot.channels.slack.alerts import SlackAlerts
from bot.channels.slack.handoffs import DESK, SlackHandoffs
from bot.channels.slack.inbound import SlackRequestError, is_handled, parse_request
from bot.channels.slack.listeners import build_bolt_app
from bot.channels.slack.pacing import SHARED_PROVIDER, SharedChannelPacer, slack_limits
from bot.channels.slack.verify import RequestVerifier
from bot.channels.slack.web_api import SlackWebApi
from bot.channels.slack.work import SerialWork
from bot.config import Settings
from bot.engine.feature import ENGINE, SEARCH_INDEX
from bot.handoffs.feature import handoff_service
from bot.notify.ratelimit import app_pacers
from bot.notify.staff import HandoffOutbox
from knowledge.search import SearchIndex

log = logging.getLogger(__name__)

#: seconds one Slack Web API call may take
API_TIMEOUT_SECONDS = 15
#: ``app[SERVICES]`` key of the outbox dispatcher's wake-up (published by the notify feature)
WAKE_DISPATCHER = "wake_dispatcher"


@dataclass(frozen=True, slots=True)
class SlackChannel:
    """The running Slack integration: the request verifier, the web API, the bolt app, the handoff side
    and its job queue."""

    verifier: RequestVerifier
    api: SlackWebApi
    bolt: AsyncApp
    handoffs: SlackHandoffs
    work: SerialWork

    async def idle(self) -> None:
        """Wait until every queued Slack job (posts, relays, button clicks) has finished."""
        await self.work.idle()


SLACK: web.AppKey[SlackChannel] = web.AppKey("slack", SlackChannel)
#: staff alerts (``await app[SLACK_ALERTS].alert(order_id, kind, text)``) for the notify feature
SLACK_ALERTS: web.AppKey[SlackAlerts] = web.AppKey("slack_alerts", SlackAlerts)


def slack_feature(app: web.Application, settings: Settings) -> None:
    """Add ``POST /slack/events`` and the Slack client, when Slack is configured."""
    if not settings.slack_enabled:
        return
    sender_registry(app)  # created now so every channel's context can register in it
    app_pacers(app)  # posts to a channel are paced for every process together (PostgreSQL)
    app.router.add_post("/slack/events", slack_events)
    app.cleanup_ctx.append(_slack_context)


async def slack_events(request: web.Request) -> web.StreamResponse:
    """Events, slash commands and button clicks: verified, checked, then handed to bolt.

    The signature is checked on the raw bytes first (unsigned, badly signed or stale: 401); a
    signed body that is malformed or of the wrong shape gets 400 with the reason; a kind of request
    doorstep does not handle is acknowledged (200) and ignored. Bolt receives the checked body as
    JSON. Request bodies are never logged.
    """
    slack = request.app[SLACK]
    raw = await request.read()
    if not slack.verifier.is_signed(raw, request.headers):
        log.warning("refused a Slack request without a valid, fresh signature")
        return web.json_response({"error": "invalid or missing Slack signature"}, status=401)
    try:
        body = parse_request(raw, request.content_type)
    except SlackRequestError as exc:
        log.warning("refused a signed Slack request: %s", exc.reason)
        return web.json_response({"error": exc.reason}, status=400)
    if not is_handled(body):
        log.info("ignored a Slack request of a kind doorstep does not handle")
        return web.Response(status=200)
    headers = {name: value for name, value in request.headers.items() if name.lower() != "content-type"}
    headers["Content-Type"] = "application/json"
    bolt_request = AsyncBoltRequest(body=json.dumps(body), query=request.query_string, headers=headers)
    response = await slack.bolt.async_dispatch(bolt_request)
    return await to_aiohttp_response(response)


def _wake(app: web.Application) -> None:
    """Let the outbox dispatcher (the notify feature's, when it runs) look for new rows now."""
    wake = app[SERVICES].get(WAKE_DISPATCHER)
    if wake is not None:
        wake()


async def _slack_context(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    store = app[STORE]
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=API_TIMEOUT_SECONDS))
    client = AsyncWebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_base_url,
        session=session,
        timeout=API_TIMEOUT_SECONDS,
    )
    pacers = app_pacers(app)
    pacer = SharedChannelPacer(pacers.for_channel(SHARED_PROVIDER, slack_limits())) if pacers.shared else None
    api = SlackWebApi(client, app[CLOCK], pacer=pacer)
    work = SerialWork()

    def search_index() -> SearchIndex | None:
        return app.get(SEARCH_INDEX)

    service = handoff_service(app)
    handoffs = SlackHandoffs(
        api=api, store=store, support_channel=settings.slack_support_channel, service=service, work=work
    )
    service.observe(DESK, handoffs)
    bolt = build_bolt_app(
        client=client,
        signing_secret=settings.slack_signing_secret or "",
        team_id=settings.slack_team_id,
        store=store,
        handoffs=handoffs,
        search_index=search_index,
    )
    if ENGINE in app:
        outbox = HandoffOutbox(store, app[CLOCK], settings.slack_support_channel, wake=lambda: _wake(app))
        app[ENGINE].add_hooks(outbox)
        app[ENGINE].add_hooks(handoffs)
        await outbox.queue_unposted()
    else:
        log.warning("slack without the conversation engine: no handoffs, slash commands only")
    verifier = RequestVerifier(settings.slack_signing_secret or "")
    app[SLACK] = SlackChannel(verifier=verifier, api=api, bolt=bolt, handoffs=handoffs, work=work)
    app[SLACK_ALERTS] = SlackAlerts(api, store, settings.slack_support_channel)
    log.info("slack ready (support channel %s)", settings.slack_support_channel)
    try:
        yield
    finally:
        await work.close()
        await session.close()
