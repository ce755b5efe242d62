"""What the WhatsApp channel itself says, and the words it reads before the engine does."""

from __future__ import annotations

from handlers.messages import Button, Reply

#: the offer's "yes" is the engine's own "send updates here" preference button
ACCEPT_UPDATES_PAYLOAD = "prefs:channel:here"
#: payloads starting with this are answered by the channel, not the engine
CHANNEL_PAYLOAD_PREFIX = "wa:"
DECLINE_UPDATES_PAYLOAD = "wa:updates:no"
#: what "START" becomes for a number that stopped every update: start them all again
RESTART_UPDATES_PAYLOAD = "prefs:start:all"
#: what the engine hears for STOP / unsubscribe (it stops every proactive message, as /stop does)
STOP_TEXT = "/stop"
#: typed words that stop proactive messages (WhatsApp's usual opt-out words), compared case-insensitively
STOP_WORDS = frozenset({"stop", "unsubscribe", "stop all", "opt out", "optout"})
#: typed words that turn them on again for a number that stopped everything
START_WORDS = frozenset({"start", "unstop", "resume"})

OFFER_TEXT = (
    "Would you like me to message you here on WhatsApp when something happens with your orders "
    "(shipping, delays, delivery)? You can reply STOP any time to stop them."
)
OFFER_YES = "Yes, send updates"
OFFER_NO = "No, thanks"
DECLINED_TEXT = (
    'No problem, I won\'t send you updates here. If you change your mind, just say "send updates here".'
)
UNSUPPORTED_TEXT = (
    "I can only read text, photos and documents for now. Please type your question, or send a photo "
    "if something arrived damaged."
)
#: the button that opens an interactive list (at most 20 characters)
LIST_BUTTON_TEXT = "Choose"
#: the title of a list's one section (at most 24 characters)
LIST_SECTION_TITLE = "Choices"
#: the body of a second list when there are more than ten choices
MORE_CHOICES_TEXT = "More choices:"


def offer_updates() -> Reply:
    """The question asked once a WhatsApp number is verified: updates here, yes or no?"""
    return Reply(
        OFFER_TEXT,
        buttons=[Button(OFFER_YES, ACCEPT_UPDATES_PAYLOAD), Button(OFFER_NO, DECLINE_UPDATES_PAYLOAD)],
    )


def command_word(text: str) -> str:
    """``text`` folded for comparing with :data:`STOP_WORDS` / :data:`START_WORDS` (case, spaces,
    trailing punctuation ignored)."""
    return " ".join(text.split()).strip(" .!").casefold()
