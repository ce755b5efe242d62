"""Follow-up rules: short messages that only make sense after what the conversation said before.

The NLU reads one message at a time, so "and my other order?", "which carrier?" or "it makes a
weird smell" can look out of scope to it. These rules read them with the conversation's state and
are checked before the fallback answers. Pure functions over the understanding and the state.
"""

from __future__ import annotations

import re

from bot.engine.state import DialogueState
from handlers.context import Understanding
from handlers.delivery_problem import asks_about_the_carrier, detect_kind, turned_up
from handlers.order_changes import asks_about_delivery_instructions, asks_bare_why
from handlers.order_status import (
    asks_about_lost_paperwork,
    asks_about_packaging,
    asks_for_a_deadline,
    asks_for_carrier_contact,
    asks_for_the_pickup_place,
    asks_if_the_carrier_calls,
    asks_if_the_date_holds,
    asks_to_collect_it,
    asks_to_email_it,
    asks_what_if,
    question_focus,
)
from handlers.preferences import more_of_the_same
from handlers.returns import (
    asks_about_return_terms,
    asks_about_the_refund,
    asks_how_much,
    asks_where_the_refund_goes,
    refund_timing_question,
    says_refund_missing,
)
from handlers.troubleshooting import about_the_parcel, describes_symptom

ORDER_STATUS = "order_status"
CANCEL_ORDER = "cancel_order"
SETUP_HELP = "setup_help"
REFUND_STATUS = "refund_status"
DELIVERY_PROBLEM = "delivery_problem"
NOTIFICATION_PREFERENCES = "notification_preferences"
RETURN_REQUEST = "return_request"
RETURN_POLICY = "return_policy"

_OTHER_ORDER = re.compile(
    r"^\W*(?:(?:and|but|ok|okay|so|also|now|then|wait|actually|oh|hmm+|sorry|hang on|hold on)\W+)*"
    r"(?:(?:what|how) about|and|where(?:'s| is)|what'?s up with|"
    r"status of|check|show me|tell me about|(?:i|we) (?:also |even )?(?:have|had|made|placed|got)(?: also)?|"
    r"(?:can|could) (?:you|u) (?:also )?check|there'?s)?\W*(?:my|the|our|an|a)?\s*"
    r"(?:other|another|second|different|older|newer|previous|last|earlier|next)\s+"
    r"(?:order|one|purchase|parcel|package|delivery|shipment)s?"
    r"(?:\s+(?:please|pls|too|as well|then|now))?\W*$",
    re.I,
)


def asks_for_other_order(understanding: Understanding) -> bool:
    """ "and my other order?", "what about the other one": the shopper means another of their orders.

    Only short follow-ups of that shape count; a message naming an order number never does.
    """
    if understanding.payload is not None or understanding.order_numbers or understanding.tracking_numbers:
        return False
    text = understanding.text
    return bool(text) and bool(_OTHER_ORDER.match(text) or _WRONG_ORDER.match(text) or _CHECK_THE_OTHER.search(text))


#: "we also ordered three more on a separate order, can you check that one as well?": another order to check
_CHECK_THE_OTHER = re.compile(
    r"\b(?:another|other|separate|second|different) order\b.{0,60}\b(?:check|look(?: at| up)?|find)\b.{0,15}"
    r"\b(?:that|the other|it|this) (?:one|order)?\b.{0,10}\b(?:as well|too|also)\b|"
    # "also I ordered one more last week for my tita, can you check that one too?"
    r"\b(?:ordered|bought|placed|got) (?:one more|another(?: one)?|a second one)\b.{0,60}\b(?:check|look(?: at| up)?|find)\b"
    r".{0,15}\b(?:that|it|this)(?: one| order)?\b.{0,10}\b(?:as well|too|also)\b|"
    # "forget the router. wheres my other order, the kettle", "kindly tell status of my other order"
    r"\b(?:where(?:'s|s| is)|status of|track|check(?: on)?|tell me about|update on) (?:my|the|our) "
    r"(?:other|second|older|newer) (?:order|parcel|package|delivery)\b",
    re.I,
)
#: "wrong order, I was asking about the headphones": another of the shopper's orders, not a wrong item
_WRONG_ORDER = re.compile(
    r"^\W*(?:(?:no|sorry|oops|nope)\W+)*(?:that'?s |it'?s |that is )?(?:the )?wrong order\W+(?:i'?m|i was|i am|"
    r"i meant|i mean|asking|talking|meant)\b.*$|"
    r"^\W*(?:(?:no|sorry|oops|nope|wait)\W+)*i (?:meant|mean|was asking about|was talking about) (?:the|my|an|a) ?"
    r"(?:other|another|different|second|older|newer) (?:order|one)\b.*$",
    re.I,
)


