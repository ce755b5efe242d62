"""The order gate: finds the order a handler needs and verifies the shopper may see it.

Runs before every handler whose :meth:`order_need` is ``REQUIRED``. It asks for the order
number when none is known, lists a verified shopper's orders as buttons, asks for the email
or phone on the order, and counts failed attempts. When it cannot hand over an order yet it
says why and keeps a :class:`PendingOrder` on the conversation, so the next message carries on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from bot.engine.policy import (
    about_someone_elses_order,
    asks_where_the_order_number_is,
    asks_which_of_several_orders,
    asks_why_details_needed,
    describes_the_order,
    finding_the_number,
    offers_an_invoice_number,
)
from bot.engine.state import PendingOrder
from bot.engine.turn import Turn
from bot.engine.verification import (
    AttemptBudget,
    attempts_left,
    contact_matches,
    offered_contacts,
    order_key,
    record_failures,
    retry_words,
)
from handlers.context import Understanding
from handlers.delivery_problem import turned_up
from handlers.exchanges import wants_exchange
from handlers.messages import Button, Reply
from handlers.order_changes import asks_why_cancelled
from handlers.order_facts import is_open, item_names
from handlers.smalltalk import only_thanks
from handlers.wording import HUMAN_BUTTON, status_words
from storage.repositories.orders import OrderDetails

#: how many of a verified shopper's orders are offered as buttons
MAX_LISTED = 5
#: re-asks for the same missing answer before the bot offers a person instead
MAX_TRIES = 3
#: intents for which "my order" means one that is still on its way
OPEN_ORDER_INTENTS = frozenset({"order_status", "cancel_order", "change_order"})

ASK_NUMBER_LEAD: dict[str, str] = {
    "order_status": "Let me look that up for you.",
    "delivery_problem": "I'm sorry to hear that. Let's sort it out.",
    "return_request": "Sure, I can help you return something.",
    "refund_status": "Let me check on your refund.",
    "cancel_order": "Let me check whether it can still be cancelled.",
    "change_order": "Let me check what can still be changed.",
    "setup_help": "Happy to help you set it up.",
    "notification_preferences": "I can change that once I know which customer you are.",
    "compensation": "I'm sorry something went wrong. Let me look at your order.",
}
#: whose name the order is under doesn't matter: its number and the contact it was placed with do
ANY_NAME = (
    "That's fine: it doesn't matter whose name is on the order. Send me its order number (it's in the order "
    "confirmation email, for example #1042), then the email address or phone number it was placed with."
)
#: the same, said when asked for the contact the order was placed with
ANY_NAME_CONTACT = (
    "That's fine: it doesn't matter whose name is on the order. Send me the email address or phone number it "
    "was placed with, even if it's theirs."
)
#: the lead of a question why an order (or part of one) was cancelled
WHY_CANCELLED_LEAD = "Let me look into that for you."
#: the lead of a refund question that asks about the return itself ("where is my return")
RETURN_STATUS_LEAD = "Let me check on your return."
_ABOUT_RETURN = re.compile(r"\breturn(?:ed)?\b", re.I)
_ABOUT_REFUND = re.compile(r"\b(?:refund\w*|money|reimburs\w*)\b", re.I)
#: the lead of a return request that asks for an exchange
EXCHANGE_LEAD = "Sure, I can help you exchange it."
ASK_NUMBER = "What's your order number? You'll find it in your order confirmation email (for example #1042)."
#: the first ask, when the shopper already said they have no order number at hand
ASK_WITHOUT_NUMBER = (
    "No problem: the tracking number from your shipping email works too. If you have neither, a person on "
    "our team can look your order up."
)
_WITHOUT_NUMBER = re.compile(
    r"\b(?:without|no|lost|forgot|forgotten|misplaced|deleted)\s+(?:the\s+|my\s+|an?\s+)?(?:order\s+|tracking\s+)?"
    r"(?:number|confirmation(?: email)?)\b|"
    r"\b(?:don'?t|do not|didn'?t|did not|never|haven'?t|have not)\s+(?:have|know|remember|get|got|received?)\s+"
    r"(?:the\s+|my\s+|an?\s+|any\s+|a\s+)?(?:order\s+|tracking\s+)?(?:number|confirmation(?: email)?)\b|"
    r"\b(?:tell|give|send|find|remind) me (?:my|the) order (?:number|no)\b|\bwhat(?:'s| is| was) my order (?:number|no)\b|"
    r"\b(?:deleted|lost|can'?t find|cannot find|don'?t have|do not have|no longer have|never got|didn'?t get|"
    r"haven'?t got)\s+(?:the\s+|my\s+|that\s+|your\s+)?(?:confirmation\s+|order\s+)?e-?mails?\b|"
    r"\b(?:checked|looked in|searched) (?:my |the )?(?:spam|junk|inbox)\b|\bwhere is the (?:confirmation )?e-?mail\b|"
    r"\bwhat (?:confirmation )?e-?mail\b|\b(?:never|didn'?t|did not) (?:got|get|receive[d]?) (?:a|any|the|your) confirmation\b",
    re.I,
)
#: "can I give you my tracking number instead": yes
_TRACKING_INSTEAD = re.compile(
    r"\btracking (?:number|no|code|id)\b.{0,20}\binstead\b|\binstead\b.{0,30}\btracking (?:number|no|code)\b|"
    r"\b(?:can|could|will|would|does|do) (?:i|you|u|it)\b.{0,25}\b(?:use|take|give you|send you|work with)\b.{0,10}"
    r"\btracking (?:number|no|code)\b",
    re.I,
)
TRACKING_WELCOME = "Yes: send me the tracking number from your shipping email and I'll look the order up with it."
WHY_CONTACT = (
    "It's a safety check: I only show an order's details to the person who placed it, so I match the order "
    "number with the email address or the phone number given at checkout. Either one works, and I use it for "
    "nothing else."
)
WHY_NUMBER = (
    "I look orders up by their number, then check the email address or phone number you ordered with, so that "
    "I only show an order's details to the person who placed it; I can't look orders up by name. The number is "
    "in your order confirmation email (for example #1042), and the tracking number from your shipping email works "
    "too."
)
#: the answer to "where do I find my order number?"
WHERE_IS_NUMBER = (
    "Your order number is in the order confirmation email we sent when you ordered: in the subject line and "
    "at the top, for example #1042. The tracking number from your shipping email works too. Send me either one."
)
#: "I don't have it", "no idea", "can't find it": said when asked for the order number
_NO_NUMBER_AT_HAND = re.compile(
    r"^\W*(?:(?:sorry|um+|hmm+|well|no)\W+)?(?:i\s+)?(?:don'?t|do not|dont|can'?t|cannot|didn'?t)\s+"
    r"(?:have|know|remember|find|get|recall)(?:\s+(?:it|that|one|any|them|the number|my order number|either|"
    r"that either|it either|one either|any of them|neither))?\W*$|"
    r"^\W*(?:no idea|not sure|lost it|deleted it|no clue)\W*$",
    re.I,
)
#: "I don't remember which email I used": said when asked for the email or phone
_NO_CONTACT_AT_HAND = re.compile(
    r"\b(?:don'?t|do not|dont|can'?t|cannot|not sure)\s+(?:remember|know|recall|find|sure)\b.{0,40}"
    r"\b(?:e-?mail|phone|number|address|which one)\b|"
    r"\bnot sure which (?:e-?mail|one|address|number)\b|"
    r"\bwhich (?:one|e-?mail)\b.{0,40}\b(?:log ?in|account|receipts?|different|two)\b|"
    r"\b(?:no longer have|don'?t have|lost|can'?t get into|cannot get into|can'?t access|cannot access)\s+"
    r"(?:access to\s+)?(?:the|my|that)\s+(?:old\s+)?e-?mail\b|\b(?:i have|there are) two\b.{0,20}\b(?:e-?mails|addresses)\b|"
    r"\b(?:give|send|use|try)\b.{0,20}\b(?:phone|telephone|mobile)(?: number)? instead\b|"
    r"^\W*(?:i\s+)?(?:don'?t|do not|dont)\s+(?:remember|know)\W*$",
    re.I,
)
ASK_CONTACT_ALTERNATIVE = (
    "No problem: either works, the email address or the phone number you gave at checkout. If you have "
    "neither to hand, a person on our team can check your details and help you."
)
#: "wait, I'm searching my email", said when asked for the order number
FINDING_THE_NUMBER = "No problem, take your time. Send me the order number when you have it."
#: "I placed 2 orders, which one do you need?"
ANY_ONE_ORDER = (
    "Either one: send me one order number at a time (it's in each order confirmation email, for example #1042), "
    "and I can look at the other one after."
)
#: an invoice's number, offered for the order number
INVOICE_NOT_ORDER = (
    "That's the invoice number, not the order number. The order number is in your order confirmation email, in the "
    "subject line and at the top (for example #1042); the tracking number from your shipping email works too."
)
#: "it's the one with the blender", said when asked for the order number
BY_NUMBER_ONLY = (
    "I can only look an order up by its number: it's in your order confirmation email (for example #1042). The "
    "tracking number from your shipping email works too."
)


def _answer_while_asked(understanding: Understanding) -> str | None:
    """What to say to a message that answers "what's your order number?" with no number, or None: "wait, I'm
    searching my email", "I placed 2 orders, which one do you need", an invoice's number, "it's the one with the
    blender"."""
    text = understanding.text
    if finding_the_number(text):
        return FINDING_THE_NUMBER
    if asks_which_of_several_orders(text):
        return ANY_ONE_ORDER
    if not understanding.order_numbers and offers_an_invoice_number(text):
        return INVOICE_NOT_ORDER
    if describes_the_order(text):
        return BY_NUMBER_ONLY
    return None
