"""The WhatsApp :class:`~bot.channels.base.Sender`: replies and proactive messages over pywa.

``send`` renders a reply (:mod:`bot.channels.whatsapp.render`) and sends each part. Proactive
messages (outbox rows, :meth:`WhatsAppSender.send_proactive`) follow Meta's rules:

- within 24 hours of the shopper's last message: the rendered reply, free-form;
- outside, or when WhatsApp answers 131047 (re-engagement required): the approved template mapped
  for the message's kind and locale (:mod:`bot.channels.whatsapp.templates`), with the order
  number, the status and the link;
- no template mapped: never free-form; :class:`OutsideWindow` (retried later), and
  :meth:`WhatsAppSender.refusal` tells the dispatcher beforehand so it picks another channel or
  holds the message with the reason ``no template ...``.

The sender does no rate limiting of its own: the caller paces it.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from pywa_async import WhatsApp
from pywa_async.types import Button, Section, SectionList, SectionRow
from pywa_async.types.templates import TemplateLanguage

from bot.channels.base import PermanentFailure, SendError, SendResult
from bot.channels.whatsapp.adapter import CHANNEL
from bot.channels.whatsapp.client import whatsapp_errors
from bot.channels.whatsapp.errors import OutsideWindow, WindowClosed
from bot.channels.whatsapp.render import Outgoing, render
from bot.channels.whatsapp.templates import (
    TemplateBook,
    TemplateRef,
    in_window,
    no_template_reason,
    template_components,
)
from bot.channels.whatsapp.wording import LIST_SECTION_TITLE
from bot.clock import Clock
from bot.notify.payload import payload_to_reply
from handlers.messages import Reply
from storage.models import ChannelIdentity, OutboxMessage
from storage.repositories.snapshots import IdentityRow
from storage.store import Repositories, Store

log = logging.getLogger(__name__)


def _recipient(recipient: str) -> str:
    """A WhatsApp id is the shopper's number in digits; anything else is refused before sending."""
    wa_id = recipient.strip().lstrip("+")
    if not wa_id.isdigit():
        raise PermanentFailure("not a WhatsApp number")
    return wa_id


class _Language(str):
    """A template language code as pywa's ``send_template`` reads it (``language.value``)."""

    @property
    def value(self) -> str:
        return str(self)


def _language(code: str) -> TemplateLanguage | _Language:
    """pywa's enum member for ``code`` when it knows it, else the code as it is."""
    try:
        return TemplateLanguage(code)
    except ValueError:
        return _Language(code)


class WhatsAppSender:
    """Sends to WhatsApp numbers through ``client``; see the module docstring.

    ``store`` and ``clock`` tell when the shopper last wrote (the window); ``templates`` are the
    mapped templates; ``fallback_link`` fills a template's link when the message has none.
    """

    channel = CHANNEL

    def __init__(
        self, client: WhatsApp, *, store: Store, clock: Clock, templates: TemplateBook, fallback_link: str
    ) -> None:
        self._client = client
        self._store = store
        self._clock = clock
        self._templates = templates
        self._fallback_link = fallback_link

    # ---- conversational replies ----------------------------------------------------------------
    async def send(self, recipient: str, reply: Reply) -> SendResult:
        """Send every part of ``reply`` to ``recipient``; the result names the last message."""
        last: str | None = None
        for outgoing in render(reply):
            last = await self.send_outgoing(recipient, outgoing)
        return SendResult(provider_message_id=last)

    async def send_outgoing(self, recipient: str, outgoing: Outgoing) -> str:
        """One WhatsApp message (text, reply buttons or a list); answers its id (``wamid...``)."""
        to = _recipient(recipient)
        buttons: Any = None
        if outgoing.buttons:
            buttons = [
                Button(title=choice.title, callback_data=choice.payload) for choice in outgoing.buttons
            ]
        elif outgoing.rows:
            rows = [
                SectionRow(title=choice.title, callback_data=choice.payload, description=choice.description)
                for choice in outgoing.rows
            ]
            buttons = SectionList(
                button_title=outgoing.list_button, sections=[Section(title=LIST_SECTION_TITLE, rows=rows)]
            )
        with whatsapp_errors():
            sent = await self._client.send_message(to=to, text=outgoing.text, buttons=buttons)
        return str(sent.id)

    async def send_template(
        self, recipient: str, template: TemplateRef, components: list[dict[str, Any]]
    ) -> str:
        """An approved template message; answers its id."""
        to = _recipient(recipient)
        with whatsapp_errors():
            sent = await self._client.send_template(
                to=to,
                name=template.name,
                language=_language(template.language),  # type: ignore[arg-type]
                params=components,
            )
        return str(sent.id)

    # ---- proactive messages --------------------------------------------------------------------
    async def send_proactive(self, message: OutboxMessage) -> SendResult:
        """Send an outbox row inside Meta's rules (see the module docstring)."""
        payload = message.payload or {}
        async with self._store.transaction() as repos:
            last = await repos.identities.last_message_at(channel=CHANNEL, external_id=message.recipient)
        if in_window(last, self._clock.now()):
            try:
                return await self.send(message.recipient, payload_to_reply(payload))
            except WindowClosed:
                log.info("whatsapp said the window is closed (131047); trying the template")
                async with self._store.transaction() as repos:
                    await repos.identities.forget_last_message(channel=CHANNEL, external_id=message.recipient)
        locale = _locale(payload)
        template = self._templates.find(message.kind, locale)
        if template is None:
            raise OutsideWindow(no_template_reason(message.kind, locale))
        order_number = ""
        if message.order_id is not None:
            async with self._store.transaction() as repos:
                order = await repos.orders.get(order_id=message.order_id)
            order_number = order.order_number if order is not None else ""
        link = _first_link(payload) or self._fallback_link
        components = template_components(order_number, message.kind, link)
        return SendResult(
            provider_message_id=await self.send_template(message.recipient, template, components)
        )

    async def refusal(
        self,
        repos: Repositories,
        identity: ChannelIdentity | IdentityRow,
        message: OutboxMessage,
        now: datetime,
    ) -> str | None:
        """``no template ...`` when ``message`` could go to ``identity`` neither free-form (outside the
        window) nor as a template (none mapped); None when it can go."""
        locale = _locale(message.payload or {})
        if self._templates.find(message.kind, locale) is not None:
            return None
        last = await repos.identities.last_message_at(
            channel=identity.channel, external_id=identity.external_id
        )
        return None if in_window(last, now) else no_template_reason(message.kind, locale)

    # ---- read marks and typing -----------------------------------------------------------------
    async def mark_read(self, message_id: str, *, typing: bool = False) -> None:
        """Mark the shopper's message read; with ``typing``, also show "typing..." (WhatsApp shows it
        until the reply arrives, 25 seconds at most). Failures are logged, never raised."""
        try:
            with whatsapp_errors():
                if typing:
                    await self._client.indicate_typing(message_id=message_id)
                else:
                    await self._client.mark_message_as_read(message_id=message_id)
        except SendError as exc:  # a read mark is a courtesy: it must never cost the reply
            log.warning("whatsapp read mark failed: %s", exc)


def _locale(payload: dict[str, Any]) -> str:
    locale = payload.get("locale")
    return locale if isinstance(locale, str) and locale else "en"


def _first_link(payload: dict[str, Any]) -> str | None:
    for link in payload.get("links") or []:
        url = link.get("url") if isinstance(link, dict) else None
        if isinstance(url, str) and url.startswith(("https://", "http://")):
            return url
    return None
