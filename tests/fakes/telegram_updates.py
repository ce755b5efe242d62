"""Builders of realistic Telegram `Update` dicts, as the Bot API sends them to bots.

Ids left as None (`update_id`, a message's `message_id`) are filled in by `FakeTelegram.prepare_update`
(called by `push_update` and `deliver_webhook`), so updates pushed to one fake get increasing,
unique ids. Pass explicit ids to use a dict without a fake (e.g. `telegram.Update.de_json`).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

DEFAULT_BOT_ID = 7000000001
DEFAULT_BOT_USERNAME = "doorstep_test_bot"
DEFAULT_BOT_FIRST_NAME = "Doorstep Test Bot"


def bot_user(bot_id: int = DEFAULT_BOT_ID, username: str = DEFAULT_BOT_USERNAME) -> dict[str, Any]:
    """The `User` of a bot, as it appears in `from` of the bot's own messages."""
    return {"id": bot_id, "is_bot": True, "first_name": DEFAULT_BOT_FIRST_NAME, "username": username}


def human_user(user_id: int, first_name: str = "Ann", username: str | None = None) -> dict[str, Any]:
    """The `User` of a shopper."""
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"}
    if username:
        user["username"] = username
    return user


def chat_for(chat_id: int, first_name: str = "Ann") -> dict[str, Any]:
    """A `Chat`: private for a positive id, a supergroup for a negative one."""
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": first_name}
    return {"id": chat_id, "type": "supergroup", "title": f"Group {chat_id}"}


def _message(
    chat_id: int,
    *,
    message_id: int | None,
    first_name: str,
    user_id: int | None,
    date: int | None,
) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "from": human_user(user_id if user_id is not None else abs(chat_id), first_name),
        "chat": chat_for(chat_id, first_name),
        "date": date if date is not None else int(time.time()),
    }


def _update(update_id: int | None, key: str, payload: dict[str, Any]) -> dict[str, Any]:
    update: dict[str, Any] = {key: payload}
    if update_id is not None:
        update["update_id"] = update_id
    return update


def _command_entities(text: str) -> list[dict[str, Any]]:
    if not text.startswith("/"):
        return []
    command = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": len(command)}]


def make_text_update(
    chat_id: int,
    text: str,
    update_id: int | None = None,
    first_name: str = "Ann",
    *,
    message_id: int | None = None,
    user_id: int | None = None,
    date: int | None = None,
) -> dict[str, Any]:
    """A `message` update with `text` (commands get their `bot_command` entity)."""
    message = _message(chat_id, message_id=message_id, first_name=first_name, user_id=user_id, date=date)
    message["text"] = text
    entities = _command_entities(text)
    if entities:
        message["entities"] = entities
    return _update(update_id, "message", message)


def make_start_update(
    chat_id: int,
    payload: str | None = None,
    update_id: int | None = None,
    first_name: str = "Ann",
    *,
    message_id: int | None = None,
) -> dict[str, Any]:
    """`/start <payload>` as sent when a shopper opens a deep link `t.me/<bot>?start=<payload>`."""
    text = f"/start {payload}" if payload else "/start"
    return make_text_update(chat_id, text, update_id, first_name, message_id=message_id)


def make_callback_update(
    chat_id: int,
    data: str,
    message_id: int,
    update_id: int | None = None,
    first_name: str = "Ann",
    *,
    message_text: str = "Choose an option",
    callback_query_id: str | None = None,
    bot_id: int = DEFAULT_BOT_ID,
) -> dict[str, Any]:
    """A `callback_query` update: the shopper pressed a button carrying `data` under bot message `message_id`."""
    message = {
        "message_id": message_id,
        "from": bot_user(bot_id),
        "chat": chat_for(chat_id, first_name),
        "date": int(time.time()),
        "text": message_text,
    }
    query = {
        "id": callback_query_id or str(uuid.uuid4().int % 10**19),
        "from": human_user(abs(chat_id), first_name),
        "message": message,
        "chat_instance": str(uuid.uuid5(uuid.NAMESPACE_OID, str(chat_id)).int % 10**19),
        "data": data,
    }
    return _update(update_id, "callback_query", query)


def make_photo_update(
    chat_id: int,
    caption: str | None = None,
    update_id: int | None = None,
    first_name: str = "Ann",
    *,
    file_id: str | None = None,
    message_id: int | None = None,
) -> dict[str, Any]:
    """A `message` update with a photo (three sizes, like Telegram sends) and an optional caption."""
    base_id = file_id or f"AgACAgQAAxkBAAI{uuid.uuid4().hex[:16]}"
    sizes = [(90, 67, 1200), (320, 240, 15000), (800, 600, 60000)]
    message = _message(chat_id, message_id=message_id, first_name=first_name, user_id=None, date=None)
    message["photo"] = [
        {
            "file_id": base_id if index == len(sizes) - 1 else f"{base_id}_{width}",
            "file_unique_id": f"AQAD{base_id[-8:]}{index}",
            "width": width,
            "height": height,
            "file_size": size,
        }
        for index, (width, height, size) in enumerate(sizes)
    ]
    if caption is not None:
        message["caption"] = caption
    return _update(update_id, "message", message)


def make_sticker_update(
    chat_id: int,
    emoji: str = "👍",
    update_id: int | None = None,
    first_name: str = "Ann",
    *,
    message_id: int | None = None,
) -> dict[str, Any]:
    """A `message` update with a regular static sticker."""
    message = _message(chat_id, message_id=message_id, first_name=first_name, user_id=None, date=None)
    message["sticker"] = {
        "file_id": f"CAACAgIAAxkBAAI{uuid.uuid4().hex[:16]}",
        "file_unique_id": f"AgAD{uuid.uuid4().hex[:8]}",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": emoji,
        "file_size": 24000,
    }
    return _update(update_id, "message", message)


def make_edited_message_update(
    chat_id: int,
    message_id: int,
    text: str,
    update_id: int | None = None,
    first_name: str = "Ann",
) -> dict[str, Any]:
    """An `edited_message` update: the shopper edited their message `message_id` to `text`."""
    now = int(time.time())
    message = _message(chat_id, message_id=message_id, first_name=first_name, user_id=None, date=now - 30)
    message["text"] = text
    message["edit_date"] = now
    return _update(update_id, "edited_message", message)
