"""``order_status``: where is my order, per shipment, in plain words.

The first answer describes every parcel; a follow-up ("when will it arrive?", "which carrier?",
"tracking number?", "where is it now?") after a status answer gets just that, in one sentence.
Wording rules (see :mod:`handlers.wording`): verbs agree with the items, the carrier is named once
per parcel (with its tracking number, or with the delivery), dates are the shopper's local dates,
and each tracking URL appears once.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from handlers.articles import article_link, article_passage_reply, point_terms
from handlers.context import HandlerContext, OrderNeed, Outcome
from handlers.messages import Button, Link, Reply
from handlers.order_facts import (
    has_shipped,
    is_cancelled,
    is_late,
    item_names,
    lateness,
    shipment_items,
    unshipped_items,
)
from handlers.wording import (
    HUMAN_BUTTON,
    MISSING_BUTTON,
    RETURNED_BUTTONS,
    Agreement,
    agreement,
    day,
    distinct_links,
    join_words,
    local_date,
    moment_words,
    relative_day,
    status_words,
    your,
)
from knowledge.article import Article
from storage.domain import ShipmentStatus
from storage.models import Shipment
from storage.repositories.orders import OrderDetails

NOT_RECEIVED_BUTTON = Button("Didn't get it?", "problem:not_received")
REPORT_LATE_BUTTON = Button("Report it as late", "problem:late")
REPORT_LOST_BUTTON = Button("Report it lost", "problem:lost")
#: a link title longer than this is cut
LINK_TITLE_CHARS = 40

#: statuses that call for the shopper's action or a problem report (``{it}``/``{its}`` agree with the items)
_TROUBLE = {
    ShipmentStatus.ATTEMPT_FAILED: "The carrier will usually try again on the next working day (most try up to "
    "3 times in all), or leave a card saying where to collect {it}.",
    ShipmentStatus.AVAILABLE_FOR_PICKUP: "Bring an ID and the tracking number to collect {it}.",
    ShipmentStatus.EXCEPTION: "These are often cleared within a day or two. If there's no progress by then, "
    "I can get a person to chase the carrier.",
    ShipmentStatus.RETURNED_TO_SENDER: "Once {its} back with us we'll refund you or send {it} again, "
    "whichever you prefer.",
    ShipmentStatus.LOST: "I'm really sorry. We'll send a replacement or refund you in full.",
}
#: statuses of a parcel still travelling, whose whereabouts the carrier may not have reported yet
_TRAVELLING = frozenset(
    {
        ShipmentStatus.PRE_TRANSIT,
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.DELAYED,
        ShipmentStatus.EXCEPTION,
        ShipmentStatus.OUT_FOR_DELIVERY,
    }
)
#: statuses for which a delivery date says nothing useful (it won't come, or it waits for the shopper)
_NO_DATE = frozenset(
    {
        ShipmentStatus.LOST,
        ShipmentStatus.RETURNED_TO_SENDER,
        ShipmentStatus.AVAILABLE_FOR_PICKUP,
        ShipmentStatus.ATTEMPT_FAILED,
        # out for delivery means today: a second date would only contradict it
        ShipmentStatus.OUT_FOR_DELIVERY,
    }
)

#: parcels that will not come any more (delivered, lost, or on the way back to us)
ENDED = frozenset({ShipmentStatus.DELIVERED, ShipmentStatus.LOST, ShipmentStatus.RETURNED_TO_SENDER})
#: statuses of a parcel the shopper collects: at a pickup point, or where the carrier's card says
_TO_COLLECT = frozenset({ShipmentStatus.AVAILABLE_FOR_PICKUP, ShipmentStatus.ATTEMPT_FAILED})
#: days a pickup point holds a parcel (the pickup-points article says the same; a test keeps them equal)
PICKUP_HOLD_DAYS = 7

#: the delivery-delays article's offer for a late order the shopper no longer needs (a test keeps them equal)
REFUSE_LATE = (
    "Because it's late, you can refuse the delivery or send it back free of charge, and we refund you in full."
)
#: "I needed it for a birthday", "it won't come in time", "too late now": a late parcel may no longer be wanted
_TOO_LATE_FOR_ME = re.compile(
    r"\bneeded (?:it|them|this|that|the \w+) (?:by|before|for|on)\b|\bin time\b|\btoo late\b|"
    r"\b(?:don'?t|do not|no longer) (?:need|want) (?:it|them)\b",
    re.I,
)
#: "what's the address of the pickup point", "which locker is it in": where to collect the parcel
_PICKUP_PLACE = (
    r"\b(?:address|location|opening (?:hours|times)|hours) (?:of|for) (?:the |my |that )?(?:pickup|pick-up|"
    r"collection|parcel) (?:point|location|shop|place|locker)\b|\bwhich (?:pickup point|parcel shop|locker|"
    r"post office|depot)\b|\bwhere(?:'s| is) (?:the |that )?(?:pickup point|pick-up point|locker|parcel shop|"
    r"collection point)\b"
)
#: "can you send it to my email", "email me the link": the tracking details by email
_EMAIL_IT = (
    r"\b(?:send|email|e-mail|forward|mail)\b.{0,25}\b(?:to )?(?:my |your )?(?:e-?mail|inbox)\b|"
    r"\be-?mail (?:it|me|that|this|the (?:link|number|tracking))\b"
)
EMAIL_IT_LEAD = (
    "I can't send emails from this chat, but the shipping email we sent you has the same tracking link. Here it is "
    "again:"
)
#: what a follow-up asks about, tried in this order
#: "can i just pick it up somewhere??": collecting the parcel instead of having it delivered
_COLLECT_IT = r"\b(?:can|could|may) (?:i|we) (?:just |rather |not )?(?:collect it|collect them|pick (?:it|them) up)\b(?! from (?:you|your))"


def asks_to_collect_it(text: str) -> bool:
    """ "Can I just pick it up somewhere?": the shopper collecting the parcel themselves."""
    return bool(re.search(_COLLECT_IT, text, re.I))


_FOCUS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "meaning",
        re.compile(
            r"\bwhat does\b.{0,25}\b(?:lost|exception|in transit|pre-?transit|label created|out for delivery|"
            r"attempted|held up|returned to sender|available for pickup|delayed|that|this|it|the status)\b"
            r".{0,15}\bmean\b|\bwhat(?:'s| is) (?:an? |the )?(?:exception|pre-?transit|label created|"
            r"delivery attempted|returned to sender)\b|"
            r"\b(?:says|said|shows|showing|only says|stuck (?:on|at)|still (?:on|at|says))\b.{0,15}\b(?:exception|"
            r"pre-?transit|label created|delivery attempted|returned to sender)\b",
            re.I,
        ),
    ),
    (
        "signature",
        re.compile(
            r"\b(?:need|needs|require[sd]?|requir\w+|have to|has to|must|ask(?:s|ing)? for)\b.{0,30}\bsign(?:ature|ed| for it)?\b|"
            r"\bsignature (?:required|needed|on delivery)\b|\b(?:do|will) (?:i|we|you|they) (?:need|have) to sign\b|"
            r"\bbe (?:at )?home to sign\b",
            re.I,
        ),
    ),
    (
        "proof",
        re.compile(
            r"\bwho\b.{0,12}\b(?:signed|took|received|accepted|took in|has got)\b(?: for)?\s*(?:it|them|the (?:parcel|package|"
            r"delivery|box))?\W*$|\bwhere (?:was|were|did (?:they|he|she|the driver|the courier|\w+) leave) (?:it|they|them|"
            r"my (?:parcel|package|order))\b|\bproof of delivery\b|\bdelivery (?:photo\w*|picture|proof)\b|"
            # "where the driver left the parcels"
            r"\bwhere (?:the |my )?(?:driver|courier|postman|delivery \w+|they|he|she) (?:left|put|dropped|placed) "
            r"(?:it|them|the (?:parcel|package|box)e?s?|my \w+)\b|"
            r"\b(?:photo|picture|signature) of (?:the )?delivery\b|\bwho signed\b|"
            r"\b(?:photo|picture|pic|proof)\b.{0,25}\b(?:deliver\w*|left|dropped)\b|"
            r"\b(?:someone|somebody|anyone|anybody) signed(?: for)?\b|"
            # "nothing on the porch. where'd they put it??"
            r"\bwhere(?:'d| did| would| could)? (?:they|he|she|the (?:driver|courier|postman|delivery \w+)|\w+) "
            r"(?:leave|put|drop|place|hide|stick|stash)(?: off)? (?:it|them|my (?:parcel|package|order|box))\b",
            re.I,
        ),
    ),
    (
        "pickup",
        re.compile(
            r"\bwhere\b.{0,30}\b(?:collect|pick (?:it |them |\w+ )?up|pickup|pick-up)\b|"
            r"\bwhat\b.{0,30}\bbring\b|"
            r"\b(?:bring|need|show)\b.{0,20}\b(?:id|photo id|passport|driving licen[cs]e|pickup code|code)\b|"
            r"\bhow long\b.{0,40}\b(?:keep|hold|held|kept|stay|wait for me)\b|"
            r"\bhow (?:long|many days)\b.{0,25}\b(?:to )?(?:collect|pick (?:it|them|\w+ )?up)\b|"
            r"\bwhat (?:if|happens if) i (?:can'?t|cannot|don'?t|do not|miss)\b.{0,30}\b(?:collect|pick|make it|get there)|"
            r"\bopening (?:hours|times)\b|\bsomeone else\b.{0,20}\b(?:collect|pick)|"
            r"\b(?:can|could|may) (?:my|a|our) (?:husband|wife|partner|neighbou?r|friend|son|daughter|mum|mom|dad|"
            r"colleague|flatmate|roommate|family member)\b.{0,12}\b(?:collect|pick)|"
            r"\b(?:can'?t|cannot|won'?t be able to|unable to|not able to)\s+(?:get|go|make it)\s+(?:there|down there|"
            r"to (?:it|the (?:pickup|parcel|post|locker|shop|point|depot)))\b|"
            r"\b(?:can'?t|cannot|won'?t be able to|unable to)\s+(?:collect|pick (?:it|them) up)\b|"
            + _COLLECT_IT
            + "|"
            + _PICKUP_PLACE
            + r"|"
            r"\b(?:collect|pick) (?:it|them) up\b.{0,10}\bfor me\b|\b(?:collect|pick up) (?:it|them) for me\b|"
            r"\b(?:can|could) (?:i|we) (?:collect|pick up|fetch|go and get|go get) (?:it|them)(?: up)?"
            r"(?: myself| ourselves| instead| from (?:the )?(?:depot|post office|them|the carrier))*\W*$",
            re.I,
        ),
    ),
    (
        "tracking",
        re.compile(
            r"\btracking\s*(?:number|no\b|nr\b|#|code|id\b|link|url|page)|\bhow (?:do|can) i track\b|"
            r"^\W*(?:the\s+)?tracking\W*$|"
            r"\b(?:fedex|fedx|dhl|ups|usps|royal mail|dpd|evri|hermes|gls)\s+(?:tracking\s+)?(?:number|no|nr|code|#)\b|"
            + _EMAIL_IT,
            re.I,
        ),
    ),
    (
        "carrier",
        re.compile(
            r"\b(?:carrier|courier|delivery (?:company|service|firm)|shipping (?:company|service))\b|"
            r"\bwho(?:'s| is)? (?:delivering|bringing|shipping|carrying)\b",
            re.I,
        ),
    ),
    (
        "location",
        re.compile(
            r"\bwhere(?:'s| is| are)? (?:is )?(?:it|they|my (?:parcel|package|order|stuff))\s+"
            r"(?:now|right now|currently|at the moment|at)\b|\bcurrent(?:ly)? (?:location|position)\b|"
            r"\blast scan|\bwhere exactly\b",
            re.I,
        ),
    ),
    (
        "eta",
        re.compile(
            r"^\W*(?:(?:and|so|ok|okay|roughly|about)\W+)?(?:what|which|wat|wht) time"
            r"(?: (?:today|tomorrow|roughly|exactly|approx(?:imately)?|then|though|tho))?\W*$|\bwhat time (?:will|does|do|are)\b|"
            r"\bwhat time is (?:it|the \w+|my \w+) (?:coming|arriving|due|getting|being)\b|"
            r"\b(?:what|which) time\b.{0,12}\b(?:on|today|tomorrow|(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b|"
            r"\b(?:what|which) time\b.{0,20}\?|\bmorning or (?:in the )?(?:afternoon|evening)\b|"
            r"\b(?:time (?:slot|window)|delivery window)\b|"
            r"\b(?:for sure|definitely|guaranteed)\b.{0,15}(?:\?|\bthis time\b)|"
            r"\bwhen\b.{0,30}\b(?:arriv|get (?:here|it|there)|come|coming|be here|deliver|reach|turn up|show up|"
            r"expect|receive)|\b(?:what|which) day\b|\b(?:eta|delivery date|arrival date)\b|"
            r"\bhow (?:long|many (?:more )?days)\b(?!.{0,25}\bto (?:sort|fix|clear|resolve))|"
            r"\b(?:back in stock|in stock again|restock(?:ed)?)\b|"
            r"\b(?:be|arrive|come|get here|going to be|gonna be) (?:late|on time|in time)\b|\bstill on (?:time|track)\b|"
            r"\b(?:will|would|can|could|is|does)\b.{0,25}\b(?:come|arrive|get here|be here|make it|be delivered|"
            r"reach me)\b.{0,12}\b(?:before|by|in time for)\b|"
            r"\bneed(?:ed)? (?:it|them|this|my order|the \w+) (?:by|before|for)\b|"
            r"\b(?:is|are|will|would|does|do)\b.{0,25}\b(?:come|coming|arriv\w*|get here|be here|be delivered|"
            r"being delivered|turn up|show up)\b.{0,10}\b(?:today|tomorrow|tonight|this (?:week|weekend|morning|"
            r"afternoon|evening)|(?:on )?(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b|"
            r"\bwhich (?:one|parcel|item|box|package)s? (?:comes?|arrives?|will (?:come|arrive)|gets? here) first\b",
            re.I,
        ),
    ),
    (
        "reason",
        re.compile(
            r"\bwhy\b.{0,40}\b(?:long|late|slow|delay(?:ed)?|wait(?:ing)?|still|not|yet|stuck|back-?order(?:ed)?|"
            r"out of stock|on hold)\b|\bwhy\b.{0,20}n'?t\b|"
            r"\btaking (?:so |this |that )?(?:long|forever|ages)\b|\bhold[- ]?up\b|\bwhat'?s the delay\b|"
            r"^\W*(?:(?:so|ok|okay|and|alright|right|well|hmm+|um+)\W+){0,3}what (?:happens|now|next|do i do|should i do|"
            r"can i do)(?: now| next)?\W*$|"
            r"\bwhat are my options\b|^\W*(?:and|so|ok(?:ay)? so|and so|so what|and then|then what|meaning)\W*$|\bhow long (?:will|does) it take to (?:sort|fix|clear|resolve)|"
            r"^\W*(?:(?:but|and|so|ok|okay)\W+)?(?:why|how come)(?: (?:is )?that| not)?\W*$|"
            r"\bwhat'?s (?:going on|happening|happened|the (?:problem|issue|matter))\b(?! (?:in|at|on the)\b)",
            re.I,
        ),
    ),
)


#: "is the rest coming", "where's the other parcel": the parcels of a split order still to come
_REST = re.compile(
    r"\b(?:the rest|the others?|(?:other|second|2nd|remaining)\s+(?:parcels?|box(?:es)?|packages?|half|items?|"
    r"bits?|deliver(?:y|ies)|shipments?|one)|(?:parcel|box|package) (?:2|two)(?: of \w+)?)\b",
    re.I,
)
#: "why did it come in two boxes", "why was my order split": why an order travels in several parcels
_SPLIT = re.compile(
    r"\b(?:why|how come)\b.{0,40}(?:\bsplit\b|\b(?:two|2|three|3|several|separate|different|multiple)\s+"
    r"(?:box(?:es)?|parcels|packages|deliveries|shipments|lots|days|couriers|carriers)\b|\bin (?:bits|pieces)\b|"
    r"\b(?:all |everything )?together\b|\bin one (?:box|parcel|package)\b)",
    re.I,
)
#: why orders are split (the split-shipments help article says the same)
SPLIT_WHY = (
    "We send an order in more than one parcel when its items are in different warehouses, when a large item "
    "travels by freight, or when an item ships later, so that everything reaches you as soon as possible. "
    "You don't pay extra shipping for it."
)
SPLIT_ARTICLE = "split-shipments"
#: the articles on what happens next to a parcel in these states, which the questions after its status are about
_STATUS_ARTICLES = (
    (ShipmentStatus.LOST, "lost-parcel"),
    (ShipmentStatus.ATTEMPT_FAILED, "failed-delivery-attempt"),
)


#: the article on what happens next to a late order
DELAYS_ARTICLE = "delivery-delays"


def _status_article(details: OrderDetails, today: date) -> str | None:
    """The article on what happens next to the order's lost, undelivered or late parcel, if it has one."""
    statuses = {shipment.status for shipment in details.shipments}
    found = next((article for status, article in _STATUS_ARTICLES if status in statuses), None)
    return found or (DELAYS_ARTICLE if is_late(details, today) else None)


