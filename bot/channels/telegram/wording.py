"""What the Telegram channel itself says (everything else comes from the engine's handlers)."""

from __future__ import annotations

from handlers.messages import Button, Reply

#: the offer's "yes" is the engine's own "send updates here" preference button
ACCEPT_UPDATES_PAYLOAD = "prefs:channel:here"
#: payloads starting with this are answered by the channel, not the engine
CHANNEL_PAYLOAD_PREFIX = "tg:"
DECLINE_UPDATES_PAYLOAD = "tg:updates:no"
#: what ``/start`` becomes for a chat that stopped every update: start them all again
RESTART_UPDATES_PAYLOAD = "prefs:start:all"

OFFER_TEXT = (
    "Would you like me to message you here on Telegram when something happens with your orders "
    "(shipping, delays, delivery)? You can stop them any time with /stop."
)
DECLINED_TEXT = (
    'No problem, I won\'t send you updates here. If you change your mind, just say "send updates here".'
)
UNSUPPORTED_TEXT = (
    "I can only read text and photos for now. Please type your question, or send a photo if "
    "something arrived damaged."
)
ATTACHED_TO_CASE_TEXT = "Thanks, I've added your {what} to case #{case}. Our support team will see it."
ATTACHMENT_WITHOUT_CASE_TEXT = (
    "Thanks for the {what}. If something is wrong with an order, tell me what happened and I'll open "
    "a case; you can send the {what} again then."
)


def offer_updates() -> Reply:
    """The question asked once a chat is verified: updates here, yes or no?"""
    return Reply(
        OFFER_TEXT,
        buttons=[
            Button("Yes, send updates here", ACCEPT_UPDATES_PAYLOAD),
            Button("No, thanks", DECLINE_UPDATES_PAYLOAD),
        ],
    )


def attachment_words(kinds: list[str]) -> str:
    """``photo``, ``document``, ``photos``, ``files``: how to name what was sent."""
    if len(kinds) == 1:
        return kinds[0]
    if set(kinds) == {"photo"}:
        return "photos"
    return "files"
