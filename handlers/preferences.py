"""``notification_preferences``: stop or start proactive messages, quiet hours, preferred channel."""

from __future__ import annotations

import re

from handlers.articles import article_link
from handlers.context import HandlerContext, OrderNeed, Outcome
from handlers.messages import Button, Reply
from handlers.preference_requests import (
    CATEGORIES,
    CATEGORY_WORDS,
    PreferenceRequest,
    categories_named,
    parse_payload,
    parse_text,
)
from handlers.wording import HUMAN_BUTTON, join_words

STOP_ALL_BUTTON = Button("Stop all messages", "prefs:stop:all")
QUIET_NIGHTS_BUTTON = Button("Nothing after 9pm", "prefs:quiet:21:00-08:00")
MORE_SETTINGS_BUTTON = Button("More settings", "intent:notification_preferences")
MENU_BUTTONS = [
    Button("Stop shipping updates", "prefs:stop:shipping_updates"),
    Button("Stop review requests", "prefs:stop:reviews"),
    STOP_ALL_BUTTON,
    Button("Start all again", "prefs:start:all"),
    QUIET_NIGHTS_BUTTON,
    Button("Send updates here", "prefs:channel:here"),
]


def _request(ctx: HandlerContext) -> PreferenceRequest:
    if ctx.payload and ctx.payload.startswith("prefs:"):
        return parse_payload(ctx.payload)
    return parse_text(ctx.text)


class NotificationPreferencesHandler:
    """Writes the shopper's notification choices to their identity and customer preferences."""

    name = "notification_preferences"
    intents = ("notification_preferences",)
    payload_prefixes = ("prefs",)

    def order_need(self, ctx: HandlerContext) -> OrderNeed:
        """Stopping and starting works for anyone; quiet hours and channel need a verified customer."""
        request = _request(ctx)
        if request.needs_customer and ctx.customer_id is None:
            return OrderNeed.REQUIRED
        return OrderNeed.NONE

    def accepts(self, ctx: HandlerContext) -> bool:
        """A recognisable preference change answers the settings menu."""
        return ctx.step == "choose" and not _request(ctx).empty

    async def handle(self, ctx: HandlerContext) -> Outcome:
        """Apply the request, or show the settings menu."""
        request = _request(ctx)
        identity = await ctx.repos.identities.by_id(identity_id=ctx.identity_id)
        assert identity is not None
        opted_out = set(identity.opted_out_categories)
        more = more_of_the_same(ctx.text) if request.empty and ctx.payload is None else []
        if more:  # "and the setup guides too", after a change: stop them if they are on, else start them
            if set(more) - opted_out:
                request.stop = more
            else:
                request.start = more
        if request.empty and ctx.payload is None and asks_why_messaged(ctx.text):
            return Outcome(replies=[_why_messages(ctx)])  # "why am I getting these messages?"
        if request.empty and ctx.step != "choose" and asks_for_delivery_news(ctx.text):
            return Outcome(replies=[_delivery_news(opted_out, only=bool(_ONLY_ONE.search(ctx.text)))])
        if request.empty:
            if ctx.step == "choose":
                reply = _menu(opted_out)
                reply.text = "Sorry, I didn't get that. " + reply.text
                return Outcome(replies=[reply])
            return Outcome(replies=[_menu(opted_out)], await_step="choose")
        if request.stop_emails:
            return Outcome(replies=[_emails_reply(ctx)])
        if ctx.payload is None and request.stop and _ON_DAYS.search(ctx.text):
            return Outcome(replies=[_no_day_schedule()])  # "stop messaging me on weekends": not all of them
        if request.elsewhere is not None and request.elsewhere != ctx.channel:
            return Outcome(replies=[_elsewhere_reply(request.elsewhere, ctx.channel)])
        said: list[str] = []
        if request.stop or request.start:
            opted_out = (opted_out | set(request.stop)) - set(request.start)
            await ctx.repos.identities.set_opted_out(
                identity_id=ctx.identity_id, categories=sorted(opted_out)
            )
            await ctx.repos.identities.set_accepted_updates(
                identity_id=ctx.identity_id, accepted=len(opted_out) < len(CATEGORIES)
            )
            if ctx.customer_id is not None:
                await ctx.repos.preferences.update(
                    customer_id=ctx.customer_id, opted_out_categories=sorted(opted_out)
                )
            said.append(_stop_start_words(request))
        if request.quiet_start or request.quiet_end:
            assert ctx.customer_id is not None
            await ctx.repos.preferences.update(
                customer_id=ctx.customer_id, quiet_start=request.quiet_start, quiet_end=request.quiet_end
            )
            prefs = await ctx.repos.preferences.get(customer_id=ctx.customer_id)
            assert prefs is not None
            said.append(
                f"I won't send anything that can wait between {prefs.quiet_start} and {prefs.quiet_end} "
                "(your local time). Urgent delivery problems still come through."
            )
        if request.here:
            assert ctx.customer_id is not None
            await ctx.repos.preferences.update(
                customer_id=ctx.customer_id, preferred_identity_id=ctx.identity_id
            )
            await ctx.repos.identities.set_accepted_updates(identity_id=ctx.identity_id, accepted=True)
            said.append(f"From now on your updates come here, on {_channel_words(ctx.channel)}.")
        return Outcome.say(
            " ".join(said), buttons=[MORE_SETTINGS_BUTTON]
        )


