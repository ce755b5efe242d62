"""Reading a notification-preference request from words or a ``prefs:`` button."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from handlers.journey.proposals import CATEGORY_OF_KIND

#: every category a shopper can stop or start, in a stable order
CATEGORIES: tuple[str, ...] = tuple(sorted(set(CATEGORY_OF_KIND.values())))
ALL = "all"

CATEGORY_WORDS: dict[str, str] = {
    "delays": "delay alerts",
    "order_updates": "order updates",
    "returns_refunds": "return and refund updates",
    "reviews": "review requests",
    "setup_guides": "setup guides",
    "shipping_updates": "shipping updates",
}

_CATEGORY_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("reviews", re.compile(r"review|rating|survey|feedback|\brate\b", re.I)),
    ("setup_guides", re.compile(r"set ?up|guide|tips|how-?to", re.I)),
    ("delays", re.compile(r"delay", re.I)),
    ("returns_refunds", re.compile(r"return|refund", re.I)),
    ("order_updates", re.compile(r"order (update|confirm)|confirmation|backorder|cancellation", re.I)),
    ("shipping_updates", re.compile(r"shipping|shipment|deliver|tracking|\btrack|dispatch|out for|on (?:its|the) way", re.I)),
)
_STOP = re.compile(
    r"\b(stop|unsubscribe|no more|don'?t (send|message|text|notify|want)|do not (send|message|text)|opt ?out|"
    r"(turn|switch) (\w+ ){0,4}off|mute|disable|too many)\b",
    re.I,
)
#: "dial it back", "fewer please", "cut down": fewer messages, not none
_FEWER = re.compile(
    r"\b(?:dial (?:it|them|that) (?:back|down)|tone (?:it|them) down|cut (?:it |them )?down|fewer|less often|"
    r"not (?:so|as) many|(?:a bit |a lot )?less)\b",
    re.I,
)
#: "turn them back on", "switch the shipping updates on", "put them back on", "send them again" ...
_START = re.compile(
    r"\b(start|resume|(turn|switch) (\w+ ){0,4}on|put (\w+ ){0,4}back on|enable|subscribe|opt ?in|send me|again)\b",
    re.I,
)
_ALL = re.compile(r"\b(all|everything|any( more)?|anything|every message|notifications|messages)\b", re.I)
_CHANNEL = re.compile(
    r"\b(message|contact|text|notify|reach|updates?) me (here|on here|in this chat|on (telegram|the web ?chat|this))\b|"
    r"\b(use|prefer) (this|here|telegram|web ?chat)\b|\bhere instead\b",
    re.I,
)
#: "send me updates on WhatsApp instead", "can you email me the updates", "text me instead": another channel
#: than this chat
_ELSEWHERE = re.compile(
    r"\b(?:on|by|via|through|over|in|to my|using)\s+(?P<channel>whatsapp|telegram|e-?mail|sms|text messages?)\b|"
    r"\b(?P<verb>whatsapp|e-?mail) me\b|\b(?P<sms>text|sms) me (?:instead|on my (?:phone|mobile|cell))\b",
    re.I,
)
_CHANNEL_NAMES = {"whatsapp": "whatsapp", "telegram": "telegram", "email": "email", "e-mail": "email"}
#: emails, which this chat never sends ("stop sending me emails", "unsubscribe me from the newsletter")
_EMAILS = re.compile(r"\b(?:e-?mail(?:s|ing)?|newsletters?|mailing list|mails|inbox)\b", re.I)
#: the chat's own messages, named beside emails ("stop the emails and the messages here")
_CHAT_MESSAGES = re.compile(
    r"\b(?:here|chat|messages?|texts?|notifications?|alerts?|updates?|telegram|whatsapp)\b", re.I
)
#: "only message me if there's a problem", "just tell me about delays": nothing but delay and problem alerts
_ONLY_PROBLEMS = re.compile(
    r"\b(?:only|just)\b.{0,40}\b(?:problems?|issues?|delay(?:s|ed)?|goes wrong|something'?s wrong|is late|"
    r"running late)\b",
    re.I,
)
_TIME = r"(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.|h)?"
_AFTER = re.compile(r"\b(?:after|past|from)\s+" + _TIME, re.I)
_BEFORE = re.compile(r"\b(?:before|until|till|til)\s+" + _TIME, re.I)
_BETWEEN = re.compile(r"\bbetween\s+" + _TIME + r"\s+(?:and|&|-|to)\s+" + _TIME, re.I)
_NIGHT = re.compile(
    r"\b(at night|night ?time|overnight|while i sleep|quiet hours|too early|(?:woke|wakes?|waking) (?:me|us)(?: up)?|"
    r"middle of the night|early (?:in the )?morning|at (?:[1-6]|one|two|three|four|five|six)(?::\d\d)? ?(?:am|a\.m\.|in the morning))\b",
    re.I,
)


@dataclass(slots=True)
class PreferenceRequest:
    """What the shopper asked to change (empty when nothing was recognised)."""

    stop: list[str] = field(default_factory=list)
    start: list[str] = field(default_factory=list)
    quiet_start: str | None = None
    quiet_end: str | None = None
    here: bool = False
    #: the channel the shopper wants updates on instead of this chat ("whatsapp", "telegram", "email", "sms")
    elsewhere: str | None = None
    #: "stop sending me emails": emails (the newsletter, the shop's order emails), which no chat setting stops
    stop_emails: bool = False

    @property
    def empty(self) -> bool:
        """True when nothing was asked."""
        return not (
            self.stop
            or self.start
            or self.quiet_start
            or self.quiet_end
            or self.here
            or self.elsewhere
            or self.stop_emails
        )

    @property
    def needs_customer(self) -> bool:
        """Quiet hours and the preferred channel are settings of a known customer."""
        return bool(self.quiet_start or self.quiet_end or self.here)


def _clock(hour: str, minute: str | None, suffix: str | None) -> str | None:
    h = int(hour)
    m = int(minute or 0)
    marker = (suffix or "").lower().replace(".", "")
    if marker == "pm" and h < 12:
        h += 12
    elif marker == "am" and h == 12:
        h = 0
    if h > 23 or m > 59:
        return None
    return f"{h:02d}:{m:02d}"


def parse_payload(payload: str) -> PreferenceRequest:
    """``prefs:stop:<category|all>``, ``prefs:start:...``, ``prefs:quiet:HH:MM-HH:MM``, ``prefs:channel:here``."""
    request = PreferenceRequest()
    _, action, rest = payload.split(":", 2) if payload.count(":") >= 2 else (payload, "", "")
    if action in ("stop", "start"):
        chosen = list(CATEGORIES) if rest == ALL else [rest] if rest in CATEGORIES else []
        getattr(request, action).extend(chosen)
    elif action == "quiet":
        start, _, end = rest.partition("-")
        request.quiet_start = start or None
        request.quiet_end = end or None
    elif action == "channel" and rest == "here":
        request.here = True
    return request


#: a message quoted ("The bot keeps sending me “Rate your delivery!”"): one message, of one kind
_QUOTED = re.compile(r'"[^"]{2,80}"|“[^”]{2,80}”|‘[^’]{2,80}’|«[^»]{2,80}»')
#: the messages wanted on another person's or another number ("don't message my husband's number, send them to
#: mine"): not a stop; the shopper picks the chat the updates go to
_ANOTHER_NUMBER = re.compile(
    r"\bsend (?:the |my )?(?:updates|them|it|messages|notifications|texts) to (?:mine|me|my (?:own )?(?:number|phone|"
    r"mobile))\b|\b(?:husband|wife|partner|mum|mom|dad|son|daughter|boyfriend|girlfriend)'?s? (?:number|phone|mobile)\b",
    re.I,
)


def _categories(text: str) -> list[str]:
    """The categories the words name; a quoted message ("Rate your delivery!") names only the first category its
    words name (the review request, not the shipping updates)."""
    names = {name for name, pattern in _CATEGORY_PATTERNS if pattern.search(_QUOTED.sub(" ", text))}
    for quoted in _QUOTED.findall(text):
        names.update(next(([n] for n, pattern in _CATEGORY_PATTERNS if pattern.search(quoted)), []))
    return [name for name, _ in _CATEGORY_PATTERNS if name in names]


def categories_named(text: str) -> list[str]:
    """The categories the words name ("the setup guides"), without a verb to stop or start them."""
    return [name for name, pattern in _CATEGORY_PATTERNS if pattern.search(text)]


#: a message that opens with "why" asks about the messages ("why you send me message"), it orders nothing
_WHY = re.compile(r"^\W*(?:(?:but|so|hey|hi|hello|ok|um+)\W+)?why\b", re.I)


def parse_text(text: str) -> PreferenceRequest:
    """The preference change the words ask for."""
    request = PreferenceRequest()
    between = _BETWEEN.search(text)
    if between:
        request.quiet_start = _clock(*between.group(1, 2, 3))
        request.quiet_end = _clock(*between.group(4, 5, 6))
    else:
        after, before = _AFTER.search(text), _BEFORE.search(text)
        if after:
            request.quiet_start = _clock(*after.group(1, 2, 3))
            if request.quiet_start and after.group(3) is None and int(after.group(1)) < 12:
                request.quiet_start = _clock(after.group(1), after.group(2), "pm")
        if before:
            request.quiet_end = _clock(*before.group(1, 2, 3))
        if not (after or before) and _NIGHT.search(text):
            request.quiet_start, request.quiet_end = "21:00", "08:00"
    request.here = bool(_CHANNEL.search(text))
    if request.quiet_start or request.quiet_end:
        return request
    if _STOP.search(text) and _EMAILS.search(text) and not _CHAT_MESSAGES.search(text):
        request.stop_emails = True
        return request
    elsewhere = _ELSEWHERE.search(text)
    if elsewhere is not None and not request.here and not _STOP.search(text):
        name = (elsewhere.group("channel") or elsewhere.group("verb") or elsewhere.group("sms")).lower()
        request.elsewhere = _CHANNEL_NAMES.get(name, "sms")
        return request
    if _ONLY_PROBLEMS.search(text):  # "only message me if there's a problem": delay and problem alerts only
        request.stop = [c for c in CATEGORIES if c != "delays"]
        request.start = ["delays"]
        return request
    if _ANOTHER_NUMBER.search(text):  # "send them to mine, not my husband's number": which chat, not a stop
        return request
    categories = _categories(text)
    stop = _STOP.search(text)
    if stop and not categories and stop.group(1).lower() == "too many" and _FEWER.search(text):
        return request  # "too many messages, dial it back": fewer, not none; which ones isn't said yet
    if not categories and _ALL.search(text):
        categories = list(CATEGORIES)
    if stop and not categories and stop.group(1).lower().replace("'", "") in ("dont want", "don want"):
        return request  # "I don't want them any more": what "them" is isn't said, so nothing is stopped yet
    if stop:
        request.stop = categories or list(CATEGORIES)
    elif _START.search(text) and not _WHY.match(text):  # "why you send me message" asks, starts nothing
        request.start = categories or list(CATEGORIES)  # "turn them back on": what was stopped
    return request