_PICKUP_PLACE_QUESTION = re.compile(_PICKUP_PLACE, re.I)
_EMAIL_IT_QUESTION = re.compile(_EMAIL_IT, re.I)


def asks_to_email_it(text: str) -> bool:
    """ "Can you send it to my email?": the tracking details by email (not a new delivery address)."""
    return bool(_EMAIL_IT_QUESTION.search(text))


#: "can you give me the courier's phone number", "how do I contact the driver": the status answer names the
#: carrier and links its tracking page, where the carrier can be reached ("can you contact the courier for
#: me" asks the team to chase it: :func:`handlers.delivery_problem.asks_about_the_carrier`)
_CARRIER_CONTACT = re.compile(
    r"\b(?:courier|carrier|driver|delivery (?:company|firm|service|guy|man))'?s? (?:phone|contact|tel\w*|number|e-?mail"
    r"|details|website)|\b(?:how (?:do|can|could|should) (?:i|we)|can (?:i|we)|(?:i|we) (?:want|need|would like|'d like)"
    r" to) (?:contact|call|phone|ring|reach|message|email|speak to|talk to|get (?:hold of|in touch with)) (?:the|your|"
    r"my) (?:courier|carrier|driver|delivery (?:company|firm|service|driver|guy|man))\b",
    re.I,
)


