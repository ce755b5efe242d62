"""A button's title typed instead of pressed ("send it again" under a "Send it again" button).

Shoppers often type what a button says, with a "yes", an "ok", a "please" or a "can you" around it.
The engine remembers the buttons of its last answer (:func:`offered_buttons`) and takes such a
message as the press of the button whose title it repeats (:func:`typed_button`). Only the whole
title counts, or its beginning of at least two words and half the title when only one title begins so
("report it" under "Report it as late"), so "send it again, but to my office" stays a typed message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from handlers.messages import Reply

#: at most this many buttons of the last answer are remembered
MAX_REMEMBERED = 12
#: words around a title that do not change what is asked ("yes please", "ok, refund me", "can you ...")
_LEAD = re.compile(
    r"^(?:(?:yes|yeah|yep|yup|ok|okay|sure|please|pls|plz|great|then|and|so|um+|hmm+|i'?d like(?: to)?|i would like"
    r"(?: to)?|i want(?: to)?|i'?ll|i will|let'?s|can you|could you|would you|can i|could i|just)\s+)+"
)
_TAIL = re.compile(r"(?:\s+(?:please|pls|plz|thanks|thank you|thx|then|for me|now))+$")
_NOT_WORDS = re.compile(r"[^a-z0-9' ]+")


def _plain(text: str) -> str:
    """Lowercase words only, without the polite words around them."""
    words = " ".join(_NOT_WORDS.sub(" ", text.lower().replace("’", "'")).split())
    return _TAIL.sub("", _LEAD.sub("", words)).strip()


def offered_buttons(replies: Iterable[Reply]) -> list[list[str]]:
    """The ``[title, payload]`` of each button of an answer (what :func:`typed_button` compares with)."""
    return [[button.title, button.payload] for reply in replies for button in reply.buttons][:MAX_REMEMBERED]


def typed_button(text: str, offered: Sequence[Sequence[str]]) -> str | None:
    """The payload of the offered button whose whole title ``text`` repeats (or the beginning of only that
    title: see the module docstring), or None."""
    said = _plain(text)
    if not said:
        return None
    titles = [(_plain(title), payload) for title, payload in offered]
    for title, payload in titles:
        if title == said:
            return payload
    words = said.count(" ") + 1
    begun = [
        payload for title, payload in titles if title.startswith(f"{said} ") and 2 * words >= title.count(" ") + 1
    ]
    return begun[0] if words >= 2 and len(begun) == 1 else None
