"""``human_agent``: hand the conversation to support staff and say honestly what happens next.

What the shopper is told depends on the :class:`~handlers.support.SupportDesk`: a person replies
here soon (staff are in), a person replies here when the team is back (outside support hours),
or nobody can reply in this chat (no staff channel configured) and how else to reach one. One
identity may open at most :data:`MAX_HANDOFFS_PER_HOUR` handoffs an hour.
"""

from __future__ import annotations

import logging
import math
import re
from datetime import timedelta

from handlers.articles import article_link
from handlers.context import HandlerContext, OrderNeed, Outcome
from handlers.handoff import open_handoff
from handlers.messages import Button, Reply
from handlers.smalltalk import MENU_BUTTONS
from handlers.wording import MENU_BUTTON

log = logging.getLogger(__name__)

#: handoffs one chat identity may open within :data:`HANDOFF_WINDOW`
MAX_HANDOFFS_PER_HOUR = 3
HANDOFF_WINDOW = timedelta(hours=1)
#: the button that leaves a handoff (the engine handles it)
LEAVE_BUTTON = Button("Back to the bot", "handoff:leave")
CONTACT_ARTICLE = "contact-support"

PASSED_ON = "I've passed our conversation to the support team."
NO_REPEAT = "They can see what we've talked about, so you won't need to repeat yourself."
STAFF_IN = "A person will reply right here: the team is in now, until {until}."
STAFF_AWAY = "The team is away right now and back {back}, so a person will reply right here then."
STAFF_AWAY_UNKNOWN = "The team is away right now, so a person will reply right here when they are back."
CANT_WAIT = "If it can't wait, you can {ways}."
NO_STAFF = "I'm sorry: nobody from our support team can reply in this chat."
NO_STAFF_WAYS = "To reach a person, please {ways} ({hours})."
NO_STAFF_ARTICLE = "Our help centre lists the ways to reach a person (the article below)."
STILL_HERE = "I can still help with your orders, deliveries, returns and setting up what you bought."
ALREADY_WAITING = "You're already in the queue: a person from our support team will reply right here."
TOO_MANY = (
    "You've asked for a person several times in the last hour, so I can't open another request right now. "
    "{earlier} Please try again in {minutes}."
)
EARLIER_OPEN = "Your earlier request is still open: a person will reply in the chat where you made it."
EARLIER_MAYBE = (
    "If an earlier request of yours is still open, a person will reply in the chat where you made it."
)


#: "what are your opening hours", "what's your phone number", "how can I contact you": a question about
#: how to reach the team, not yet a request for a person
_CONTACT_QUESTION = re.compile(
    r"\b(?:what(?:'s| is| are)|whats|when (?:are|is)|do you (?:have|guys have)|is there|can i (?:get|have)|"
    r"give me|send me|tell me)\b.{0,30}\b(?:phone(?: number)?|number|e-?mail(?: address)?|opening hours|"
    r"(?:support|office|business|working|service) hours|hours)\b|"
    r"\b(?:what time|when) (?:do|does) (?:you|your|the)\b.{0,25}\b(?:open|close|start|finish)\b|"
    r"\bhow (?:can|do) (?:i|we) (?:contact|reach|call|email|e-mail|phone) (?:you|your|the)\b",
    re.I,
)
#: "are you open on sunday", "when are you open", "is anyone there at the weekend": the team's hours,
#: which the classifier may leave unread (they share no word with asking for a person)
_HOURS_QUESTION = re.compile(
    r"\bare (?:you|u|you guys|your (?:team|support|customer service|staff|agents)) (?:still )?open\b|"
    r"\bwhen (?:are|is) (?:you|u|you guys|your (?:team|support|customer service|staff|office|agents))\b.{0,15}"
    r"\b(?:open|available|around|in)\b|"
    r"\bwhat (?:are|r) (?:your|the) (?:opening )?(?:hours|times)\b|"
    r"\bwhat time (?:do|does) (?:you|u|your (?:team|support|customer service|staff|agents)) "
    r"(?:open|close|start|finish|shut)\b|"
    r"\b(?:anyone|someone|somebody|any ?body) (?:there|in|working|around|available|on)\b.{0,20}"
    r"\b(?:weekends?|saturdays?|sundays?|tonight|nights?|evenings?|(?:bank |public )?holidays?)\b|"
    r"\bopen (?:on |at |over )?(?:the )?(?:weekends?|saturdays?|sundays?|(?:bank |public )?holidays?|late)\b",
    re.I,
)
TALK_BUTTON = Button("Talk to a person", "intent:human_agent")


def asks_support_hours(text: str) -> bool:
    """Whether the shopper asks when the team is open ("are you open on sunday?")."""
    return bool(_HOURS_QUESTION.search(text))


def asks_how_to_reach_us(text: str) -> bool:
    """Whether the shopper asks for the team's hours or contact details rather than for a person now."""
    return bool(_CONTACT_QUESTION.search(text) or _HOURS_QUESTION.search(text))