#: "it's a gift, I need it by friday", "if I don't get my order by friday": a day the order must come by
_DEADLINE = re.compile(
    r"\bneed(?:ed)? (?:it|them|this|my order|the \w+) (?:by|before|for)\b|"
    r"\b(?:get|receive|have|got)\b (?:my|the|our) (?:order|parcel|package|delivery|stuff|items?|\w+) "
    r"(?:by|before|until) (?:\w+day|tomorrow|tonight|the weekend|christmas|xmas|the \d+\w*|next week|\d+\w*)\b|"
    r"\b(?:it'?s|its|they'?re|this is|these are|it is) (?:a present |a gift )?for (?:a|my|his|her|our|their|the) "
    r"(?:\w+'?s? )?(?:birthday|wedding|anniversary|party|christmas|xmas|trip|holiday|event)\b.{0,20}\b(?:on|this|next|by|"
    r"tomorrow|tonight|\w+day)\b|"
    r"\bguarant\w*\b.{0,30}\b(?:arriv\w*|deliver\w*|get here|be here|come|tomorrow|today|in time)\b",
    re.I,
)


def asks_for_a_deadline(text: str) -> bool:
    """ "I need it by friday", "if I don't get my order by friday": a day the order must arrive by, which the
    status answers."""
    return bool(_DEADLINE.search(text))


def asks_for_carrier_contact(text: str) -> bool:
    """ "Can you give me the courier's phone number?", "how do I contact the driver?": the order's carrier and
    its tracking page, where the carrier can be reached."""
    return bool(_CARRIER_CONTACT.search(text))



def asks_for_the_pickup_place(text: str) -> bool:
    """ "What's the address of the pickup point?": where to collect the parcel (not a new address)."""
    return bool(_PICKUP_PLACE_QUESTION.search(text))


def question_focus(text: str) -> str | None:
    """What a status follow-up asks about: ``eta``, ``carrier``, ``tracking``, ``location``, ``proof`` (who
    signed for it, where it was left), ``signature`` (whether one is needed), ``reason`` (why it is taking so
    long), or None."""
    if not text:
        return None
    for focus, pattern in _FOCUS:
        if pattern.search(text):
            # "at what time of day is the courier likely to call on Wednesday": the time, not the carrier
            return "eta" if focus == "carrier" and _TIME_OF_DAY.search(text) else focus
    return None


#: foci a follow-up can ask together, each answered in its own sentence
_COMBINABLE = ("tracking", "carrier", "location", "eta")


def _also_asked(text: str, first: str) -> list[str]:
    """The other facts one follow-up asks for besides ``first`` ("when will it come and who's delivering
    it": the carrier, then the day)."""
    if first not in _COMBINABLE:
        return []
    return [
        focus
        for focus, pattern in _FOCUS
        if focus in _COMBINABLE and focus != first and pattern.search(text)
    ]


#: "what time roughly?", "morning or afternoon?": the hour of delivery, which the carrier gives on the day
_TIME_OF_DAY = re.compile(
    r"\b(?:what|which) time\b|\bmorning or (?:in the )?(?:afternoon|evening)\b|\b(?:am or pm|time (?:slot|window)|"
    r"delivery window)\b|\bwhat hours?\b|\b(?:before|by|after|until|till) \d{1,2}(?:[:.]\d\d)?\s*(?:am|pm|o'?clock)?"
    r"(?!\s*(?:days?|weeks?|th|st|nd|rd)\b)\b|\b(?:in|during) the (?:morning|afternoon|evening)\b",
    re.I,
)
NO_DELIVERY_TIME = (
    "The carrier doesn't give us a time of day; on the day of delivery its tracking page usually shows a time window."
)


def _still_travelling(details: OrderDetails) -> bool:
    """Whether a parcel of the order is still on its way (not delivered, lost or back with us)."""
    return any(shipment.status in _TRAVELLING for shipment in details.shipments)


#: "what if it arrives after all?", "what happens if all three tries fail?": what comes next in a case
_WHAT_IF = re.compile(
    r"\bwhat (?:if|happens if|happens when|happens after|would happen if)\b|"
    # "and if old parcel come after all, after you send new one?", "if I miss them three times is it gone?"
    r"^\W*(?:(?:and|but|so|ok|okay)\W+)?if\b.{0,60}\b(?:after all|anyway|turns? up|shows? up|arrives?|comes?|miss\w*|"
    r"fails?|never|finds?|found)\b.*\?",
    re.I,
)
#: "do I have to fill in a form or a police report?": paperwork for a lost parcel
_LOST_PAPERWORK = re.compile(
    r"\b(?:do|should|must|will) (?:i|we) (?:have to |need to )?(?:fill|file|make|do|submit|send|sign|report)\b.{0,30}"
    r"\b(?:forms?|police|claims?|paperwork|reports?|statements?|affidavit)\b|\bpolice report\b|"
    # "do I need to do anything myself? like file something with UPS, or the police?"
    r"\b(?:file|report|claim) (?:something|anything|it|a claim)\b.{0,25}\b(?:with|to) (?:ups|fedex|dhl|usps|the "
    r"(?:carrier|courier|police))\b",
    re.I,
)


