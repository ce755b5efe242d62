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


def offer_updates() -> Reply:
    """The question asked once a chat is verified: updates here, yes or no?"""
    return Reply(
        OFFER_TEXT,
        buttons=[
            Button("Yes, send updates here", ACCEPT_UPDATES_PAYLOAD),
            Button("No, thanks", DECLINE_UPDATES_PAYLOAD),
        ],
    )
