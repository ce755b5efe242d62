"""Reading short answers: yes/no from a ``confirm:`` button or typed words."""

from __future__ import annotations

import re

from handlers.context import HandlerContext
from handlers.messages import Button

YES_BUTTON_PAYLOAD = "confirm:yes"
NO_BUTTON_PAYLOAD = "confirm:no"

_YES = re.compile(
    r"^\s*(y|ye+s+|yeah+|yea+|yep|yup|sure|ok|okay|please|please do|do it|go ahead|go on|correct|confirm|that'?s right|"
    # "Aye, bin the lot.", "sí", "oui", "opo": yes in the words of other Englishes and languages
    r"right|aye|yass+|yah|ja|s[ií]|oui|haan|opo|of course|absolutely|definitely)\b",
    re.I,
)
_NO = re.compile(r"^\s*(n|no|nope|nah|naw|nae|nein|don'?t|do not|not now|stop|keep it|wrong|that'?s wrong)\b", re.I)


def yes_no_buttons(yes: str = "Yes", no: str = "No") -> list[Button]:
    """The two confirmation buttons."""
    return [Button(yes, YES_BUTTON_PAYLOAD), Button(no, NO_BUTTON_PAYLOAD)]


def yes_or_no(ctx: HandlerContext) -> bool | None:
    """True for yes, False for no, None when the answer is neither."""
    if ctx.payload == YES_BUTTON_PAYLOAD:
        return True
    if ctx.payload == NO_BUTTON_PAYLOAD:
        return False
    if ctx.payload:
        return None
    text = _THANKS_FIRST.sub("", ctx.text)  # "ay salamat po. opo, cancel na po lahat": the answer after the thanks
    if _NO.match(text):
        return False
    if _YES.match(text):
        return True
    return None


#: thanks before the answer ("thank you. yes please", "ay salamat po. opo")
_THANKS_FIRST = re.compile(
    r"^\W*(?:(?:ay|oh|ah|thank you|thanks?|thx|ty|cheers|salamat|gracias|merci|po|so much|very much)\W+)+(?=\w)", re.I
)