def asks_what_if(text: str) -> bool:
    """ "What if it arrives after all?", "what happens if all three tries fail?": what comes next."""
    return bool(_WHAT_IF.search(text))


#: "does the box say kettle on it?", "is the packaging discreet?": what the parcel shows outside
_PACKAGING = re.compile(
    r"\b(?:box|parcel|package|packaging|outside)\b.{0,25}\b(?:say|says|show|shows|printed|print|label(?:led)?|"
    r"mark(?:ed|ings?)|plain|discreet|branded|logo|picture)\b|\bdiscreet(?:ly)?(?: packag\w*| box| wrapp\w*)?\b",
    re.I,
)
#: "will the driver ring me before he comes?": the carrier's own calls or texts
_CARRIER_CALLS = re.compile(
    r"\b(?:will|does|do|would|can|could) (?:the )?(?:driver|courier|carrier|delivery (?:guy|man|person|driver)|postman|"
    r"ups|fedex|dhl|usps|they|he|she)\b.{0,12}\b(?:ring|call|phone|text|message|notify|warn)\b",
    re.I,
)
PACKAGING_UNKNOWN = (
    "I can't see what's printed on the parcel itself. A person on our team can check how it's packed and labelled."
)


def asks_about_packaging(text: str) -> bool:
    """ "Does the box say kettle on it?": what the outside of the parcel shows."""
    return bool(_PACKAGING.search(text))


def asks_if_the_carrier_calls(text: str) -> bool:
    """ "Will the driver ring me before he comes?": whether the carrier calls or texts ahead."""
    return bool(_CARRIER_CALLS.search(text))


def carrier_calls_reply(details: OrderDetails) -> Reply:
    """Whether the driver calls ahead is the carrier's: its tracking page and the day's notices."""
    travelling = [s for s in details.shipments if s.status not in ENDED]
    carrier = next((c for c in (_carrier(s) for s in travelling or details.shipments) if c), None)
    who = carrier or "the carrier"
    page = f"{carrier}'s tracking page" if carrier else "the carrier's tracking page"
    return Reply(
        f"Whether the driver calls ahead is up to {who}, so I can't promise a call. On {page} you can usually sign "
        "up for a text or an email on the day, and choose a safe place, a neighbour or a pickup point if nobody "
        "will be in.",
        links=distinct_links(tracking_links(details, travelling)),
        buttons=[HUMAN_BUTTON],
    )


#: "the new date is sure or it can change again?", "5th December is sure or again it may extend?"
_DATE_HOLDS = re.compile(
    r"\b(?:sure|certain|guaranteed|definite|fixed|firm|confirmed)\b.{0,30}\b(?:or|and)\b.{0,30}\b(?:change|extend|move|"
    r"slip|later|delay\w*)\b|"
    r"\b(?:can|could|may|might|will) (?:it|the (?:new )?date|that|this|they)(?: still| again)? (?:change|extend|move|slip|"
    r"be (?:late|delayed|pushed back))\b|"
    r"\bis (?:that|the (?:new )?date|it|this) (?:date )?(?:sure|certain|guaranteed|definite|fixed|firm|confirmed)\b",
    re.I,
)
#: what an expected day is: an estimate
ESTIMATE_ONLY = "That's an estimate, not a guarantee, so it can still move; the tracking page always shows the latest."
STOCK_ESTIMATE = (
    "That's the day we expect the stock, so it can move if our supplier's delivery is late. We ship it the day "
    "the stock arrives and send you the tracking link then."
)


def asks_if_the_date_holds(text: str) -> bool:
    """ "The new date is sure or it can change again?": whether the expected day is certain."""
    return bool(_DATE_HOLDS.search(text))


def date_holds_reply(details: OrderDetails, today: date) -> Reply:
    """The expected day, and that it is an estimate (for a backorder: the day the stock is expected)."""
    day_answer = answer_follow_up(details, "eta", today)
    waiting_for_stock = details.order.backordered_until is not None and not has_shipped(details)
    day_answer.text = f"{day_answer.text} {STOCK_ESTIMATE if waiting_for_stock else ESTIMATE_ONLY}"
    return day_answer


def asks_about_lost_paperwork(text: str) -> bool:
    """ "Do I have to fill some form or police report?": what the shopper must do about a lost parcel."""
    return bool(_LOST_PAPERWORK.search(text))


class OrderStatusHandler:
    """Answers "where is my order?" from the order's shipments."""

    name = "order_status"
    intents = ("order_status",)
    payload_prefixes = ("status",)

    def order_need(self, ctx: HandlerContext) -> OrderNeed:
        """Always needs a verified order."""
        return OrderNeed.REQUIRED

    async def handle(self, ctx: HandlerContext) -> Outcome:
        """Describe every shipment of the order in context, or answer the follow-up question asked: why
        the order travels in several parcels, or where the rest of it is."""
        assert ctx.order is not None
        if _SPLIT.search(ctx.text):
            reply = explain_split(ctx.order, ctx.today())
            reply.links += article_link(ctx.knowledge.base, SPLIT_ARTICLE)
            return Outcome(replies=[reply])
        if _REST.search(ctx.text):
            rest = rest_reply(ctx.order, ctx.today())
            if rest is not None:
                return Outcome(replies=[rest])
        named = ctx.understanding.order_numbers or ctx.understanding.tracking_numbers
        lost = [s for s in ctx.order.shipments if s.status == ShipmentStatus.LOST]
        if lost and not named and asks_about_lost_paperwork(ctx.text):  # "do I need a police report?"
            carrier = _carrier(lost[0]) or "the carrier"
            return Outcome.say(
                f"No, you don't need to fill in any form or report it to the police: we handle the claim with {carrier} "
                "ourselves and send you a replacement or a full refund, whichever you prefer.",
                buttons=[REPORT_LOST_BUTTON, HUMAN_BUTTON],
            )
        if not named and ctx.last_intent == self.name and asks_if_the_date_holds(ctx.text):
            return Outcome(replies=[date_holds_reply(ctx.order, ctx.today())])  # "the new date is sure or can it change?"
        if not named and ctx.last_intent == self.name and asks_if_the_carrier_calls(ctx.text):
            return Outcome(replies=[carrier_calls_reply(ctx.order)])  # "will the driver ring me before he comes?"
        if not named and ctx.last_intent == self.name and asks_about_packaging(ctx.text):
            return Outcome.say(PACKAGING_UNKNOWN, buttons=[HUMAN_BUTTON])  # "does the box say kettle on it?"
        article = _status_article(ctx.order, ctx.today())
        if article is not None and not named and ctx.last_intent == self.name and asks_what_if(ctx.text):
            passage = article_passage_reply(ctx, article)  # "what if it arrives after the replacement?"
            if passage is not None:
                return Outcome(replies=[passage], article=article)
        focus = question_focus(ctx.text)
        if focus == MEANING:
            meaning = status_meaning(ctx.order, ctx.knowledge.base.get(STATUSES_ARTICLE), ctx.text)
            if meaning is not None and not ctx.order.shipments:  # "still says label created", not shipped yet
                status = describe_order(ctx.order, ctx.today())
                meaning.text = f"{status.text}\n\n{meaning.text}"
                meaning.buttons = status.buttons
            if meaning is not None:
                return Outcome(replies=[meaning])
            focus = None
        if focus == "reason" and ctx.last_intent == self.name and _coming_back(ctx.order):
            return Outcome(replies=[why_it_comes_back(ctx.order)])  # "why?" about a parcel coming back to us
        if focus is not None and ctx.last_intent == self.name and not named:
            reply = answer_follow_up(ctx.order, focus, ctx.today())
            for other in _also_asked(ctx.text, focus):  # "when will it come and who's delivering it"
                more = answer_follow_up(ctx.order, other, ctx.today())
                reply.text = f"{reply.text} {more.text}"
                reply.links = distinct_links([*reply.links, *more.links], reply.text)
                reply.buttons += [b for b in more.buttons if b not in reply.buttons]
            if focus == "eta":
                reply.text = f"{_today_or_tomorrow(ctx.order, ctx.text, ctx.today())}{reply.text}"
            if focus == "eta" and _TIME_OF_DAY.search(ctx.text) and _still_travelling(ctx.order):
                reply.text = f"{reply.text} {NO_DELIVERY_TIME}"  # "what time roughly? morning or afternoon"
            if focus == "eta" and _TOO_LATE_FOR_ME.search(ctx.text) and is_late(ctx.order, ctx.today()):
                reply.text = f"{reply.text} {REFUSE_LATE}"  # "I needed it for a birthday"
            if focus == "tracking" and asks_to_email_it(ctx.text):
                reply.text = f"{EMAIL_IT_LEAD} {reply.text}"
            return Outcome(replies=[reply])
        if focus == "pickup" and any(s.status in _TO_COLLECT for s in ctx.order.shipments):
            # "where do I collect order 1008": how to collect it is the answer, from the first message on
            return Outcome(replies=[answer_follow_up(ctx.order, focus, ctx.today())])
        missing = missing_from_delivered(ctx.order, set(ctx.understanding.skus), ctx.text)
        if missing is not None and ctx.last_intent == self.name and not named:
            return Outcome(replies=[missing])  # "got the mugs but where's the coffee machine": not in the box
        named_parcel = describe_named_parcel(ctx.order, set(ctx.understanding.skus), ctx.today())
        if named_parcel is not None and ctx.last_intent == self.name and not named:
            return Outcome(replies=[named_parcel])  # "where's the thermostat now": its parcel, not the order
        reply = describe_order(ctx.order, ctx.today())
        if ctx.last_intent == self.name and not named and asks_beyond_the_status(ctx.text):
            # "does running late mean something happened to it?" just after the status: not the status again
            article = _status_article(ctx.order, ctx.today())
            passage = article_passage_reply(ctx, article) if article is not None else None
            if passage is not None and covers_the_question(ctx.text, passage.text):
                return Outcome(replies=[passage], article=article)
            return Outcome(replies=[nothing_more_reply(ctx.order, reply)])
        if _PAID_EXPRESS.search(ctx.text) and is_late(ctx.order, ctx.today()):
            _add_express_refund(ctx, reply)  # "I paid for express but it's taking ages"
        # the questions after a lost parcel or a failed attempt ("what if it turns up after the replacement?",
        # "what happens after 3 tries?") are its article's
        return Outcome(replies=[reply], article=_status_article(ctx.order, ctx.today()))


