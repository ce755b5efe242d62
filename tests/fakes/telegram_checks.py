"""Content checks the real Bot API applies: text length, parse modes, reply markup, chat actions."""

from __future__ import annotations

import html
import re
from typing import Any

from tests.fakes.errors import ApiRejection
from tests.fakes.telegram_spec import FieldSpec

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
PARSE_MODES = {"html": "HTML", "markdown": "Markdown", "markdownv2": "MarkdownV2"}
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
HTML_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-emoji",
        "tg-time",
    }
)
BUTTON_LABEL_FIELDS = frozenset({"text", "icon_custom_emoji_id", "style"})
BUTTON_URL_PREFIXES = ("http://", "https://", "tg://")
# Characters MarkdownV2 reserves that never start formatting, so an unescaped one is always an error.
MARKDOWN_V2_ALWAYS_ESCAPED = "#+-={}.!"

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)>")
_CODE_SPAN = re.compile(r"```.*?```|`[^`]*`", re.DOTALL)


def _bad_request(text: str) -> ApiRejection:
    return ApiRejection(400, f"Bad Request: {text}")


def normalize_parse_mode(parse_mode: str | None) -> str | None:
    """The canonical parse mode name; Bad Request for an unknown one (the API ignores case)."""
    if parse_mode is None:
        return None
    canonical = PARSE_MODES.get(parse_mode.lower())
    if canonical is None:
        raise _bad_request("unsupported parse_mode")
    return canonical


def rendered_text(text: str, parse_mode: str | None) -> str:
    """The text as the user sees it: markup checked and removed. Bad Request on broken markup."""
    if parse_mode == "HTML":
        return _render_html(text)
    if parse_mode == "MarkdownV2":
        return _render_markdown_v2(text)
    if parse_mode == "Markdown":
        return re.sub(r"[*_`]", "", text)
    return text


def check_message_text(text: str, parse_mode: str | None, *, limit: int = MAX_TEXT_LENGTH) -> str:
    """Validate a message text (or caption) and return the rendered text."""
    visible = rendered_text(text, parse_mode)
    if not visible.strip():
        raise _bad_request("message text is empty")
    if len(visible) > limit:
        raise _bad_request(
            "message is too long" if limit == MAX_TEXT_LENGTH else "message caption is too long"
        )
    return visible


def check_caption(caption: str | None, parse_mode: str | None) -> str | None:
    """Validate an optional media caption and return it rendered."""
    if caption is None:
        return None
    visible = rendered_text(caption, parse_mode)
    if len(visible) > MAX_CAPTION_LENGTH:
        raise _bad_request("message caption is too long")
    return visible


def check_chat_action(action: str) -> None:
    """Bad Request for an action sendChatAction does not know."""
    if action not in CHAT_ACTIONS:
        raise _bad_request("wrong parameter action in request")


def check_callback_answer(text: str | None) -> None:
    """answerCallbackQuery texts are limited to 200 characters."""
    if text is not None and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
        raise _bad_request("MESSAGE_TOO_LONG")


def check_reply_markup(markup: Any, button_fields: dict[str, FieldSpec], *, inline_only: bool) -> None:
    """Validate reply_markup: an inline keyboard (buttons per the spec) or a reply keyboard/remove/force reply."""
    if not isinstance(markup, dict):
        raise _bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup["inline_keyboard"], button_fields)
        return
    if inline_only:
        raise _bad_request("inline keyboard expected")
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not _is_rows(rows) or not all(
            isinstance(button, str) or (isinstance(button, dict) and isinstance(button.get("text"), str))
            for row in rows
            for button in row
        ):
            raise _bad_request("can't parse keyboard button")
        return
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return
    raise _bad_request("can't parse reply keyboard markup JSON object")


def _is_rows(rows: Any) -> bool:
    return isinstance(rows, list) and all(isinstance(row, list) for row in rows)


def _check_inline_keyboard(rows: Any, button_fields: dict[str, FieldSpec]) -> None:
    if not _is_rows(rows):
        raise _bad_request('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays')
    for row in rows:
        for button in row:
            _check_inline_button(button, button_fields)


def _check_inline_button(button: Any, button_fields: dict[str, FieldSpec]) -> None:
    if not isinstance(button, dict):
        raise _bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    unknown = sorted(set(button) - set(button_fields))
    if unknown:
        raise _bad_request(f"can't parse inline keyboard button: unknown field {unknown[0]}")
    text = button.get("text")
    if not isinstance(text, str) or not text:
        raise _bad_request("can't parse inline keyboard button: Text must be non-empty")
    actions = [name for name in button if name not in BUTTON_LABEL_FIELDS]
    if not actions:
        raise _bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise _bad_request(
            f"can't parse inline keyboard button: more than one of {', '.join(sorted(actions))}"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
            raise _bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not url.startswith(BUTTON_URL_PREFIXES) or len(url) <= len("https://"):
            raise _bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


def _render_html(text: str) -> str:
    """Check tags the way Telegram does (known tags, balanced) and strip them."""
    open_tags: list[str] = []
    pieces: list[str] = []
    position = 0
    for match in _TAG.finditer(text):
        pieces.append(_check_html_text(text[position : match.start()], position))
        closing, name = match.group(1) == "/", match.group(2).lower()
        if name not in HTML_TAGS:
            kind = "end" if closing else "start"
            raise _bad_request(
                f'can\'t parse entities: Unsupported {kind} tag "{name}" at byte offset {match.start()}'
            )
        if closing:
            if not open_tags or open_tags[-1] != name:
                raise _bad_request(f"can't parse entities: Unexpected end tag at byte offset {match.start()}")
            open_tags.pop()
        else:
            open_tags.append(name)
        position = match.end()
    pieces.append(_check_html_text(text[position:], position))
    if open_tags:
        raise _bad_request(
            f"can't parse entities: Can't find end tag corresponding to start tag \"{open_tags[-1]}\""
        )
    return html.unescape("".join(pieces))


def _check_html_text(chunk: str, offset: int) -> str:
    index = chunk.find("<")
    if index >= 0:
        raise _bad_request(f"can't parse entities: Unsupported start tag at byte offset {offset + index}")
    return chunk


def _render_markdown_v2(text: str) -> str:
    """Reject unescaped reserved characters outside code, then strip escapes and markers."""
    outside_code = _CODE_SPAN.sub("", text)
    index = 0
    while index < len(outside_code):
        char = outside_code[index]
        if char == "\\":
            index += 2
            continue
        if char in MARKDOWN_V2_ALWAYS_ESCAPED:
            raise _bad_request(
                f"can't parse entities: Character '{char}' is reserved and must be escaped with the "
                "preceding '\\'"
            )
        index += 1
    without_markers = re.sub(r"(?<!\\)[*_~|`]", "", text)
    return re.sub(r"\\(.)", r"\1", without_markers)
