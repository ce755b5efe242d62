"""Dialogue policy: global commands and when a message switches topic mid-flow.

Pure functions over :class:`~handlers.context.Understanding` so the rules are easy to read
and to test on their own.
"""

from __future__ import annotations

import re

from handlers.context import Understanding

OUT_OF_SCOPE = "out_of_scope"
HUMAN_AGENT = "human_agent"
GREETING = "greeting"
NOTIFICATION_PREFERENCES = "notification_preferences"

#: below this confidence an idle message goes to the fallback
MIN_CONFIDENCE = 0.45
#: a new intent this confident interrupts the flow that waits for an answer
SWITCH_CONFIDENCE = 0.7
#: ... and this confident when the flow waits for free text (a description, an address)
FREE_TEXT_SWITCH_CONFIDENCE = 0.9
#: an unrelated question this clearly out of scope leaves a flow (not a free-text step) for the fallback
OUT_OF_SCOPE_SWITCH_CONFIDENCE = 0.9

_SHORT_ANSWER = re.compile(
    r"^\W*(?:y|n|yes|no|yeah|yep|yup|nope|nah|ok|okay|sure|fine|right|correct|both|all|none|neither|"
    r"all of them|the first one|the second one|first|second|third|last|this one|that one|\d{1,2})\W*$",
    re.I,
)

_HUMAN = re.compile(
    r"^\W*(?:(?:i want|i need|can i|could i|let me|please)?\s*(?:to\s+)?(?:talk|speak|chat)\s+(?:to|with)\s+)?"
    r"(?:an?\s+|the\s+|some\s+)?(?:agent|human|person|real person|human being|operator|representative|rep|"
    r"live agent|customer service|support agent|someone real|somebody real)(?:\s+please)?\W*$",
    re.I,
)
_CANCEL = re.compile(
    r"^\W*(?:cancel|cancel that|cancel this|stop|stop that|stop this|never ?mind|nvm|forget it|forget about it|"
    r"start over|quit|abort|leave it)\W*$",
    re.I,
)
_STOP_NOTIFICATIONS = re.compile(
    r"^\W*(?:/stop|stop|unsubscribe|stop messaging me|stop texting me)\W*$", re.I
)
_PREFERENCES = re.compile(
    r"\b(?:stop|unsubscribe|no more|don'?t (?:send|message|text)|do not (?:send|message|text)|opt ?out|turn off|"
    r"switch off|mute|start|resume|turn on|switch on)\b.{0,40}\b(?:updates?|messages|notifications?|guides?|"
    r"review requests?|reviews|texts|emails|alerts|reminders)\b",
    re.I,
)
_MENU = re.compile(r"^\W*(?:/start|/help|help|menu|main menu|options|start)\W*$", re.I)


def wants_human(understanding: Understanding) -> bool:
    """ "agent", "human", "talk to a person" ...: honoured at any point of any flow."""
    return bool(understanding.text) and bool(_HUMAN.match(understanding.text))


def wants_cancel(understanding: Understanding) -> bool:
    """ "cancel", "stop that", "never mind" ...: drops the flow that waits for an answer."""
    if understanding.payload == "cancel":
        return True
    return bool(understanding.text) and bool(_CANCEL.match(understanding.text))


def wants_stop_notifications(understanding: Understanding) -> bool:
    """``/stop`` (any time) or a bare "stop" / "unsubscribe" when nothing is in progress."""
    return bool(understanding.text) and bool(_STOP_NOTIFICATIONS.match(understanding.text))


def wants_preferences(understanding: Understanding) -> bool:
    """ "stop shipping updates", "no more review requests": opt-outs are honoured whatever the NLU thinks."""
    return bool(understanding.text) and bool(_PREFERENCES.search(understanding.text))


def wants_menu(understanding: Understanding) -> bool:
    """``/start``, "help", "menu": show what the bot can do."""
    return bool(understanding.text) and bool(_MENU.match(understanding.text))


_ENTITY_TEXT = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\+?\d[\d\s().-]*\d|#?\b[a-z]{0,4}-?\d+\b|\b(?:order|number|no|nr|num|my|is|it'?s|its|"
    r"email|e-mail|mail|phone|mobile|tracking|and|the|for|of|on|it|here|ok|okay|sure|thanks|please|"
    r"address|was|used|i|me)\b|[^\w]",
    re.I,
)


def entity_only(understanding: Understanding) -> bool:
    """True when the message is just an order number, email, phone or tracking number (and filler)."""
    has_entity = understanding.order_numbers or understanding.has_contact or understanding.tracking_numbers
    return bool(has_entity) and not _ENTITY_TEXT.sub("", understanding.text).strip()


def idle_intent(understanding: Understanding) -> str:
    """The intent to start for a message that arrives while nothing is in progress.

    Unclear or unrelated messages go to the fallback; a message that is just an order (or
    tracking) number means "what about this order?".
    """
    intent = understanding.intent
    about_order = bool(understanding.order_numbers or understanding.tracking_numbers)
    unclear = (
        intent in (None, OUT_OF_SCOPE, "greeting", "goodbye") or understanding.confidence < MIN_CONFIDENCE
    )
    if about_order and (unclear or entity_only(understanding)):
        return "order_status"
    if intent is None or intent == OUT_OF_SCOPE or understanding.confidence < MIN_CONFIDENCE:
        return OUT_OF_SCOPE
    return intent


def topic_switch(
    understanding: Understanding, *, current: tuple[str, ...], free_text: bool, expects_entities: bool
) -> str | None:
    """The new intent when the message leaves the current flow, else None (it answers the flow).

    ``current`` are the intents of the waiting flow; ``free_text`` says the flow waits for a
    description or an address; ``expects_entities`` says it waits for an order number or a
    contact, so a message carrying one is always an answer. Short answers ("yes", "both",
    "2") and messages that are only entities always answer the flow. A clearly unrelated
    question (out of scope with high confidence) goes to the fallback unless the flow waits
    for free text.
    """
    intent = understanding.intent
    if understanding.payload is not None or intent is None or intent in current:
        return None
    if expects_entities and (understanding.order_numbers or understanding.has_contact):
        return None
    if entity_only(understanding) or _SHORT_ANSWER.match(understanding.text):
        return None
    if intent == OUT_OF_SCOPE:
        if free_text or understanding.products or understanding.confidence < OUT_OF_SCOPE_SWITCH_CONFIDENCE:
            return None
        return OUT_OF_SCOPE
    threshold = FREE_TEXT_SWITCH_CONFIDENCE if free_text else SWITCH_CONFIDENCE
    return intent if understanding.confidence >= threshold else None