#: a question of at least this many words that names no fact of the status is asked beyond it
_BEYOND_WORDS = 7


def asks_beyond_the_status(text: str) -> bool:
    """A question after a status answer that no fact of the status answers ("does running late mean something
    happened to it?", "which carrier actually has it, the number looks like UPS's?"): a longer question
    whose focus (the day, the carrier, the tracking ...) isn't recognised."""
    return (
        "?" in text
        and len(text.split()) >= _BEYOND_WORDS
        and question_focus(text) is None
        and not _ABOUT_THE_WAIT.search(text)
    )


#: "I ordered it ages ago and it's still not shipped??": the wait itself, which the status (and its apology) answers
_ABOUT_THE_WAIT = re.compile(
    r"\b(?:still|stil) (?:not|no|nothing|hasn'?t|haven'?t|isn'?t)\b|\bnot (?:yet )?(?:shipped|shiped|sent|here|arrived|"
    r"delivered)\b|\b(?:ages|forever|so long|taking so long|weeks ago)\b",
    re.I,
)


#: of a question's point words (:func:`handlers.articles.point_terms`), a passage that answers it shares at
#: least this many, and this share of them
_COVERED_TERMS, _COVERED_SHARE = 2, 1 / 3


def covers_the_question(question: str, passage: str) -> bool:
    """Whether a passage shares enough of a longer question's point words to answer it (one shared word, such
    as "late", is chance)."""
    point = point_terms(question, None)
    shared = point & set(point_terms(passage, None))
    return len(shared) >= _COVERED_TERMS and len(shared) >= _COVERED_SHARE * len(point)


def nothing_more_reply(details: OrderDetails, status: Reply) -> Reply:
    """What to say to a question the status just given can't answer: nothing more is known here, a
    person can look into it (the status's own buttons stay)."""
    buttons = [*status.buttons, *([] if HUMAN_BUTTON in status.buttons else [HUMAN_BUTTON])]
    return Reply(
        f"I can't tell you more about that than the tracking of order #{details.number} shows, which is what I "
        "just said. A person on our team can look into it for you.",
        buttons=buttons,
        links=status.links,
    )


def why_it_comes_back(details: OrderDetails) -> Reply:
    """Why a parcel is on its way back to us, and the choice of sending it again or a refund."""
    returning = [s for s in details.shipments if s.status == ShipmentStatus.RETURNED_TO_SENDER]
    skus = {sku for s in returning for sku in s.skus}
    items = [i for i in details.items if i.sku in skus] or list(details.items)
    agree = agreement([i.quantity for i in items], [i.name for i in items])
    names = join_words(item_names(items)) or "your parcel"
    return Reply(
        f"{your(names)} {agree.be} on {'their' if agree.plural else 'its'} way back to us: the carrier "
        f"couldn't deliver {agree.it}. "
        "That usually means the address couldn't be found, nobody collected the parcel in time, or the "
        f"delivery was refused. Once {agree.subject} {agree.be} back with us, we'll send {agree.it} again "
        "or refund you, whichever you prefer. Which would you like?",
        buttons=[*RETURNED_BUTTONS, HUMAN_BUTTON],
    )


#: "I paid for express shipping", "it was next-day delivery"
_PAID_EXPRESS = re.compile(r"\b(?:express|next[- ]day|overnight|priority|expedited)\b", re.I)
SHIPPING_POLICY_ARTICLE = "shipping-policy"


def _add_express_refund(ctx: HandlerContext, reply: Reply) -> None:
    """Add what the shipping policy says of a late express order's fee, with its link."""
    article = ctx.knowledge.base.get(SHIPPING_POLICY_ARTICLE)
    passage = ctx.knowledge.index.passage(article, "express order late refund express shipping fee") if article else None
    if article is None or not passage:
        return
    reply.text = f"{reply.text}\n\n{passage}"
    reply.links = [*reply.links, Link(article.title, article.url)]


def _coming_back(details: OrderDetails) -> bool:
    return any(s.status == ShipmentStatus.RETURNED_TO_SENDER for s in details.shipments)


MEANING = "meaning"
STATUSES_ARTICLE = "tracking-statuses"
#: how the tracking statuses article names each status (its list items start with these words)
_STATUS_LABELS = {
    ShipmentStatus.PRE_TRANSIT: "pre-transit",
    ShipmentStatus.IN_TRANSIT: "in transit",
    ShipmentStatus.OUT_FOR_DELIVERY: "out for delivery",
    ShipmentStatus.AVAILABLE_FOR_PICKUP: "available for pickup",
    ShipmentStatus.DELIVERED: "delivered",
    ShipmentStatus.ATTEMPT_FAILED: "delivery attempted",
    ShipmentStatus.DELAYED: "delayed",
    ShipmentStatus.EXCEPTION: "exception",
    ShipmentStatus.RETURNED_TO_SENDER: "returned to sender",
    ShipmentStatus.LOST: "lost",
}


#: statuses a shopper may read on a tracking page and ask about by name
_NAMED_STATUSES = ("label created", "pre-transit", "exception", "delivery attempted", "returned to sender")