ASK_NUMBER_AGAIN = "I didn't catch an order number there. It's the number in your order confirmation email, for example #1042."
#: neither the order number nor the tracking number is at hand
NEITHER_NUMBER = "No problem: a person on our team can look your order up for you."
GIVE_UP_NUMBER = (
    "I still don't have an order number. No problem: a person on our team can look it up for you."
)
#: the shopper sent their email or phone before the order number: it is kept and checked once the number comes
ASK_NUMBER_AFTER_CONTACT = (
    "Thanks! Which order is it about? Send me its order number (it's in your order confirmation email, "
    "for example #1042) and I'll check it against the details you gave."
)
ASK_CONTACT = (
    "Thanks! To keep your order details safe, please tell me the email address or phone number "
    "you used for {what}."
)
#: "thanks", said while asked for the order number or the contact: the question still stands
THANKS_NUMBER_STILL_ASKED = "You're welcome! When you have it, send me the order number and I'll look it up."
THANKS_CONTACT_STILL_ASKED = (
    "You're welcome! To show you order #{number}, I just need the email address or phone number you used for it."
)
ASK_CONTACT_AGAIN = (
    "Please send the email address or phone number you used for the order, so I know it's you."
)
GIVE_UP_CONTACT = "No problem. A person on our team can check your details and help you."
MISMATCH = (
    "I couldn't match that order number with that email or phone. Please check both and try again, "
    "or I can get a person to help."
)
LOCKED = (
    "For your security, I've paused order look-ups for now after too many unsuccessful attempts. "
    "Please try again {when}, or I can get a person to help you now."
)
PICK_ORDER = "Which order do you mean?"
PICK_OTHER = "Which of your other orders do you mean?"
NO_ORDERS = "I can't find any orders on your account yet. " + ASK_NUMBER

