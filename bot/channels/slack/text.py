"""Slack message text <-> shopper plain text."""

from __future__ import annotations

import re

from bot.handoffs.service import NOTE_PREFIX, is_internal_note

__all__ = ["NOTE_PREFIX", "is_internal_note", "to_plain"]

_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")


def to_plain(text: str) -> str:
    """Slack mrkdwn as a shopper should read it: links and mentions spelled out, entities unescaped."""

    def replace(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith(("@", "#", "!")):
            return f"@{label}" if label and target.startswith("@") else (label or "")
        if target.startswith("mailto:"):
            return label or target.removeprefix("mailto:")
        if label and label != target:
            return f"{label} ({target})"
        return target

    plain = _LINK.sub(replace, text)
    return plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()
