"""Staff alerts in the support channel (shipment exception, lost, returned to sender...)."""

from __future__ import annotations

from bot.channels.slack.blocks import Block, context, escape, order_summary, section, words
from bot.channels.slack.context import load_order_context
from bot.channels.slack.web_api import PostedMessage, SlackWebApi
from storage.store import Store

_ICONS = {
    "exception": ":warning:",
    "lost": ":mag:",
    "returned_to_sender": ":leftwards_arrow_with_hook:",
    "delayed": ":hourglass:",
}


class SlackAlerts:
    """Posts staff alerts about an order to the support channel."""

    def __init__(self, api: SlackWebApi, store: Store, channel: str) -> None:
        self._api = api
        self._store = store
        self._channel = channel

    async def alert(self, order_id: int | None, kind: str, text: str) -> PostedMessage:
        """Post an alert of ``kind`` (e.g. ``exception``, ``lost``, ``returned_to_sender``) with ``text``.

        The order's context (status, shipments, open cases) is added when ``order_id`` names a
        stored order. Raises :class:`bot.channels.slack.errors.SlackError` when Slack refuses.
        """
        order = None
        if order_id is not None:
            async with self._store.transaction() as repos:
                order = await load_order_context(repos, order_id=order_id)
        icon = _ICONS.get(kind, ":rotating_light:")
        title = f"{icon} *{escape(words(kind).capitalize())}*"
        if order is not None:
            title += f" · order {escape(order.details.number)}"
        blocks: list[Block] = [section(f"{title}\n{escape(text)}")]
        if order is not None:
            blocks.append(section(order_summary(order.details, order.open_cases)))
        blocks.append(context("doorstep alert · reply in the thread to discuss"))
        number = f" order {order.details.number}" if order is not None else ""
        fallback = f"Alert ({words(kind)}){number}: {text}"
        return await self._api.post_message(self._channel, fallback, blocks=blocks)