#: marks a pending candidate that is a tracking number, not an order number
TRACKING_PREFIX = "tracking:"
_PREFIX = re.compile(r"^[A-Za-z]{1,4}-?(?=\d)")


def number_variants(number: str) -> list[str]:
    """How a typed order number may be stored: as typed, without ``#``, without a shop prefix."""
    out: list[str] = []
    for candidate in (number, number.strip().lstrip("#"), _PREFIX.sub("", number.strip().lstrip("#"))):
        if candidate and candidate not in out:
            out.append(candidate)
    return out


def _locked_text(budget: AttemptBudget, now: datetime) -> str:
    return LOCKED.format(when=retry_words(budget, now))


def _order_key(details: OrderDetails | None, candidate: str) -> str:
    """What failures on this look-up are counted under: the order found, else what was typed."""
    if details is not None:
        return order_key(details.number)
    if candidate.startswith(TRACKING_PREFIX):
        return TRACKING_PREFIX + order_key(candidate.removeprefix(TRACKING_PREFIX))
    return order_key(candidate)


def _what(candidate: str) -> str:
    """How the gate names what the shopper gave: ``order #1042`` or ``the parcel with tracking number ...``."""
    if candidate.startswith(TRACKING_PREFIX):
        return f"the parcel with tracking number {candidate.removeprefix(TRACKING_PREFIX)}"
    return f"order #{candidate.lstrip('#')}"