class HumanAgentHandler:
    """Creates a handoff with a reason and a summary for staff (when staff can answer)."""

    name = "human_agent"
    intents = ("human_agent",)
    payload_prefixes: tuple[str, ...] = ()

    def order_need(self, ctx: HandlerContext) -> OrderNeed:
        """Staff get the order in context if there is one; a person never waits for verification."""
        return OrderNeed.OPTIONAL

    async def handle(self, ctx: HandlerContext) -> Outcome:
        """Open (or reuse) the handoff, or say how else to reach a person; a question about the team's
        hours or contact details gets those, and the offer of a person."""
        if ctx.payload is None and asks_how_to_reach_us(ctx.text):
            return Outcome(replies=[contact_details_reply(ctx)])
        return await hand_over(ctx, _reason(ctx))


def contact_details_reply(ctx: HandlerContext) -> Reply:
    """The team's hours and the other ways to reach it, as configured, and the offer of a person; without
    a staff channel, the answer to a request for a person (the contact article when nothing is configured:
    it describes a team that answers in chat, which it then cannot)."""
    support = ctx.support
    if not support.staffed:
        return no_staff_reply(ctx)
    text = f"Our support team works {support.hours_words()}."
    ways = support.other_ways()
    if ways:
        text += f" You can also {ways}."
    return Reply(
        f"{text} Would you like me to pass you to a person right here?",
        buttons=[TALK_BUTTON, MENU_BUTTON],
    )


async def hand_over(ctx: HandlerContext, reason: str) -> Outcome:
    """Hand the conversation to staff for ``reason`` and tell the shopper honestly what happens next.

    Reuses the conversation's open handoff; opens none when no staff channel is configured
    or when this chat already opened :data:`MAX_HANDOFFS_PER_HOUR` within the hour.
    """
    existing = await ctx.repos.handoffs.open_for_conversation(conversation_id=ctx.conversation_id)
    if existing is not None:
        await open_handoff(ctx, existing.reason)
        return Outcome(replies=[Reply(ALREADY_WAITING, buttons=[LEAVE_BUTTON])])
    if not ctx.support.staffed:
        log.info("handoff not opened: no staff channel is configured (%s chat)", ctx.channel)
        return Outcome(replies=[no_staff_reply(ctx)])
    now = ctx.now()
    recent = await ctx.repos.handoffs.created_for_conversation_since(
        conversation_id=ctx.conversation_id, since=now - HANDOFF_WINDOW
    )
    if len(recent) >= MAX_HANDOFFS_PER_HOUR:
        oldest = sorted(recent)[len(recent) - MAX_HANDOFFS_PER_HOUR]
        minutes = max(1, math.ceil((oldest + HANDOFF_WINDOW - now).total_seconds() / 60))
        log.info("handoff not opened: %d opened by this %s chat within the hour", len(recent), ctx.channel)
        still_open = ctx.customer_id is not None and await ctx.repos.handoffs.any_open_for_customer(
            customer_id=ctx.customer_id
        )
        earlier = EARLIER_OPEN if still_open else EARLIER_MAYBE
        text = TOO_MANY.format(earlier=earlier, minutes=_minutes(minutes))
        ways = ctx.support.other_ways()
        if ways:
            text += " " + CANT_WAIT.format(ways=ways)
        return Outcome(replies=[Reply(text, buttons=list(MENU_BUTTONS[:-1]))])
    await open_handoff(ctx, reason)
    return Outcome(replies=[Reply(what_next(ctx), buttons=[LEAVE_BUTTON])])


def what_next(ctx: HandlerContext) -> str:
    """The acknowledgement of a new handoff: when a person replies, and other ways if they are away."""
    support = ctx.support
    desk = support.at(ctx.now())
    if desk.open:
        closes = support.hours.closes_at(desk.local_now)
        if closes is None:
            when = "A person will reply right here: the team is in now."
        else:
            until = "midnight" if closes.hour == 23 and closes.minute == 59 else f"{closes:%H:%M}"
            when = STAFF_IN.format(until=f"{until} ({support.timezone} time)")
        return f"{PASSED_ON} {when} {NO_REPEAT}"
    back = support.back_words(ctx.now())
    when = STAFF_AWAY.format(back=back) if back else STAFF_AWAY_UNKNOWN
    text = f"{PASSED_ON} {when} {NO_REPEAT}"
    ways = support.other_ways()
    if ways:
        text += " " + CANT_WAIT.format(ways=ways)
    return text


def no_staff_reply(ctx: HandlerContext) -> Reply:
    """What a shopper asking for a person hears when no staff channel is configured."""
    ways = ctx.support.other_ways()
    if ways:
        text = f"{NO_STAFF} {NO_STAFF_WAYS.format(ways=ways, hours=ctx.support.hours_words())} {STILL_HERE}"
        return Reply(text, buttons=list(MENU_BUTTONS[:-1]))
    links = article_link(ctx.knowledge.base, CONTACT_ARTICLE)
    lead = NO_STAFF_ARTICLE if links else "Please use the contact details on our website."
    return Reply(f"{NO_STAFF} {lead} {STILL_HERE}", links=links, buttons=list(MENU_BUTTONS[:-1]))


def _minutes(minutes: int) -> str:
    return "an hour" if minutes >= 60 else f"{minutes} minute{'s' if minutes != 1 else ''}"


def _reason(ctx: HandlerContext) -> str:
    topic = (
        ctx.last_intent.replace("_", " ") if ctx.last_intent and ctx.last_intent != "human_agent" else None
    )
    order = f" about order #{ctx.order.number}" if ctx.order is not None else ""
    if topic:
        return f"Shopper asked for a person{order} (after: {topic})"
    return f"Shopper asked for a person{order}"
