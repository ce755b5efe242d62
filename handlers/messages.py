"""What flows through the conversation engine: incoming messages and replies.

Channel adapters turn platform payloads into :class:`IncomingMessage` and render
:class:`Reply` back into platform calls. Handlers never see platform types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Button:
    """A quick-reply button: ``title`` is shown, ``payload`` comes back when pressed."""

    title: str
    payload: str


@dataclass(frozen=True, slots=True)
class Link:
    """A link shown with a reply (tracking page, help article)."""

    title: str
    url: str


@dataclass(slots=True)
class Reply:
    """One message from the bot. Long text is split by the channel adapter, not here."""

    text: str
    buttons: list[Button] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """JSON form used by the REST and web channels."""
        out: dict[str, object] = {
            "text": self.text,
            "buttons": [{"title": b.title, "payload": b.payload} for b in self.buttons],
        }
        if self.links:
            out["links"] = [{"title": lk.title, "url": lk.url} for lk in self.links]
        return out


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file the shopper sent (photo of a damaged parcel, a receipt)."""

    kind: str  # "photo" | "document"
    file_id: str
    file_name: str | None = None
    mime_type: str | None = None

    def as_record(self) -> dict[str, str]:
        """The attachment as kept with a case: its fields that are set."""
        found = {
            "kind": self.kind,
            "file_id": self.file_id,
            "file_name": self.file_name,
            "mime_type": self.mime_type,
        }
        return {key: value for key, value in found.items() if value is not None}


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """A shopper's message, whatever channel it came on.

    ``channel`` + ``external_id`` identify the chat identity (e.g. ``telegram`` + chat id).
    ``message_id`` is the channel's unique id for this message, used to drop redeliveries.
    ``payload`` is set when a button was pressed; ``text`` holds typed text.
    """

    channel: str
    external_id: str
    text: str = ""
    payload: str | None = None
    message_id: str | None = None
    received_at: datetime | None = None
    display_name: str | None = None
    attachments: tuple[Attachment, ...] = ()
    #: a signed link token (Telegram /start deep link, web chat link) to verify the identity
    link_token: str | None = None