def _contacts(turn: Turn, pending: PendingOrder) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The ``(emails, phones)`` to check: this message's, else the one kept from an earlier message."""
    understanding = turn.understanding
    if understanding.has_contact or pending.contact is None:
        return understanding.emails, understanding.phones
    if "@" in pending.contact:
        return (pending.contact,), ()
    return (), (pending.contact,)


def order_button(details: OrderDetails) -> Button:
    """``#1042 · Kettle Pro 200 +1`` as a button selecting the order."""
    names = item_names(details.items)
    label = f"#{details.number}"
    if names:
        first = names[0] if len(names[0]) <= 28 else names[0][:27] + "…"
        label += f" · {first}" + (f" +{len(names) - 1}" if len(names) > 1 else "")
    return Button(label, f"order:{details.number}")


def _order_line(details: OrderDetails) -> str:
    if details.order.status == "cancelled":
        where = "cancelled"
    elif not details.shipments:
        where = "not shipped yet"
    else:
        where = status_words(details.shipments[-1].status)
    return f"#{details.number}: {where}"


class OrderGate:
    """Finds and authorises the order for a pending intent."""

    async def resolve(self, turn: Turn, pending: PendingOrder) -> OrderDetails | None:
        """The order the shopper may see, or None after saying what is needed (``turn.state.pending`` set)."""
        understanding = turn.understanding
        candidates = list(understanding.order_numbers)
        if not candidates and understanding.tracking_numbers:
            candidates = [TRACKING_PREFIX + number for number in understanding.tracking_numbers]
        if not candidates and pending.order_number:
            candidates = [pending.order_number]
        customer_id = turn.customer_id

        if customer_id is not None:
            if candidates:
                details = await self._find(turn, candidates)
                if details is not None and details.order.customer_id == customer_id:
                    return self._select(turn, details)
            else:
                return await self._pick_own(turn, pending, customer_id)

        # from here the shopper has to prove who they are: a paused chat or order gets the lock-out answer
        budget = await self._attempts_left(turn, None)
        if budget.locked:
            return self._locked(turn, budget)
        if not candidates:
            return self._ask_number(turn, pending)
        details = await self._find(turn, candidates)
        key = _order_key(details, candidates[0])
        budget = await self._attempts_left(turn, key)
        if budget.locked:
            return self._locked(turn, budget)
        emails, phones = _contacts(turn, pending)
        if not emails and not phones:
            # an order number typed with leading zeros ("0001001") is kept as the shop writes it (1001); anything
            # else as typed (a tracking number never shows the order number before verification)
            typed = candidates[0]
            same = details is not None and typed.lstrip("0") == details.number
            return self._ask_contact(turn, pending, details.number if same and details is not None else typed)
        return await self._check(turn, pending, candidates, details, key, budget, (emails, phones))

    # ------------------------------------------------------------------ steps
    async def _pick_own(self, turn: Turn, pending: PendingOrder, customer_id: int) -> OrderDetails | None:
        context = await self.context_order(turn)
        if context is not None:
            return self._select(turn, context)
        orders = await turn.repos.orders.for_customer(customer_id=customer_id, limit=MAX_LISTED * 2)
        relevant = orders
        if pending.intent in OPEN_ORDER_INTENTS:
            relevant = [o for o in orders if is_open(o)] or orders
        relevant = relevant[:MAX_LISTED]
        if len(relevant) == 1:
            return self._select(turn, relevant[0])
        if not relevant:
            pending.step = "order_number"
            turn.state.pending = pending
            turn.say(Reply(NO_ORDERS))
            return None
        pending.step = "pick_order"
        turn.state.pending = pending
        lines = "\n".join(_order_line(o) for o in relevant)
        turn.say(Reply(f"{PICK_ORDER}\n{lines}", buttons=[order_button(o) for o in relevant]))
        return None

    async def other_order(
        self, turn: Turn, pending: PendingOrder, customer_id: int, exclude: str | None
    ) -> OrderDetails | None:
        """ "And my other order?": the verified shopper's orders other than ``exclude``, most recent first.

        The only other order is handed over at once; several are offered as buttons; with none,
        the shopper is told so and asked for a number (``turn.state.pending`` set).
        """
        orders = await turn.repos.orders.for_customer(customer_id=customer_id, limit=MAX_LISTED + 1)
        others = [o for o in orders if o.number != exclude][:MAX_LISTED]
        if len(others) == 1:
            return self._select(turn, others[0])
        if not others:
            pending.step = "order_number"
            turn.state.pending = pending
            only = f"Order #{exclude} is the only order I can find for you. If you have another one, tell me its order number."
            turn.say(Reply(only if exclude else NO_ORDERS))
            return None
        pending.step = "pick_order"
        turn.state.pending = pending
        lines = "\n".join(_order_line(o) for o in others)
        turn.say(Reply(f"{PICK_OTHER}\n{lines}", buttons=[order_button(o) for o in others]))
        return None

    def _ask_number(self, turn: Turn, pending: PendingOrder) -> None:
        understanding = turn.understanding
        if understanding.has_contact:  # "jane@example.com" before any order number: kept for the check
            pending.contact = (understanding.emails or understanding.phones)[0]
            pending.step = "order_number"
            turn.state.pending = pending
            turn.say(Reply(ASK_NUMBER_AFTER_CONTACT, buttons=[HUMAN_BUTTON]))
            return None
        if pending.step in ("order_number", "pick_order") and about_someone_elses_order(understanding.text):
            # "it's under my husband's name", said when asked for the order number
            pending.step = "order_number"
            turn.state.pending = pending
            turn.say(Reply(ANY_NAME, buttons=[HUMAN_BUTTON]))
            return None
        if pending.step in ("order_number", "pick_order") and only_thanks(understanding.text):
            turn.state.pending = pending  # "thanks" while asked for the number: still asked, no try spent
            turn.say(Reply(THANKS_NUMBER_STILL_ASKED, buttons=[HUMAN_BUTTON]))
            return None
        answer = _answer_while_asked(understanding) if pending.step == "order_number" else None
        if answer is not None:  # "wait please, I'm searching my email": answered, still asked, no try spent
            turn.state.pending = pending
            turn.say(Reply(answer, buttons=[HUMAN_BUTTON]))
            return None
        if pending.step in ("order_number", "pick_order"):
            pending.tries += 1
            if pending.tries >= MAX_TRIES:
                turn.state.pending = None
                turn.say(Reply(GIVE_UP_NUMBER, buttons=[HUMAN_BUTTON]))
                return None
            pending.step = "order_number"
            text = turn.understanding.text
            if asks_where_the_order_number_is(text, asked=True):  # "where do I find that": where the number is
                pending.alternative_offered = True
                turn.state.pending = pending
                turn.say(Reply(WHERE_IS_NUMBER, buttons=[HUMAN_BUTTON]))
                return None
            if _TRACKING_INSTEAD.search(text):  # "can I give you my tracking number instead": yes
                pending.alternative_offered = True
                turn.state.pending = pending
                turn.say(Reply(TRACKING_WELCOME, buttons=[HUMAN_BUTTON]))
                return None
            if asks_why_details_needed(text):  # "why do you need that, can't you look me up by my name"
                pending.alternative_offered = True
                turn.state.pending = pending
                turn.say(Reply(WHY_NUMBER, buttons=[HUMAN_BUTTON]))
                return None
            without = bool(_WITHOUT_NUMBER.search(text) or _NO_NUMBER_AT_HAND.search(text))
            if without and pending.alternative_offered:  # no tracking number either: a person looks it up
                turn.state.pending = None
                turn.say(Reply(NEITHER_NUMBER, buttons=[HUMAN_BUTTON]))
                return None
            pending.alternative_offered = pending.alternative_offered or without
            turn.state.pending = pending
            turn.say(Reply(ASK_WITHOUT_NUMBER if without else ASK_NUMBER_AGAIN, buttons=[HUMAN_BUTTON]))
            return None
        pending.step = "order_number"
        pending.tries = 0
        turn.state.pending = pending
        if asks_where_the_order_number_is(turn.understanding.text):  # "where do I find my order number"
            pending.alternative_offered = True
            turn.say(Reply(WHERE_IS_NUMBER, buttons=[HUMAN_BUTTON]))
            return None
        if _WITHOUT_NUMBER.search(turn.understanding.text):
            pending.alternative_offered = True
            turn.say(Reply(ASK_WITHOUT_NUMBER, buttons=[HUMAN_BUTTON]))
            return None
        lead = ASK_NUMBER_LEAD.get(pending.intent, "I can help with that.")
        if pending.intent == "return_request" and wants_exchange(turn.understanding.text):
            lead = EXCHANGE_LEAD  # "can I swap the mugs for a different colour"
        elif pending.intent == "cancel_order" and asks_why_cancelled(turn.understanding.text):
            lead = WHY_CANCELLED_LEAD  # "why was my order cancelled": not whether it still can be
        elif (
            pending.intent == "refund_status"
            and _ABOUT_RETURN.search(turn.understanding.text)
            and not _ABOUT_REFUND.search(turn.understanding.text)
        ):
            lead = RETURN_STATUS_LEAD  # "can I track my return": the return, then its refund
        elif pending.intent == "delivery_problem" and turned_up(turn.understanding.text):
            lead = ASK_NUMBER_LEAD["order_status"]  # "my neighbour has my parcel": nothing to be sorry about
        turn.say(Reply(f"{lead} {ASK_NUMBER}"))
        return None

    def _ask_contact(self, turn: Turn, pending: PendingOrder, number: str) -> None:
        same = pending.step == "contact" and pending.order_number == number
        pending.order_number = number
        if same and not turn.understanding.order_numbers and only_thanks(turn.understanding.text):
            turn.state.pending = pending  # "thanks" while asked for the email: still asked, no try spent
            turn.say(Reply(THANKS_CONTACT_STILL_ASKED.format(number=number), buttons=[HUMAN_BUTTON]))
            return None
        if same and not turn.understanding.order_numbers:
            pending.tries += 1
            if pending.tries >= MAX_TRIES:
                turn.state.pending = None
                turn.say(Reply(GIVE_UP_CONTACT, buttons=[HUMAN_BUTTON]))
                return None
            turn.state.pending = pending
            if about_someone_elses_order(turn.understanding.text):  # "it's under my wife's name"
                turn.say(Reply(ANY_NAME_CONTACT, buttons=[HUMAN_BUTTON]))
                return None
            if asks_why_details_needed(turn.understanding.text):  # "why do you need that?", "is this safe?"
                turn.say(Reply(WHY_CONTACT, buttons=[HUMAN_BUTTON]))
                return None
            without = _NO_CONTACT_AT_HAND.search(turn.understanding.text)
            turn.say(Reply(ASK_CONTACT_ALTERNATIVE if without else ASK_CONTACT_AGAIN, buttons=[HUMAN_BUTTON]))
            return None
        pending.step = "contact"
        pending.tries = 0
        turn.state.pending = pending
        turn.say(Reply(ASK_CONTACT.format(what=_what(number))))
        return None

    async def _check(
        self,
        turn: Turn,
        pending: PendingOrder,
        candidates: list[str],
        details: OrderDetails | None,
        key: str,
        budget: AttemptBudget,
        contacts: tuple[Sequence[str], Sequence[str]],
    ) -> OrderDetails | None:
        """Match the offered ``(emails, phones)``; every contact is one attempt, and more than are left
        checks none."""
        repos, message, now = turn.repos, turn.message, turn.now
        emails, phones = contacts
        offered = len(offered_contacts(emails, phones))
        if offered <= budget.left and details is not None and contact_matches(details.customer, emails, phones):
            customer_id = int(details.customer.id or 0)
            await repos.identities.link(identity_id=turn.identity.id, customer_id=customer_id, at=now)
            turn.identity.customer_id = customer_id
            turn.identity.customer_name = details.customer.name
            turn.identity.verified = True
            turn.events.verified.append((message.channel, message.external_id, customer_id))
            return self._select(turn, details)
        after = await record_failures(
            repos,
            channel=message.channel,
            external_id=message.external_id,
            order=key,
            count=min(offered, budget.left),
            now=now,
        )
        if after.locked:
            turn.state.pending = None
            turn.say(Reply(f"{MISMATCH}\n\n{_locked_text(after, now)}", buttons=[HUMAN_BUTTON]))
            return None
        pending.step = "contact"
        pending.order_number = candidates[0]
        pending.tries = 0
        pending.contact = None  # it did not match: the next try needs the email or phone again
        turn.state.pending = pending
        turn.say(Reply(MISMATCH, buttons=[HUMAN_BUTTON]))
        return None

    @staticmethod
    async def _attempts_left(turn: Turn, key: str | None) -> AttemptBudget:
        message = turn.message
        return await attempts_left(
            turn.repos, channel=message.channel, external_id=message.external_id, order=key, now=turn.now
        )

    @staticmethod
    def _locked(turn: Turn, budget: AttemptBudget) -> None:
        """The lock-out answer: paused, when to retry, a person; the pending question is dropped."""
        turn.state.pending = None
        turn.say(Reply(_locked_text(budget, turn.now), buttons=[HUMAN_BUTTON]))
        return None

    # ------------------------------------------------------------------ lookups
    async def context_order(self, turn: Turn) -> OrderDetails | None:
        """The order in context, if the shopper is verified for its customer."""
        number = turn.state.order_number
        customer_id = turn.customer_id
        if number is None or customer_id is None:
            return None
        details = await turn.repos.orders.details_for_number(order_number=number)
        if details is None or details.order.customer_id != customer_id:
            return None
        return details

    @staticmethod
    async def _find(turn: Turn, candidates: list[str]) -> OrderDetails | None:
        orders = turn.repos.orders
        for candidate in candidates:
            if candidate.startswith(TRACKING_PREFIX):
                shipment = await orders.shipment_by_tracking(
                    tracking_number=candidate.removeprefix(TRACKING_PREFIX)
                )
                if shipment is not None:
                    return await orders.details(order_id=shipment.order_id)
                continue
            for number in number_variants(candidate):
                details = await turn.repos.orders.details_for_number(order_number=number)
                if details is not None:
                    return details
        return None

    @staticmethod
    def _select(turn: Turn, details: OrderDetails) -> OrderDetails:
        turn.state.order_number = details.number
        turn.state.pending = None
        return details
