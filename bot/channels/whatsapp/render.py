"""A :class:`~handlers.messages.Reply` as WhatsApp messages, within the Cloud API's limits.

- Links go in the text, one ``title: url`` line each (WhatsApp makes them clickable).
- Text is split at 4096 characters, between paragraphs, else lines, else words.
- Up to three buttons whose titles fit in 20 characters become interactive reply buttons on the
  last piece; otherwise the buttons become an interactive list (rows of at most 24 characters,
  the whole title in the row's description when it is cut), ten rows per list.
- An interactive message's body holds at most 1024 characters, so the piece that carries the
  buttons is cut to that and whatever comes before it goes as plain text first.

Pure translation; the sender turns each :class:`Outgoing` into one pywa call.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.channels.base import PermanentFailure
from bot.channels.telegram.sender import split_text
from bot.channels.whatsapp.wording import LIST_BUTTON_TEXT, MORE_CHOICES_TEXT
from handlers.messages import Reply

#: the longest text message body
MAX_TEXT = 4096
#: the longest body of an interactive (buttons or list) message
MAX_INTERACTIVE_BODY = 1024
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_BUTTON_ID = 256
MAX_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_ROW_ID = 200
#: the body of an interactive message whose reply had no text
EMPTY_BODY = "Please choose:"


@dataclass(frozen=True, slots=True)
class Choice:
    """A reply button or list row: ``title`` shown, ``payload`` sent back when chosen."""

    title: str
    payload: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One WhatsApp message: text, text with reply ``buttons``, or text with a list of ``rows``."""

    text: str
    buttons: tuple[Choice, ...] = ()
    rows: tuple[Choice, ...] = ()
    list_button: str = LIST_BUTTON_TEXT

    @property
    def interactive(self) -> bool:
        """Whether this is an interactive message (buttons or a list)."""
        return bool(self.buttons or self.rows)


def text_with_links(reply: Reply) -> str:
    """The reply's text followed by its links, one ``title: url`` line each."""
    lines = [f"{link.title}: {link.url}" for link in reply.links]
    if not lines:
        return reply.text
    return "\n\n".join(part for part in (reply.text, "\n".join(lines)) if part)


def fits_buttons(reply: Reply) -> bool:
    """Whether the reply's buttons can be reply buttons (at most 3, short and distinct titles)."""
    titles = [button.title.strip() for button in reply.buttons]
    return (
        0 < len(titles) <= MAX_BUTTONS
        and all(0 < len(title) <= MAX_BUTTON_TITLE for title in titles)
        and len(set(titles)) == len(titles)
    )


def _row(title: str, payload: str) -> Choice:
    title = title.strip() or payload[:MAX_ROW_TITLE]
    if len(title) <= MAX_ROW_TITLE:
        return Choice(title, payload)
    description = title if len(title) <= MAX_ROW_DESCRIPTION else title[: MAX_ROW_DESCRIPTION - 1] + "…"
    return Choice(title[: MAX_ROW_TITLE - 1] + "…", payload, description)


def _check_payloads(reply: Reply, limit: int) -> None:
    for button in reply.buttons:
        if not button.payload or len(button.payload) > limit:
            raise PermanentFailure(
                f"button {button.title!r}: payload empty or longer than {limit} characters"
            )


def render(reply: Reply) -> list[Outgoing]:
    """The WhatsApp messages for ``reply``, in sending order (see the module docstring)."""
    text = text_with_links(reply)
    if not reply.buttons:
        return [Outgoing(piece) for piece in split_text(text, MAX_TEXT)] if text.strip() else []
    pieces = split_text(text, MAX_TEXT) if text.strip() else [EMPTY_BODY]
    if len(pieces[-1]) > MAX_INTERACTIVE_BODY:
        pieces[-1:] = split_text(pieces[-1], MAX_INTERACTIVE_BODY)
    lead = [Outgoing(piece) for piece in pieces[:-1]]
    if fits_buttons(reply):
        _check_payloads(reply, MAX_BUTTON_ID)
        buttons = tuple(Choice(b.title.strip(), b.payload) for b in reply.buttons)
        return [*lead, Outgoing(pieces[-1], buttons=buttons)]
    _check_payloads(reply, MAX_ROW_ID)
    rows = [_row(b.title, b.payload) for b in reply.buttons]
    lists = [
        Outgoing(pieces[-1] if start == 0 else MORE_CHOICES_TEXT, rows=tuple(rows[start : start + MAX_ROWS]))
        for start in range(0, len(rows), MAX_ROWS)
    ]
    return [*lead, *lists]