def status_meaning(details: OrderDetails, article: Article | None, text: str = "") -> Reply | None:
    """ "What does lost mean?": what the tracking statuses article says of the status the shopper names
    ("it says label created"), else of each status the order's parcels have now; None when the article
    is missing or names none of them."""
    if article is None:
        return None
    items = [text for text in article.passages() if ":" in text]
    named = [label for label in _NAMED_STATUSES if label in text.lower()]
    labels = named or [_STATUS_LABELS.get(ShipmentStatus(s)) for s in dict.fromkeys(s.status for s in details.shipments)]
    lines: list[str] = []
    for label in labels:
        found = next((item for item in items if label and label in item.lower().split(":")[0]), None)
        if found is not None and found not in lines:
            lines.append(found)
    if not lines:
        return None
    return Reply("\n".join(lines), links=[Link(article.title, article.url)])


# ---------------------------------------------------------------------- the whole order
def describe_order(details: OrderDetails, today: date) -> Reply:
    """The status of the whole order: one paragraph per shipment, plus what has not shipped.

    ``today`` is the shopper's local date.
    """
    number = details.number
    if is_cancelled(details):
        refund = _refund_words(details.order.refund_status)
        return Reply(
            f"Order #{number} was cancelled, so nothing will be delivered.{refund}",
            buttons=[Button("Refund status", "intent:refund_status"), HUMAN_BUTTON],
        )
    if not has_shipped(details) and not details.shipments:
        return _not_shipped(details, today)

    paragraphs: list[str] = []
    buttons: list[Button] = []
    several = len(details.shipments) > 1
    if several:
        paragraphs.append(f"Order #{number} travels in {len(details.shipments)} parcels.")
    for shipment in details.shipments:
        text, extra_buttons = _shipment_paragraph(details, shipment, today, number, several)
        paragraphs.append(text)
        for button in extra_buttons:
            if button not in buttons:
                buttons.append(button)
    links = tracking_links(details, list(details.shipments))
    waiting = unshipped_items(details)
    if waiting and details.shipments:
        agree = agreement([item.quantity for item in waiting], [item.name for item in waiting])
        paragraphs.append(
            f"{your(join_words(item_names(waiting)))} {agree.hasnt} shipped yet."
            f"{_ship_date_words(details, today)}"
        )
    if any(b.payload.startswith("problem:") for b in buttons) and HUMAN_BUTTON not in buttons:
        buttons.append(HUMAN_BUTTON)
    text = "\n\n".join(paragraphs)
    return Reply(text, buttons=buttons, links=distinct_links(links, text))


#: "got the mugs but where's the coffee machine", "the mugs came but not the machine": one item is not there
_GOT_BUT_NOT = re.compile(
    r"\b(?:got|received|came|arrived|turned up|here)\b.{0,40}\b(?:but|except|without)\b.{0,12}"
    r"\b(?:not|no|where(?:'s|s| is)?|missing)\b",
    re.I,
)


#: words of a message or a product name that tell no product from another
_NOT_NAME_WORDS = frozenset("the not but and got for you was were set pro one two any all".split())


def _words(text: str) -> set[str]:
    """The longer words of ``text``, lower case, without a plural ``s`` ("mugs" and "Mug Set" share "mug")."""
    return {word.lower().removesuffix("s") for word in re.findall(r"[A-Za-z]{3,}", text)} - _NOT_NAME_WORDS


def missing_from_delivered(details: OrderDetails, skus: set[str], text: str) -> Reply | None:
    """ "Got the mugs but where's the coffee machine?" when the machine was delivered in the same parcel as
    the mugs: it is missing from the box (a report), not still on its way. None otherwise."""
    said = _GOT_BUT_NOT.search(text)
    if not skus or said is None:
        return None
    holding = [s for s in details.shipments if skus & {item.sku for item in shipment_items(details, s)}]
    if not holding or any(s.status != ShipmentStatus.DELIVERED for s in holding):
        return None
    parcel_items = [item for s in holding for item in shipment_items(details, s)]
    after = _words(text[said.start() :].split(" but ", 1)[-1] if " but " in text else text[said.end() :])
    wanted = [item for item in parcel_items if item.sku in skus and _words(item.name) & after]
    others = [item for item in parcel_items if item not in wanted]
    if not wanted or not others:
        return None  # alone in its parcel: a parcel not received, which the status's button reports
    agree = agreement([item.quantity for item in wanted], [item.name for item in wanted])
    return Reply(
        f"{your(join_words(item_names(wanted)))} {agree.was} in the same parcel as "
        f"{your(join_words(item_names(others)), capital=False)}, and that parcel was delivered. If "
        f"{agree.subject} {agree.was}n't in the box, {agree.its} missing: report it and we'll send "
        f"{agree.it} or refund you.",
        buttons=[Button("Report it missing", MISSING_BUTTON.payload), HUMAN_BUTTON],
    )


def describe_named_parcel(details: OrderDetails, skus: set[str], today: date) -> Reply | None:
    """ "Where's the thermostat now?" about an order in several parcels: the parcels holding the named
    products only; None when the order travels in one parcel or no parcel holds them."""
    if len(details.shipments) < 2 or not skus:
        return None
    chosen = [s for s in details.shipments if skus & set(s.skus)]
    if not chosen or len(chosen) == len(details.shipments):
        return None
    buttons: list[Button] = []
    paragraphs: list[str] = []
    for shipment in chosen:
        text, extra = _shipment_paragraph(details, shipment, today, details.number, True)
        paragraphs.append(text)
        buttons += [b for b in extra if b not in buttons]
    text = "\n\n".join(paragraphs)
    return Reply(text, buttons=buttons, links=distinct_links(tracking_links(details, chosen), text))


def describe_rest(details: OrderDetails, today: date) -> Reply | None:
    """The parcels of the order still to come (and items not shipped yet), when another parcel was
    delivered already; None otherwise ("I only got the headphones": the rest travels separately)."""
    arrived = [s for s in details.shipments if s.status == ShipmentStatus.DELIVERED]
    coming = [s for s in details.shipments if s.status not in ENDED]
    waiting = unshipped_items(details)
    if not arrived or not (coming or waiting):
        return None
    paragraphs = [_shipment_paragraph(details, shipment, today, details.number, True)[0] for shipment in coming]
    links = tracking_links(details, coming)
    if waiting:
        agree = agreement([item.quantity for item in waiting], [item.name for item in waiting])
        paragraphs.append(
            f"{your(join_words(item_names(waiting)))} {agree.hasnt} shipped yet.{_ship_date_words(details, today)}"
        )
    text = "\n\n".join(paragraphs)
    return Reply(text, links=distinct_links(links, text))


def rest_reply(details: OrderDetails, today: date) -> Reply | None:
    """:func:`describe_rest` saying that the rest of the order comes separately; None as it."""
    rest = describe_rest(details, today)
    if rest is not None:
        rest.text = f"The rest of order #{details.number} comes separately.\n\n{rest.text}"
    return rest


def explain_split(details: OrderDetails, today: date) -> Reply:
    """Why the order travels in several parcels (or that it travels in one), then its status."""
    status = describe_order(details, today)
    several = len(details.shipments) > 1
    if not several and not (details.shipments and unshipped_items(details)):
        if details.shipments:  # one parcel: anything that came on its own is missing from it
            status.text = (
                f"Order #{details.number} was sent as one parcel, so everything should arrive together. If "
                f"something is missing from what came, tell me.\n\n{status.text}"
            )
            if MISSING_BUTTON not in status.buttons:
                status.buttons = [MISSING_BUTTON, *status.buttons]
        return status
    head, _, rest = status.text.partition("\n\n")
    status.text = f"{head} {SPLIT_WHY}\n\n{rest}" if several else f"{SPLIT_WHY}\n\n{status.text}"
    return status