#: "I don't want to wait that long": after a status answer, the shopper thinks of cancelling
_IMPATIENT = re.compile(
    r"\b(?:don'?t|do not|can'?t|cannot|won'?t|not going to|not gonna)\s+(?:want to |wanna |afford to )?wait\b|"
    r"\btoo long(?: to wait)?\W*$|\bnot waiting\b",
    re.I,
)
_PARCEL = re.compile(r"\b(?:parcel|package|delivery|shipment)s?\b", re.I)
#: "can I get it faster", "can you speed it up": after a status answer, a faster shipping speed
_FASTER = re.compile(
    r"\b(?:get|have|send|ship|deliver)\w* (?:it|them|this|my order) (?:any )?(?:faster|quicker|sooner)\b|"
    r"\bmake (?:it|them|this|my order|the delivery) (?:go |come |arrive |move |get here )?(?:any )?"
    r"(?:faster|quicker|sooner)\b|"
    r"\b(?:speed|hurry) (?:it|this|things) up\b|\b(?:upgrade|switch) (?:it |this )?to express\b",
    re.I,
)
CHANGE_ORDER = "change_order"
#: "and the jacket?", "thanks, what about the kettle?": nothing but a product after "and" / "what about"
_AND_THE = re.compile(
    r"^\W*(?:(?:thanks|thank you|ok(?:ay)?|cool|great)\W+)?(?:and|what about|how about)\s+"
    r"(?:the\s+|my\s+|your\s+)?(?P<rest>[\w' -]+?)\W*$",
    re.I,
)
#: "the headphones came but not the thermostat", "still waiting for the kettle": one item of the order
_NOT_THE_OTHER = re.compile(
    r"\b(?:came|arrived|got here|turned up|delivered|got it|received it)\b.{0,25}\bbut not (?:the |my )?\w|"
    r"\bstill (?:waiting|no sign) (?:for|of) (?:the |my )\w|"
    r"\bwhere(?:'s|s| is) (?:the |my )(?!(?:order|refunds?|money|credit|return|exchange|replacement|receipt|invoice)\b)\w",
    re.I,
)
#: "is the router ok?", "are the mugs safe": how the parcel holding them is doing
_IS_IT_OK = re.compile(
    r"^\W*(?:(?:and|so|but|ok|okay)\W+)?(?:is|are) (?:the|my) [\w' -]{1,40}? (?:ok|okay|alright|all right|safe|fine|"
    r"still coming|going to be ok)\W*$",
    re.I,
)
#: the product's words after "and the" are at most this many
MAX_PRODUCT_WORDS = 4


def names_a_parcel(understanding: Understanding) -> bool:
    """ "the other parcel" rather than "the other order": with a split order in context, that is the
    rest of it."""
    return bool(_PARCEL.search(understanding.text))


#: words about the goods or the parcel: "I still haven't got the parcel" is not about the money
_GOODS = re.compile(r"\b(?:parcel|package|delivery|shipment|order|item|box|product)s?\b", re.I)


#: "I need it by the 10th": a deadline for the order in context
#: "why is it on backorder", "when is it back in stock": what holds the order (its status says)
_STOCK = re.compile(
    r"\bwhy\b.{0,30}\b(?:back-?order(?:ed)?|out of stock|no stock)\b|\b(?:back in stock|in stock again|restock(?:ed)?)\b",
    re.I,
)


