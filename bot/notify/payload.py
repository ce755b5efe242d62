"""The outbox payload: a rendered reply plus what the dispatcher needs to re-check it.

{"text": "...", "buttons": [{"title", "payload"}], "links": [{"title", "url"}],
 "category": "shipping_updates", "shipment_id": 7, "locale": "en", "due_at": "2026-...Z"}
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from handlers.messages import Button, Link, Reply


def reply_to_payload(reply: Reply, **extra: Any) -> dict[str, Any]:
    """JSON-ready payload of ``reply`` with extra keys (category, shipment id ...)."""
    payload: dict[str, Any] = {
        "text": reply.text,
        "buttons": [{"title": b.title, "payload": b.payload} for b in reply.buttons],
        "links": [{"title": lk.title, "url": lk.url} for lk in reply.links],
    }
    for key, value in extra.items():
        payload[key] = value.isoformat() if isinstance(value, datetime) else value
    return payload


def payload_to_reply(payload: dict[str, Any]) -> Reply:
    """The reply stored in an outbox payload."""
    return Reply(
        text=str(payload.get("text", "")),
        buttons=[Button(str(b["title"]), str(b["payload"])) for b in payload.get("buttons") or []],
        links=[Link(str(lk["title"]), str(lk["url"])) for lk in payload.get("links") or []],
    )


def payload_time(payload: dict[str, Any], key: str) -> datetime | None:
    """A timestamp stored in the payload as ISO text, or None."""
    value = payload.get(key)
    return datetime.fromisoformat(value) if isinstance(value, str) else None