def _subject(details: OrderDetails, shipment: Shipment) -> tuple[str, Agreement]:
    """``Your Kettle Pro 200`` (or ``Your parcel``) and the verb forms that agree with it."""
    items = shipment_items(details, shipment)
    if not items:
        return "Your parcel", Agreement(plural=False)
    return your(join_words(item_names(items))), agreement(
        [item.quantity for item in items], [item.name for item in items]
    )


def _carrier(shipment: Shipment) -> str | None:
    carrier = (shipment.carrier or "").strip()
    return carrier if carrier and carrier.lower() != "unknown" else None


def _out_today(shipment: Shipment, zone: str, today: date) -> bool:
    """Whether an out-for-delivery parcel went out today (the shopper's today; unknown counts as today)."""
    return shipment.last_event_at is None or local_date(shipment.last_event_at, zone) >= today


def _shipment_paragraph(
    details: OrderDetails, shipment: Shipment, today: date, number: str, several: bool
) -> tuple[str, list[Button]]:
    zone = details.customer.timezone
    subject, agree = _subject(details, shipment)
    if not several:
        subject += f" (order #{number})"
    status = shipment.status
    carrier = _carrier(shipment)
    buttons: list[Button] = []
    if status == ShipmentStatus.DELIVERED:
        when = moment_words(shipment.delivered_at, zone, today) if shipment.delivered_at else "recently"
        by = f" by {carrier}" if carrier else ""
        buttons.append(NOT_RECEIVED_BUTTON)
        return f"{subject} {agree.was} delivered {when}{by}.", buttons

    if status == ShipmentStatus.OUT_FOR_DELIVERY:
        today_word = " today" if _out_today(shipment, zone, today) else ""
        sentences = [f"{subject} {agree.be} out for delivery{today_word}."]
    else:
        sentences = [f"{subject} {agree.be} {status_words(status, plural=agree.plural)}."]
    late = lateness(shipment, today)
    if late is not None:
        sentences.append(
            f"I'm sorry, {agree.its} running late: we promised {agree.it} by {day(late.promised_by)}."
        )
        if late.new_eta is not None:
            sentences.append(
                f"The carrier now expects to deliver {agree.it} {relative_day(late.new_eta, today)}."
            )
        else:
            sentences.append("The carrier hasn't given a new delivery date yet.")
        buttons += [REPORT_LATE_BUTTON, HUMAN_BUTTON]
    elif shipment.eta is not None and status not in _NO_DATE:
        if shipment.eta >= today:
            sentences.append(f"Expected delivery: {relative_day(shipment.eta, today)}.")
        else:
            sentences.append(
                f"It was expected {relative_day(shipment.eta, today)}; the carrier hasn't given a new date yet."
            )
    if shipment.last_location or shipment.last_event_at:
        where = f" in {shipment.last_location}" if shipment.last_location else ""
        when = f" {moment_words(shipment.last_event_at, zone, today)}" if shipment.last_event_at else ""
        sentences.append(f"Last scan{where}{when}.")
    advice = _TROUBLE.get(status)
    if advice:
        sentences.append(advice.format(it=agree.it, its=agree.its))
        if status == ShipmentStatus.LOST:
            buttons.append(REPORT_LOST_BUTTON)
        if status == ShipmentStatus.RETURNED_TO_SENDER:
            buttons += [b for b in RETURNED_BUTTONS if b not in buttons]
        buttons.append(HUMAN_BUTTON)
    whose = f"{carrier} tracking number" if carrier else "Tracking number"
    sentences.append(f"{whose}: {shipment.tracking_number}.")
    return " ".join(sentences), buttons


def tracking_links(details: OrderDetails, shipments: list[Shipment]) -> list[Link]:
    """A "Track with ..." link for each of ``shipments`` that has a tracking page."""
    return [Link(_track_title(details, s), s.tracking_url) for s in shipments if s.tracking_url]


def _track_title(details: OrderDetails, shipment: Shipment) -> str:
    """``Track with UPS``; with several parcels by the same carrier, the items say which is which."""
    carrier = _carrier(shipment)
    others = [s for s in details.shipments if s is not shipment and _carrier(s) == carrier]
    if not others:
        return f"Track with {carrier}" if carrier else "Track your parcel"
    names = join_words(item_names(shipment_items(details, shipment))) or shipment.tracking_number
    title = f"Track {names}"
    return title if len(title) <= LINK_TITLE_CHARS else title[: LINK_TITLE_CHARS - 1] + "…"


def _not_shipped(details: OrderDetails, today: date) -> Reply:
    names = join_words(item_names(details.items)) or "Your order"
    number = details.number
    order = details.order
    if order.backordered_until is not None:
        text = (
            f"Order #{number} ({names}) is waiting for stock: it's on backorder until "
            f"{day(order.backordered_until)}. We'll ship it as soon as it arrives and send you the tracking link."
        )
        return Reply(text, buttons=[Button("Cancel the order", "intent:cancel_order"), HUMAN_BUTTON])
    text = f"Order #{number} ({names}) hasn't shipped yet.{_ship_date_words(details, today)}"
    text += " You'll get a tracking link as soon as it leaves our warehouse."
    return Reply(
        text,
        buttons=[
            Button("Change the address", "change:address"),
            Button("Cancel the order", "intent:cancel_order"),
        ],
    )


def _ship_date_words(details: OrderDetails, today: date) -> str:
    order = details.order
    if order.backordered_until is not None:
        return f" It's on backorder until {day(order.backordered_until)}."
    if order.expected_ship_date is not None:
        when = order.expected_ship_date
        if when < today:
            return " It should have left already; our team has been told."
        return f" We expect to ship it {relative_day(when, today)}."
    return " We usually ship within 1–2 working days of your order."


def _refund_words(refund_status: str | None) -> str:
    if refund_status == "issued":
        return " Your refund has been issued; it can take 5–10 business days to show on your statement."
    if refund_status == "pending":
        return " Your refund is being processed."
    return ""


#: "is it coming today", "will it be here tomorrow": a yes-or-no question about one day
_WHICH_DAY_ASKED = re.compile(r"\b(?:is|are|will|would|does|do|can|could)\b.*\b(?P<day>today|tonight|tomorrow)\b", re.I)


def _today_or_tomorrow(details: OrderDetails, text: str, today: date) -> str:
    """ "Yes. " or "Not today. " before the arrival day, when the question names today or tomorrow and the
    order's one travelling parcel has an expected day; else nothing."""
    asked = _WHICH_DAY_ASKED.search(text)
    travelling = [s for s in details.shipments if s.status not in ENDED]
    if asked is None or len(travelling) != 1 or len(details.shipments) != 1:
        return ""
    shipment = travelling[0]
    eta = today if shipment.status == ShipmentStatus.OUT_FOR_DELIVERY else shipment.eta
    if eta is None:
        return ""
    word = asked["day"].lower()
    day = today + timedelta(days=1) if word == "tomorrow" else today
    if eta == day:
        return "Yes. "
    return f"Not {'today' if word == 'tonight' else word}. " if eta > day else ""


# ---------------------------------------------------------------------- follow-up questions
def answer_follow_up(details: OrderDetails, focus: str, today: date) -> Reply:
    """One sentence answering ``focus`` (see :func:`question_focus`) about the order in context.

    With several parcels the sentence has one clause per parcel. A cancelled or unshipped order
    gets its short status instead, since it has no parcel to ask about. Asked why it is taking so
    long, the whole status answers: it says what holds each parcel (stock, the carrier, a problem).
    """
    if is_cancelled(details) or focus == "reason":
        return describe_order(details, today)
    if not details.shipments:
        names = join_words(item_names(details.items)) or "your order"
        if focus == "eta":
            return Reply(f"Order #{details.number} hasn't shipped yet.{_ship_date_words(details, today)}")
        return Reply(
            f"Order #{details.number} ({names}) hasn't shipped yet, so it has no carrier or tracking number "
            "yet; you'll get the tracking link as soon as it leaves our warehouse."
        )
    clauses: list[str] = []
    links: list[Link] = []
    buttons: list[Button] = []
    for shipment in details.shipments:
        clause, extra = _follow_up_clause(details, shipment, focus, today)
        clauses.append(clause)
        buttons += [b for b in extra if b not in buttons]
        if focus in ("tracking", "pickup", "proof", "signature") and shipment.tracking_url:
            links.append(Link(_track_title(details, shipment), shipment.tracking_url))
    waiting = unshipped_items(details)
    if waiting and focus == "eta":
        agree = agreement([item.quantity for item in waiting], [item.name for item in waiting])
        clauses.append(f"{your(join_words(item_names(waiting)), capital=False)} {agree.hasnt} shipped yet")
    sentence = "; ".join(clauses)
    text = sentence[:1].upper() + sentence[1:] + "."
    return Reply(text, buttons=buttons, links=distinct_links(links, text))


