"""Telegram ``Update`` -> what the channel should do with it. Translation only, no I/O.

Every update becomes an :class:`Inbound`: a shopper's message for the engine (text, a pressed
button, a photo or document), one of the bot's commands (``/start``, ``/help``, ``/stop``,
``/agent``), something the bot cannot read (stickers, voice, locations ...), or nothing to
answer (group chats, updates without a chat). ``message_id`` is the ``update_id``, so a
redelivered update is recognised and processed once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from telegram import Chat, Message, Update

from handlers.messages import Attachment, IncomingMessage

CHANNEL = "telegram"
#: the commands the bot knows (shown by /help and registered with setMyCommands)
COMMANDS = ("start", "help", "stop", "agent")
_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{3,64}))?(?:\s+(.*))?$", re.DOTALL)


class InboundKind(StrEnum):
    """What an update asks of the channel."""

    MESSAGE = "message"
    COMMAND = "command"
    UNSUPPORTED = "unsupported"
    IGNORED = "ignored"


@dataclass(frozen=True, slots=True)
class Inbound:
    """One translated update.

    ``message`` is set for every kind but IGNORED (for UNSUPPORTED it carries no text).
    ``command`` is the lower-case command name without the slash (unknown ones included);
    ``argument`` what follows it (the deep-link payload of ``/start``).
    ``callback_query_id`` is set when a button was pressed: the query must be answered.
    """

    kind: InboundKind
    update_id: int
    chat_id: int | None = None
    message: IncomingMessage | None = None
    command: str | None = None
    argument: str = ""
    callback_query_id: str | None = None
    edited: bool = False

    @property
    def external_id(self) -> str:
        """The chat identity's external id (the chat id as text)."""
        return "" if self.chat_id is None else str(self.chat_id)


def _display_name(update: Update) -> str | None:
    user = update.effective_user
    return user.full_name if user is not None else None


def _attachments(message: Message) -> tuple[Attachment, ...]:
    found: list[Attachment] = []
    if message.photo:
        largest = max(message.photo, key=lambda size: (size.width * size.height, size.file_size or 0))
        found.append(Attachment(kind="photo", file_id=largest.file_id, mime_type="image/jpeg"))
    if message.document is not None:
        document = message.document
        found.append(
            Attachment(
                kind="document",
                file_id=document.file_id,
                file_name=document.file_name,
                mime_type=document.mime_type,
            )
        )
    return tuple(found)


def parse_command(text: str, bot_username: str | None = None) -> tuple[str, str] | None:
    """``("start", "payload")`` for ``/start payload`` (or ``/start@bot payload``), None for other text.

    A command addressed to another bot (``/start@other_bot``) is not ours: None.
    """
    match = _COMMAND.match(text.strip())
    if match is None:
        return None
    name, addressee, argument = match.group(1), match.group(2), match.group(3) or ""
    if addressee and bot_username and addressee.lower() != bot_username.lstrip("@").lower():
        return None
    return name.lower(), argument.strip()


def translate(update: Update, bot_username: str | None = None) -> Inbound:
    """The :class:`Inbound` for ``update`` (``bot_username`` filters commands meant for other bots)."""
    update_id = update.update_id
    chat = update.effective_chat
    if chat is None or chat.type != Chat.PRIVATE:
        return Inbound(kind=InboundKind.IGNORED, update_id=update_id)
    base = {
        "channel": CHANNEL,
        "external_id": str(chat.id),
        "message_id": str(update_id),
        "display_name": _display_name(update),
    }
    query = update.callback_query
    if query is not None:
        if not query.data:
            return Inbound(kind=InboundKind.IGNORED, update_id=update_id, chat_id=chat.id)
        return Inbound(
            kind=InboundKind.MESSAGE,
            update_id=update_id,
            chat_id=chat.id,
            message=IncomingMessage(payload=query.data, **base),  # type: ignore[arg-type]
            callback_query_id=query.id,
        )
    message = update.message or update.edited_message
    if message is None:
        return Inbound(kind=InboundKind.IGNORED, update_id=update_id, chat_id=chat.id)
    edited = update.edited_message is not None
    text = message.text or ""
    command = parse_command(text, bot_username) if text.startswith("/") else None
    if command is not None:
        name, argument = command
        link_token = argument if name == "start" and argument else None
        return Inbound(
            kind=InboundKind.COMMAND,
            update_id=update_id,
            chat_id=chat.id,
            message=IncomingMessage(text=text.strip(), link_token=link_token, **base),  # type: ignore[arg-type]
            command=name,
            argument=argument,
            edited=edited,
        )
    attachments = _attachments(message)
    if text or attachments:
        body = text or message.caption or ""
        return Inbound(
            kind=InboundKind.MESSAGE,
            update_id=update_id,
            chat_id=chat.id,
            message=IncomingMessage(text=body.strip(), attachments=attachments, **base),  # type: ignore[arg-type]
            edited=edited,
        )
    return Inbound(
        kind=InboundKind.UNSUPPORTED,
        update_id=update_id,
        chat_id=chat.id,
        message=IncomingMessage(**base),  # type: ignore[arg-type]
        edited=edited,
    )