#: "how many times will they try", "will they come again": the carrier's next attempts
_ATTEMPTS = re.compile(
    r"\bhow many (?:times|attempts|tries|goes)\b|\b(?:will|do|does|would) (?:they|the (?:driver|courier|carrier)) "
    r"(?:try|come|attempt)(?: to deliver)? again\b|\b(?:next|another|second|third) (?:try|attempt|delivery attempt)\b|"
    r"\bwhen (?:will|do|does|would|are) (?:they|the (?:driver|courier|carrier)|it) (?:try|come|be delivered|attempt)\w* "
    r"again\b",
    re.I,
)
#: "when was it delivered", "what time did they deliver it": the delivery the status answer told of
_WHEN_DELIVERED = re.compile(
    r"\b(?:when|what time|what day) (?:was|were|did) (?:it|they|them|my \w+|the \w+) (?:get )?deliver(?:ed)?\b|"
    r"\b(?:when|what time|what day) did (?:they|you|the (?:driver|courier)) deliver\b",
    re.I,
)


#: "so?", "and?", "ok so?": what it means for the shopper, asked of the status just given
_BARE_SO = re.compile(r"^\W*(?:and|so|ok(?:ay)? so|and so|so what|and then|then what|meaning)\W*$", re.I)
#: the word of a cancellation asked for ("I want to cancel my order because it's too late for my trip")
_CANCEL_ASKED = re.compile(r"\bcancel", re.I)


#: what the NLU can read into "can I just pick it up somewhere? don't want my mom opening it" (a return, a
#: cancellation, a change): after a status answer, it is where to collect the parcel
_NOT_PICKUP = frozenset({RETURN_REQUEST, CANCEL_ORDER, CHANGE_ORDER})


def status_follow_up(understanding: Understanding, state: DialogueState) -> bool:
    """A status question right after a status answer, with the order still in context, that the NLU may
    read as something else: "and the headphones?" or "thanks, what about the mugs?" (setup help, a
    goodbye), "it's a gift, I need it by the 10th" (a return). Checked before the NLU's reading."""
    if understanding.payload is not None or understanding.order_numbers:
        return False
    if state.last_intent != ORDER_STATUS or not state.order_number:
        return False
    text = understanding.text
    if understanding.intent == CANCEL_ORDER and _CANCEL_ASKED.search(text):
        return False  # "cancel it, it won't come in time for my trip": the cancellation, not the day again
    item = _AND_THE.match(text) if understanding.products else None
    if item is not None and len(item.group("rest").split()) <= MAX_PRODUCT_WORDS:
        return True
    # "what's the address of the pickup point" is where to collect it (the NLU can read an address change)
    if understanding.products and _NOT_THE_OTHER.search(text):
        return True  # "the headphones came but not the thermostat": where the rest of the order is
    if understanding.products and _IS_IT_OK.search(text):
        return True  # "is the router ok?" after a held-up parcel: that parcel's status
    return bool(
        asks_for_a_deadline(text)
        or _ATTEMPTS.search(text)  # "how many times will they try": the status says
        or asks_what_if(text)  # "what if it arrives after the replacement": the status's article says
        or asks_about_lost_paperwork(text)  # "do I have to fill some form or police report?": no
        or asks_if_the_carrier_calls(text)  # "will the driver ring me before he comes?": the carrier's
        or asks_if_the_date_holds(text)  # "the new date is sure or it can change again?" (the NLU hears a change)
        or asks_about_packaging(text)  # "does the box say kettle on it?" (the NLU hears the kettle's guide)
        or _STOCK.search(text)
        or _WHEN_DELIVERED.search(text)
        or asks_for_the_pickup_place(text)
        or asks_to_email_it(text)
        or question_focus(text) in ("proof", "tracking", "signature")  # "who signed for it", "fedx number pls again"
        or bool(_BARE_SO.match(text))  # "so?", "and?": what now, about the order just described
        # "can I collect it instead" after a missed delivery: where to collect it (the NLU hears a return)
        or (understanding.intent == RETURN_REQUEST and question_focus(text) == "pickup")
        or (understanding.intent in _NOT_PICKUP and asks_to_collect_it(text))
        # "what's the problem exactly" after a held-up parcel: the status says it (the NLU hears a product fault)
        or (understanding.intent == SETUP_HELP and question_focus(text) in ("reason", "meaning"))
    )


#: problems with what arrived, whatever else the words say (a neighbour, a door); not a wrong item, which can be
#: the shopper's own ("I ordered the wrong thing, can I change it")
_WHAT_ARRIVED_IS_WRONG = frozenset({"damaged", "missing_item"})