#: "can I get a notification when it arrives", "will you let me know when it ships"
_WANTS_DELIVERY_NEWS = re.compile(
    r"\b(?:notif\w*|messages?|msgs?|texts?|alerts?|emails?|ping|updates?|let me know|tell me)\b.{0,30}\bwhen\b.{0,25}"
    r"\b(?:arriv\w*|delivered|ships?|shipped|dispatched|comes|out for delivery|on (?:its|the) way|here)\b",
    re.I,
)
#: "can you tell me when it arrives" asks for the day now, not for a message later
_ASKS_THE_DAY = re.compile(
    r"\b(?:can|could|would) (?:you|u|ya) (?:please |pls |plz )?tell me when\b|"
    r"\b(?:any|an|no) (?:update|news|word|info\w*|idea)s? (?:on|about|as to|regarding|re) when\b|"
    r"\bwhen (?:it|they|my \w+|the \w+) (?:will|is going to|are going to|is gonna|should|might) (?:be )?"
    r"(?:arriv|deliver|com|get|ship|turn)",
    re.I,
)
#: "only tell me when it's delivered": one message of the set, which the categories can't single out
_ONLY_ONE = re.compile(r"\b(?:only|just)\b.{0,25}\bwhen\b", re.I)
SHIPPING = "shipping_updates"


def asks_for_delivery_news(text: str) -> bool:
    """Whether the shopper asks to be told when the parcel ships or arrives (not "can you tell me when
    it arrives", which asks for the day)."""
    return bool(_WANTS_DELIVERY_NEWS.search(text)) and not _ASKS_THE_DAY.search(text)


def _delivery_news(opted_out: set[str], *, only: bool = False) -> Reply:
    """Whether the shopper hears when their parcel ships, goes out and arrives (shipping updates); asked
    for only one of them ("only tell me when it's delivered"), that they come as a set."""
    if only and SHIPPING not in opted_out:
        return Reply(
            "Shipping updates come as a set: I message you when your order ships, when it's out for delivery "
            "and when it's delivered. I can't send just one of them, but I can switch them all off if you prefer.",
            buttons=[Button("Stop shipping updates", f"prefs:stop:{SHIPPING}"), Button("Keep them", "intent:greeting")],
        )
    if SHIPPING not in opted_out:
        return Reply(
            "Yes: shipping updates are on, so I'll message you here when your order ships, when it's out for "
            "delivery and when it's delivered.",
            buttons=[MORE_SETTINGS_BUTTON],
        )
    return Reply(
        "Shipping updates are off for this chat, so I won't tell you when it ships or arrives. Would you like "
        "them back on?",
        buttons=[Button("Start shipping updates", f"prefs:start:{SHIPPING}"), Button("No, thanks", "intent:greeting")],
    )


#: "and the setup guides too", "those as well": more of the change just made
_MORE_OF_THE_SAME = re.compile(r"\b(?:too|as well|also)\b|^\W*and\b", re.I)


def more_of_the_same(text: str) -> list[str]:
    """The kinds of message named with "too", "also" or a leading "and", and no verb of their own ("and
    the setup guides too"): after a change of settings, more of the same change."""
    if not _MORE_OF_THE_SAME.search(text) or not parse_text(text).empty:
        return []
    return categories_named(text)


def _stop_start_words(request: PreferenceRequest) -> str:
    if request.start == ["delays"] and set(request.stop) == set(CATEGORIES) - {"delays"}:
        return "Done: from now on I'll only message you about delays and problems with your orders."
    if request.stop and set(request.stop) == set(CATEGORIES):
        return 'Done: I won\'t send you any more updates. Say "start updates" whenever you want them back.'
    parts: list[str] = []
    if request.stop:
        parts.append(f"Done: no more {join_words([CATEGORY_WORDS[c] for c in request.stop])}.")
    if request.start:
        if set(request.start) == set(CATEGORIES):
            parts.append("Done: you'll get all our updates again.")
        else:
            parts.append(f"Done: you'll get {join_words([CATEGORY_WORDS[c] for c in request.start])} again.")
    return " ".join(parts)


#: "stop messaging me on weekends", "not on sundays": days of the week, which the settings can't single out
_ON_DAYS = re.compile(
    r"\b(?:on |at |during |over )?(?:the )?(?:weekends?|week ?days|(?:mon|tues|wednes|thurs|fri|satur|sun)days?)\b",
    re.I,
)
NO_DAY_SCHEDULE = (
    "I can't pause updates on particular days. I can keep anything that can wait quiet at night, or stop the "
    "updates altogether (you'd miss the delivery updates too)."
)


def _no_day_schedule() -> Reply:
    """Days of the week can't be switched off: quiet nights, or stopping everything, instead."""
    return Reply(
        NO_DAY_SCHEDULE,
        buttons=[QUIET_NIGHTS_BUTTON, STOP_ALL_BUTTON, MORE_SETTINGS_BUTTON],
    )


