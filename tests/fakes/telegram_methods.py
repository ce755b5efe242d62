"""The Bot API methods FakeTelegram implements, over its in-memory chats, messages, files and webhook."""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.errors import ApiRejection
from tests.fakes.telegram_checks import (
    check_callback_answer,
    check_caption,
    check_chat_action,
    check_message_text,
    check_reply_markup,
    normalize_parse_mode,
)
from tests.fakes.telegram_spec import TelegramApiSpec, UploadedFile
from tests.fakes.telegram_updates import DEFAULT_BOT_FIRST_NAME

ChatKey = int | str
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_BOT_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same as a "
    "current content and reply markup of the message"
)


def _bad_request(text: str) -> ApiRejection:
    return ApiRejection(400, f"Bad Request: {text}")


def chat_key(chat_id: Any) -> ChatKey:
    """Normalize a chat id as tests and clients pass it (int, numeric string, or @username)."""
    if isinstance(chat_id, str) and re.fullmatch(r"-?\d+", chat_id):
        return int(chat_id)
    return chat_id


@dataclass
class StoredFile:
    """A file the fake can serve: its id, download path and bytes."""

    file_id: str
    file_path: str
    content: bytes
    file_unique_id: str = field(default="")

    def as_file(self) -> dict[str, Any]:
        """The Bot API `File` object."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id or hashlib.sha1(self.file_id.encode()).hexdigest()[:15],
            "file_size": len(self.content),
            "file_path": self.file_path,
        }


@dataclass
class WebhookConfig:
    """What setWebhook registered."""

    url: str
    secret_token: str | None
    max_connections: int
    allowed_updates: list[str] | None
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


class BotApiMethods:
    """State and method implementations of one fake bot. Methods take decoded params, return results."""

    def __init__(self, spec: TelegramApiSpec, bot: dict[str, Any], *, strict_chats: bool) -> None:
        self.spec = spec
        self.bot = bot
        self.strict_chats = strict_chats
        self.chats: dict[ChatKey, dict[str, Any]] = {}
        self.messages: dict[tuple[ChatKey, int], dict[str, Any]] = {}
        self.last_message_id: dict[ChatKey, int] = {}
        self.files_by_id: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.webhook: WebhookConfig | None = None
        self.commands: list[dict[str, Any]] = []
        self._button_fields = spec.type_fields("InlineKeyboardButton")

    # ---- state helpers -------------------------------------------------------------------------

    def next_message_id(self, key: ChatKey) -> int:
        """Allocate the next message id of a chat (shared by the bot's and the user's messages)."""
        self.last_message_id[key] = self.last_message_id.get(key, 0) + 1
        return self.last_message_id[key]

    def note_message(self, message: dict[str, Any]) -> None:
        """Remember a message seen in an update (its chat, and its id so the next ids follow it)."""
        chat = message.get("chat")
        if not isinstance(chat, dict) or "id" not in chat:
            return
        key = chat_key(chat["id"])
        self.chats.setdefault(key, chat)
        message_id = message.get("message_id")
        if isinstance(message_id, int):
            self.last_message_id[key] = max(self.last_message_id.get(key, 0), message_id)
            self.messages.setdefault((key, message_id), message)

    def chat(self, chat_id: Any) -> dict[str, Any]:
        """The Chat object for `chat_id`; Bad Request for an unknown chat in strict mode."""
        key = chat_key(chat_id)
        known = self.chats.get(key)
        if known is not None:
            return known
        if self.strict_chats:
            raise _bad_request("chat not found")
        if isinstance(key, int) and key > 0:
            return {"id": key, "type": "private", "first_name": "Shopper"}
        if isinstance(key, int):
            return {"id": key, "type": "supergroup", "title": f"Group {key}"}
        return {
            "id": -1001000000000,
            "type": "channel",
            "title": key.lstrip("@"),
            "username": key.lstrip("@"),
        }

    def add_file(self, file_id: str, content: bytes, file_path: str | None = None) -> StoredFile:
        """Register a downloadable file."""
        path = (
            file_path
            or f"documents/file_{len(self.files_by_id)}_{hashlib.sha1(file_id.encode()).hexdigest()[:8]}"
        )
        stored = StoredFile(file_id=file_id, file_path=path, content=content)
        self.files_by_id[file_id] = stored
        self.files_by_path[path] = stored
        return stored

    def _new_bot_message(self, chat_id: Any, extra: dict[str, Any]) -> dict[str, Any]:
        chat = self.chat(chat_id)
        key = chat_key(chat_id)
        message = {
            "message_id": self.next_message_id(key),
            "from": self.bot,
            "chat": chat,
            "date": int(time.time()),
            **extra,
        }
        self.messages[(key, message["message_id"])] = message
        return message

    def _markup(self, params: dict[str, Any], *, inline_only: bool) -> dict[str, Any]:
        markup = params.get("reply_markup")
        if markup is None:
            return {}
        check_reply_markup(markup, self._button_fields, inline_only=inline_only)
        return {"reply_markup": markup} if "inline_keyboard" in markup else {}

    def _editable(self, params: dict[str, Any]) -> dict[str, Any] | None:
        """The bot message an edit targets (None for inline messages); synthesized if never seen."""
        if params.get("inline_message_id"):
            return None
        if params.get("chat_id") is None:
            raise _bad_request("chat_id is empty")
        if params.get("message_id") is None:
            raise _bad_request("message identifier is not specified")
        key = chat_key(params["chat_id"])
        message = self.messages.get((key, params["message_id"]))
        if message is None:
            if params["message_id"] <= self.last_message_id.get(key, 0):
                raise _bad_request("message to edit not found")
            message = {
                "message_id": params["message_id"],
                "from": self.bot,
                "chat": self.chat(key),
                "date": int(time.time()),
                "text": "",
            }
            self.messages[(key, params["message_id"])] = message
        if message.get("from", {}).get("id") != self.bot["id"]:
            raise _bad_request("message can't be edited")
        return message

    # ---- methods -------------------------------------------------------------------------------

    def get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        """getMe."""
        return {
            **self.bot,
            "first_name": self.bot.get("first_name", DEFAULT_BOT_FIRST_NAME),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        """sendMessage."""
        parse_mode = normalize_parse_mode(params.get("parse_mode"))
        visible = check_message_text(params["text"], parse_mode)
        markup = self._markup(params, inline_only=False)
        return self._new_bot_message(params["chat_id"], {"text": visible, **markup})

    def send_photo(self, params: dict[str, Any]) -> dict[str, Any]:
        """sendPhoto (an upload, a file_id or a URL)."""
        stored = self._media_file(params["photo"], "photos", ".jpg")
        caption = check_caption(params.get("caption"), normalize_parse_mode(params.get("parse_mode")))
        sizes = [
            {
                "file_id": f"{stored.file_id}_{w}",
                "file_unique_id": f"u{stored.file_id[-8:]}{w}",
                "width": w,
                "height": h,
                "file_size": max(1, len(stored.content) * w // 800),
            }
            for w, h in ((90, 67), (320, 240), (800, 600))
        ]
        sizes[-1]["file_id"] = stored.file_id
        extra: dict[str, Any] = {"photo": sizes, **self._markup(params, inline_only=False)}
        if caption is not None:
            extra["caption"] = caption
        return self._new_bot_message(params["chat_id"], extra)

    def send_document(self, params: dict[str, Any]) -> dict[str, Any]:
        """sendDocument (an upload, a file_id or a URL)."""
        document = params["document"]
        stored = self._media_file(document, "documents", "")
        caption = check_caption(params.get("caption"), normalize_parse_mode(params.get("parse_mode")))
        file_name = (
            document.filename if isinstance(document, UploadedFile) else stored.file_path.rsplit("/", 1)[-1]
        )
        extra: dict[str, Any] = {
            "document": {
                "file_id": stored.file_id,
                "file_unique_id": stored.as_file()["file_unique_id"],
                "file_name": file_name,
                "mime_type": (document.content_type if isinstance(document, UploadedFile) else None)
                or "application/octet-stream",
                "file_size": len(stored.content),
            },
            **self._markup(params, inline_only=False),
        }
        if caption is not None:
            extra["caption"] = caption
        return self._new_bot_message(params["chat_id"], extra)

    def _media_file(self, value: UploadedFile | str, folder: str, suffix: str) -> StoredFile:
        if isinstance(value, UploadedFile):
            file_id = f"BQACAgQAAxkDAAI{uuid.uuid4().hex[:20]}"
            name = value.filename or f"file{suffix}"
            return self.add_file(file_id, value.data, f"{folder}/{file_id[-8:]}_{name}")
        existing = self.files_by_id.get(value)
        if existing is not None:
            return existing
        return self.add_file(
            value,
            f"fake content of {value}".encode(),
            f"{folder}/{hashlib.sha1(value.encode()).hexdigest()[:12]}{suffix}",
        )

    def edit_message_text(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        """editMessageText."""
        if not params.get("text"):
            raise _bad_request("message text is empty")
        visible = check_message_text(params["text"], normalize_parse_mode(params.get("parse_mode")))
        markup = self._markup(params, inline_only=True)
        message = self._editable(params)
        if message is None:
            return True
        if message.get("text") == visible and message.get("reply_markup") == markup.get("reply_markup"):
            raise _bad_request(NOT_MODIFIED)
        message["text"] = visible
        message.pop("reply_markup", None)
        message.update(markup)
        message["edit_date"] = int(time.time())
        return message

    def edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        """editMessageReplyMarkup (no reply_markup removes the keyboard)."""
        markup = self._markup(params, inline_only=True)
        message = self._editable(params)
        if message is None:
            return True
        if message.get("reply_markup") == markup.get("reply_markup"):
            raise _bad_request(NOT_MODIFIED)
        message.pop("reply_markup", None)
        message.update(markup)
        message["edit_date"] = int(time.time())
        return message

    def delete_message(self, params: dict[str, Any]) -> bool:
        """deleteMessage."""
        key = chat_key(params["chat_id"])
        if self.messages.pop((key, params["message_id"]), None) is None:
            raise _bad_request("message to delete not found")
        return True

    def answer_callback_query(self, params: dict[str, Any]) -> bool:
        """answerCallbackQuery."""
        check_callback_answer(params.get("text"))
        return True

    def send_chat_action(self, params: dict[str, Any]) -> bool:
        """sendChatAction."""
        self.chat(params["chat_id"])
        check_chat_action(params["action"])
        return True

    def get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        """getFile: a registered file, or a small generated one for any other file_id."""
        file_id = params["file_id"]
        stored = self.files_by_id.get(file_id)
        if stored is None:
            digest = hashlib.sha1(file_id.encode()).hexdigest()[:12]
            stored = self.add_file(
                file_id, f"fake telegram file {file_id}".encode(), f"documents/file_{digest}.bin"
            )
        return stored.as_file()

    def set_webhook(self, params: dict[str, Any]) -> bool:
        """setWebhook (an empty url removes the webhook, as in the real API)."""
        if not params["url"]:
            self.webhook = None
            return True
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
            raise _bad_request("secret token contains unallowed characters")
        max_connections = params.get("max_connections", 40)
        if not 1 <= max_connections <= 100:
            raise _bad_request("bad webhook: max_connections must be between 1 and 100")
        if not params["url"].startswith(("http://", "https://")):
            raise _bad_request("bad webhook: Failed to resolve host: Name or service not known")
        self.webhook = WebhookConfig(
            url=params["url"],
            secret_token=secret,
            max_connections=max_connections,
            allowed_updates=params.get("allowed_updates"),
            ip_address=params.get("ip_address"),
        )
        return True

    def delete_webhook(self, params: dict[str, Any]) -> bool:
        """deleteWebhook."""
        self.webhook = None
        return True

    def get_webhook_info(self, pending_update_count: int) -> dict[str, Any]:
        """getWebhookInfo."""
        if self.webhook is None:
            return {"url": "", "has_custom_certificate": False, "pending_update_count": pending_update_count}
        info: dict[str, Any] = {
            "url": self.webhook.url,
            "has_custom_certificate": False,
            "pending_update_count": pending_update_count,
            "max_connections": self.webhook.max_connections,
            "ip_address": self.webhook.ip_address or "127.0.0.1",
        }
        if self.webhook.allowed_updates is not None:
            info["allowed_updates"] = self.webhook.allowed_updates
        if self.webhook.last_error_date is not None:
            info["last_error_date"] = self.webhook.last_error_date
            info["last_error_message"] = self.webhook.last_error_message
        return info

    def set_my_commands(self, params: dict[str, Any]) -> bool:
        """setMyCommands."""
        commands = params["commands"]
        for command in commands:
            if not isinstance(command, dict) or not _BOT_COMMAND.fullmatch(str(command.get("command", ""))):
                raise _bad_request("BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise _bad_request("command description is empty")
        self.commands = list(commands)
        return True