def carrier_follow_up(understanding: Understanding, state: DialogueState) -> bool:
    """ "Can you check with DHL what the problem is", "I didn't get a card", "the neighbour just gave it to me"
    right after a status answer, with the order still in context: the carrier's part, a delivery problem (or
    the parcel turned up), whatever the NLU reads
    (it can take "what the problem is" for troubleshooting). Checked before the NLU's reading."""
    if not understanding.text or understanding.payload is not None or understanding.order_numbers:
        return False
    if state.last_intent != ORDER_STATUS or not state.order_number:
        return False
    if detect_kind(understanding.text) in _WHAT_ARRIVED_IS_WRONG:
        return True  # "found the box at the neighbour's door, open, and the jacket not inside": a missing item
    if turned_up(understanding.text):
        return True  # "the neighbour just gave it to me": glad it turned up (the NLU can hear instructions)
    # "how do I contact the driver" is the shopper reaching the carrier: the status answer's tracking page
    return asks_about_the_carrier(understanding.text) and not asks_for_carrier_contact(understanding.text)


#: words of money coming back ("how much will I get back", "which card will the refund go to")
#: a sum of money: "30", "$45", "£12.50"
_AMOUNT = re.compile(r"(?:[$£€]\s?)?\b\d+(?:[.,]\d\d)?\b")
_MONEY = re.compile(r"\b(?:back|refund\w*|money|reimburs\w*)\b", re.I)


#: the refund's processing, talked about after a refund answer
_PROCESSING = re.compile(r"\bprocess\w*\b", re.I)


def refund_follow_up(understanding: Understanding, state: DialogueState) -> bool:
    """ "it's been a week", "still nothing", "it's not in my account", "which card will it go to" right
    after a refund answer, with the order still in context: the refund has not shown up, or where or how
    much it is (whatever else the words could mean alone). After a status answer, only a question about
    where or how much money comes back counts.

    Checked before the NLU's reading, which takes "it's been a week" for a late parcel. Words about the
    parcel or the goods keep the NLU's reading.
    """
    text = understanding.text
    if not text or understanding.payload is not None or understanding.order_numbers:
        return False
    if not state.order_number:
        return False
    if state.last_intent == REFUND_STATUS and asks_how_much(text) and _AMOUNT.search(text):
        return True  # "I only got 30 back but the order was 45": the amount, whatever goods it names
    if _GOODS.search(text):
        return False
    if state.last_intent == ORDER_STATUS:  # "how much will I get back" after the status of a cancelled order
        return bool(_MONEY.search(text)) and (asks_where_the_refund_goes(text) or asks_how_much(text))
    if state.last_intent != REFUND_STATUS:
        return False
    if _PROCESSING.search(text):
        return True  # "processing since forever, just hit the button already", "when did ye start processin it"
    return (
        says_refund_missing(text)
        or asks_where_the_refund_goes(text)
        or asks_how_much(text)
        or asks_about_the_refund(text)
        or refund_timing_question(text) is not None  # "can you make it faster?", "do I get an email when it's done?"
    )


def preferences_follow_up(understanding: Understanding, state: DialogueState) -> bool:
    """ "And the setup guides too", right after a change of notification settings: more of that change
    (checked before the NLU's reading, which takes "setup guides" for setup help)."""
    if understanding.payload is not None or state.last_intent != NOTIFICATION_PREFERENCES:
        return False
    return bool(more_of_the_same(understanding.text))