def _follow_up_clause(
    details: OrderDetails, shipment: Shipment, focus: str, today: date
) -> tuple[str, list[Button]]:
    """One clause (lower-case start, no full stop) about one parcel."""
    zone = details.customer.timezone
    subject, agree = _subject(details, shipment)
    subject = subject[:1].lower() + subject[1:]  # "your Kettle", "the Home Barista Book"
    status = shipment.status
    carrier = _carrier(shipment)
    delivered = status == ShipmentStatus.DELIVERED
    when_delivered = moment_words(shipment.delivered_at, zone, today) if shipment.delivered_at else "recently"
    if focus == "carrier":
        if carrier is None:
            return f"the carrier hasn't told us its name for {subject}", []
        verb = {
            ShipmentStatus.DELIVERED: f"{agree.was} delivered by",
            ShipmentStatus.LOST: f"{agree.was} reported lost by",
            ShipmentStatus.RETURNED_TO_SENDER: f"{agree.be} being sent back to us by",
            ShipmentStatus.AVAILABLE_FOR_PICKUP: f"{agree.be} waiting at a pickup point of",
        }.get(status, f"{agree.be} travelling with")
        if status == ShipmentStatus.LOST:  # "do I need to contact DHL?": no, as the lost-parcel article says
            return (
                f"{subject} {verb} {carrier}. You don't need to contact {carrier}: we handle the claim with the "
                "carrier ourselves and send you a replacement or a full refund, whichever you prefer"
            ), []
        return f"{subject} {verb} {carrier}", []
    if focus == "tracking":
        whose = f"the {carrier} tracking number" if carrier else "the tracking number"
        return f"{whose} for {subject} is {shipment.tracking_number}", []
    if focus == "pickup":
        return _pickup_clause(shipment, subject, agree, carrier), []
    if focus == "signature" and not delivered:  # "will the courier need a signature?": the carrier decides
        who = carrier or "the carrier"
        page = f"{carrier}'s tracking page" if carrier else "the carrier's tracking page"
        return (
            f"whether {who} asks for a signature for {subject} is up to {who}, and {page} shows it when one is "
            "needed. If you might not hear the door, you can usually choose a safe place, a neighbour or a pickup "
            "point there instead"
        ), []
    if focus in ("proof", "signature"):
        if not delivered:
            return _eta_clause(shipment, subject, agree, today, when_delivered, zone)
        by = f" by {carrier}" if carrier else ""
        page = f"{carrier}'s tracking page" if carrier else "the carrier's tracking page"
        return (
            f"{subject} {agree.was} delivered {when_delivered}{by}: {page} shows what the driver recorded, such as "
            f"a signature, a photo or where {agree.subject} {agree.was} left"
        ), [NOT_RECEIVED_BUTTON]
    if focus == "location":
        if delivered:
            return f"{subject} {agree.was} delivered {when_delivered}", [NOT_RECEIVED_BUTTON]
        if shipment.last_location or shipment.last_event_at:
            where = f" in {shipment.last_location}" if shipment.last_location else ""
            when = f" {moment_words(shipment.last_event_at, zone, today)}" if shipment.last_event_at else ""
            return f"{subject} {agree.was} last scanned{where}{when}", []
        still = f"{subject} {agree.be} {status_words(status, plural=agree.plural)}"
        if status not in _TRAVELLING:
            return still, []
        return f"{still}; the carrier hasn't reported where {agree.subject} {agree.be} yet", []
    return _eta_clause(shipment, subject, agree, today, when_delivered, zone)


def _pickup_clause(shipment: Shipment, subject: str, agree: Agreement, carrier: str | None) -> str:
    """Where and how to collect a parcel: at its pickup point, or where the carrier's card says."""
    status = shipment.status
    bring = f"the tracking number ({shipment.tracking_number})" if shipment.tracking_number else "the tracking number"
    if status == ShipmentStatus.AVAILABLE_FOR_PICKUP:
        point = f"a {carrier} pickup point" if carrier else "a pickup point"
        return (
            f"{subject} {agree.be} waiting at {point}: the carrier's message and tracking page give its address "
            f"and opening hours. To collect {agree.it}, bring {bring} or the pickup code, and a photo ID in the "
            f"name on the order; a locker opens with the pickup code alone, so someone else can collect from it for "
            f"you. Pickup points hold parcels for {PICKUP_HOLD_DAYS} days, then send them back to us, and we refund "
            "you once they arrive"
        )
    if status == ShipmentStatus.ATTEMPT_FAILED:
        return (
            f"the carrier couldn't hand over {subject}: if they left a card, it says where to collect {agree.it}. "
            f"Bring the card, {bring} and a photo ID. Otherwise they usually try again on the next working day"
        )
    now = f"{subject} {agree.be} {status_words(status, plural=agree.plural)}"
    return f"{now}, so there's nothing to collect yet" if status in _TRAVELLING else now


def _eta_clause(
    shipment: Shipment, subject: str, agree: Agreement, today: date, when_delivered: str, zone: str
) -> tuple[str, list[Button]]:
    status = shipment.status
    if status == ShipmentStatus.DELIVERED:
        return f"{subject} {agree.was} already delivered {when_delivered}", [NOT_RECEIVED_BUTTON]
    if status == ShipmentStatus.LOST:
        return f"{subject} won't arrive: the carrier reported {agree.it} lost", [
            REPORT_LOST_BUTTON,
            HUMAN_BUTTON,
        ]
    if status == ShipmentStatus.RETURNED_TO_SENDER:
        return f"{subject} won't arrive: the carrier is sending {agree.it} back to us", [HUMAN_BUTTON]
    if status == ShipmentStatus.OUT_FOR_DELIVERY and _out_today(shipment, zone, today):
        return f"{subject} {agree.be} out for delivery, so {agree.subject} should arrive today", []
    if status == ShipmentStatus.AVAILABLE_FOR_PICKUP:
        return f"{subject} {agree.be} already waiting for you at a pickup point", []
    if status == ShipmentStatus.ATTEMPT_FAILED:
        return (
            f"the carrier tried to deliver {subject} but couldn't hand {agree.it} over, and usually tries again "
            "on the next working day",
            [HUMAN_BUTTON],
        )
    late = lateness(shipment, today)
    if late is not None:
        if late.new_eta is None:
            return (
                f"{subject} {agree.be} running late (we promised {agree.it} by {day(late.promised_by)}) and the "
                "carrier hasn't given a new date yet",
                [REPORT_LATE_BUTTON, HUMAN_BUTTON],
            )
        return (
            f"{subject} should now arrive {relative_day(late.new_eta, today)}, later than the "
            f"{day(late.promised_by)} we promised, sorry",
            [REPORT_LATE_BUTTON],
        )
    if shipment.eta is None:
        return f"the carrier hasn't given a delivery date for {subject} yet", []
    if shipment.eta < today:
        return (
            f"{subject} {agree.was} expected {relative_day(shipment.eta, today)} and the carrier hasn't given a "
            "new date yet",
            [],
        )
    return f"{subject} should arrive {relative_day(shipment.eta, today)}", []