def _menu(opted_out: set[str]) -> Reply:
    if opted_out:
        stopped = join_words([CATEGORY_WORDS[c] for c in CATEGORIES if c in opted_out])
        state = f"Right now you've turned off {stopped}."
    else:
        state = "Right now you get every kind of update: shipping, delays, setup guides and the rest."
    return Reply(f"{state} What would you like to change?", buttons=list(MENU_BUTTONS))


#: chat channels a shopper can switch their updates to by writing to us there
_CHAT_CHANNELS = {"whatsapp": "WhatsApp", "telegram": "Telegram"}


def _elsewhere_reply(wanted: str, here: str) -> Reply:
    """Updates on another channel: a chat channel by writing to us there; never email or SMS."""
    buttons = [MORE_SETTINGS_BUTTON]
    name = _CHAT_CHANNELS.get(wanted)
    if name is not None:
        return Reply(
            f"I send your updates to one chat of your choice. To get them on {name}, message us there, tell me "
            f'your order number and email, and say "send updates here". Until then they come to '
            f"{_channel_words(here)}.",
            buttons=buttons,
        )
    how = "by email" if wanted == "email" else "by text message"
    return Reply(
        f"Sorry, I can't send updates {how}: I only send them in chat, here or on another chat app where you "
        "message us. Your order emails from the shop still come as usual.",
        buttons=buttons,
    )


#: "why am I getting these messages", "why did you message me": what the updates are, and how to stop them
_WHY_MESSAGES = re.compile(
    r"\bwhy (?:am i|do i|are you|did you|have i been|do you keep|you)\b.{0,15}"
    r"\b(?:getting|receiving|sending|send|sent|messag\w*|text\w*|contact\w*|notif\w*|writing)\b|"
    r"\bwhat(?:'s| is| are) (?:this|that|these|those|the) (?:messages?|texts?|notifications?|alerts?)"
    r"(?: (?:about|for))?\W*$|"
    r"\b(?:got|getting|received|receiving|get|keep getting)\b.{0,20}\b(?:messages?|notifications?|texts?|updates?)\b.{0,30}"
    r"\b(?:(?:isn'?t|is not|wasn'?t|aren'?t) (?:mine|my order)|not mine|(?:didn'?t|did not|never) (?:order|place|buy)|"
    r"someone else'?s)",
    re.I,
)


def asks_why_messaged(text: str) -> bool:
    """ "Why am I getting these messages?", "why did you message me?": what the updates are."""
    return bool(_WHY_MESSAGES.search(text))


#: didn't order anything: the updates may have reached the wrong chat
_NOTHING_ORDERED = re.compile(
    r"\b(?:didn'?t|did not|never|haven'?t|have not) (?:order|buy|bought|purchase|place)\w*(?: anything| something)?\b|"
    r"\b(?:isn'?t|is not|wasn'?t|aren'?t) mine\b|\bnot mine\b|\bsomeone else'?s\b",
    re.I,
)
#: as the notification settings article says (a test keeps them equal)
WHAT_UPDATES_ARE = (
    "We send you short messages about your orders on the chat app you use with us: when your order ships, "
    "when it is out for delivery, if it is delayed, when it has been delivered and, for products that need "
    "it, a setup guide."
)
NOTIFICATIONS_ARTICLE = "notification-settings"


def _why_messages(ctx: HandlerContext) -> Reply:
    """What the updates are and how to stop them; a person when the shopper ordered nothing."""
    text = WHAT_UPDATES_ARE
    buttons = [STOP_ALL_BUTTON, MORE_SETTINGS_BUTTON]
    if _NOTHING_ORDERED.search(ctx.text):
        text += " If you didn't order anything from us, a person on our team can check why this chat gets them."
        buttons.append(HUMAN_BUTTON)
    return Reply(text, buttons=buttons, links=article_link(ctx.knowledge.base, NOTIFICATIONS_ARTICLE))


#: the help article on the newsletter, which says how to unsubscribe
NEWSLETTER_ARTICLE = "newsletter-and-marketing-email"
#: what the newsletter article says about unsubscribing (a test keeps them in step)
EMAILS_TEXT = (
    "I don't send emails: I only message you in chat, so nothing I change here stops them. To stop our "
    'newsletter, choose "Unsubscribe" at the bottom of any newsletter email, or sign in and switch it off '
    'under "Email preferences". Unsubscribing doesn\'t stop the messages about your orders. To stop my '
    'updates here as well, say "stop".'
)


def _emails_reply(ctx: HandlerContext) -> Reply:
    """Emails are not this chat's to stop: how to unsubscribe from the newsletter, with its article."""
    return Reply(
        EMAILS_TEXT,
        buttons=[Button("Notification settings", "intent:notification_preferences")],
        links=article_link(ctx.knowledge.base, NEWSLETTER_ARTICLE),
    )


def _channel_words(channel: str) -> str:
    return {"telegram": "Telegram", "web": "the web chat", "rest": "this chat", "console": "this chat"}.get(
        channel, channel
    )