def follow_up_intent(understanding: Understanding, state: DialogueState, *, verified: bool) -> str | None:
    """The intent an unclear message has in this conversation, or None (then the fallback answers).

    - a status question ("which carrier?", "where is it now?") right after a status answer about
      an order still in context is a status follow-up, "I don't want to wait that long" after it
      is about cancelling that order, "can I get it faster" (also after a late-parcel answer) about its
      shipping speed, and "can you call
      DHL" or "I didn't get a card" about the carrier (a delivery problem);
    - a symptom ("it makes a weird smell") is a troubleshooting question when a product is named,
      the conversation was about setting one up, or the shopper is verified (their orders say which
      product); words about the parcel itself (damage, loss, delay) and near-domain topics the NLU
      recognised ("an error when paying") are left to the NLU.
    """
    text = understanding.text
    if not text or understanding.payload is not None:
        return None
    if state.last_intent == ORDER_STATUS and state.order_number:
        if question_focus(text):
            return ORDER_STATUS
        if _IMPATIENT.search(text):
            return CANCEL_ORDER
        if _FASTER.search(text):
            return CHANGE_ORDER
        if asks_about_the_carrier(text) or detect_kind(text) is not None:
            return DELIVERY_PROBLEM  # "can you call DHL", "there's a hole in it": the parcel's problem
        if asks_about_delivery_instructions(text):
            return CHANGE_ORDER  # "I'll be home tomorrow, can they come then?": the carrier's tracking page
        if _MOVED.search(text):
            return CHANGE_ORDER  # "I moved, that's probably why": the delivery address
    if state.last_intent == CHANGE_ORDER and state.order_number and asks_about_delivery_instructions(text):
        return CHANGE_ORDER  # "what if I'm not in", after "can they leave it with a neighbour": the same page
    if state.last_intent == RETURN_POLICY and _BARE_HOW.match(text):
        return RETURN_REQUEST  # "how?" after the return policy: how to send it back, which starts with the items
    if state.last_intent in (RETURN_REQUEST, RETURN_POLICY) and asks_about_return_terms(text):
        return RETURN_POLICY  # "how much will it cost me", "can I drop it off at a post office": the return's terms
    if state.last_intent == DELIVERY_PROBLEM and state.order_number and _FASTER.search(text):
        return CHANGE_ORDER  # "can you hurry it up", after the late answer: its shipping speed
    if understanding.topic is None and describes_symptom(text) and not about_the_parcel(text):
        if understanding.products or state.last_intent == SETUP_HELP or verified:
            return SETUP_HELP
    return None


def why_not_follow_up(understanding: Understanding, state: DialogueState) -> bool:
    """ "Why not?" right after the answer that an order can't be cancelled or changed any more: why."""
    if understanding.payload is not None or understanding.order_numbers or not state.order_number:
        return False
    return state.last_intent in (CANCEL_ORDER, CHANGE_ORDER) and asks_bare_why(understanding.text)


#: "how?", "how do I do that": how to do what the last answer said can be done
_BARE_HOW = re.compile(
    r"^\W*(?:(?:ok|okay|so|and|great|cool)\W+)?how(?: (?:do|can) (?:i|we) (?:do (?:that|it|this)|start(?: it| one)?))?\W*$", re.I
)


#: "I moved, that's probably why", "I have a new address": the delivery address has changed
_MOVED = re.compile(
    r"\b(?:i|we)(?:'ve| have)? (?:just |recently )?moved\b|\bnew (?:address|addr|home|house|flat|apartment|place)\b|"
    r"\b(?:i'?m|i am|we'?re|we are) moving\b|^\W*moving\b",
    re.I,
)


#: "replacement pls", "I would prefer a replacement", "refund.": the remedy chosen for a parcel the carrier lost
_REMEDY_CHOSEN = re.compile(
    r"\b(?:i(?:'d| would)? (?:prefer|like|want|choose|take|go for)|please|pls|plz|just)\b.{0,20}\b(?:an? |the )?"
    r"(?:replacement|refund|new one|money back)\b|^\W*(?:an? )?(?:replacement|refund|new one|money back)\b|"
    # "I think a refund would suit me best", "a replacement works for me"
    r"\b(?:replacement|refund|new one|money back)\b.{0,12}\b(?:would|will|'d)? ?(?:suit|suits|be best|be better|works?|do)\b"
    r".{0,10}\b(?:me|us|best|better|fine)\b",
    re.I,
)


def chooses_a_remedy(understanding: Understanding, state: DialogueState) -> bool:
    """ "Replacement pls", "I would prefer a replacement" right after a status answer: the remedy chosen (for a
    parcel the carrier lost, which the engine checks), not a question about the status."""
    if understanding.payload is not None or understanding.order_numbers:
        return False
    if state.last_intent != ORDER_STATUS or not state.order_number:
        return False
    return bool(_REMEDY_CHOSEN.search(understanding.text))
