"""``delivery_problem``: late, lost, damaged, wrong or missing item, or "delivered but not here".

Collects what happened, opens a case, answers with the next step, and hands the conversation
to staff when a person has to act (damaged, wrong or missing item, lost, long-missing parcel).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from handlers.context import HandlerContext, OrderNeed, Outcome
from handlers.handoff import open_handoff
from handlers.messages import Button, Link, Reply
from handlers.order_changes import asks_about_delivery_instructions, delivery_instructions
from handlers.order_facts import is_coming_back, is_late, lateness
from handlers.order_status import (
    REPORT_LATE_BUTTON,
    describe_order,
    rest_reply,
    tracking_links,
    why_it_comes_back,
)
from handlers.troubleshooting import sections
from handlers.wording import (
    HUMAN_BUTTON,
    MENU_BUTTON,
    MISSING_BUTTON,
    REFUND,
    RESEND,
    RETURNED_BUTTONS,
    day,
    join_words,
    local_time,
    relative_day,
)
from storage.domain import ShipmentStatus
from storage.repositories.orders import OrderDetails
from storage.repositories.support import CaseReport

KINDS = ("late", "not_received", "damaged", "wrong_item", "missing_item", "lost", "returned")

KIND_BUTTONS = [
    Button("It's late", "problem:late"),
    Button("Says delivered, but it isn't here", "problem:not_received"),
    Button("It arrived damaged", "problem:damaged"),
    Button("Wrong item", "problem:wrong_item"),
    MISSING_BUTTON,
]

#: "you told me it would come yesterday and it didn't": a promised day gone by (a late parcel)
PROMISED_NOT_COME = (
    r"\b(?:would|will|should|was going to|were going to|it'?d|they'?d)\b.{0,12}\b(?:come|arrive|be here|be delivered|"
    r"get here|turn up|show up)\b.{0,25}\b(?:(?:it|they|and|but) (?:didn'?t|did not|hasn'?t|has not|never did|did ?n'?t)|"
    r"still (?:not|nothing|hasn'?t|isn'?t)|nothing came|no sign)\b"
)
_PROMISED_NOT_COME = re.compile(PROMISED_NOT_COME, re.I)


def says_promised_day_passed(text: str) -> bool:
    """ "You told me it would come yesterday and it didn't": the day given has passed without the parcel."""
    return bool(_PROMISED_NOT_COME.search(text))


#: colour words, for "I ordered the blue one and got a pink one"
_COLOUR = (
    r"(black|white|gr[ae]y|blue|red|green|pink|purple|yellow|orange|brown|beige|navy|silver|gold|cream|khaki|"
    r"teal|olive)"
)

_KEYWORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "damaged",
        re.compile(
            r"damag|broke|crack|smash|crush|dent|shatter|defect|leak|scratch|ripped|torn|\bwet\b|soaked|"
            r"\bholes?\b|\bstain(?:s|ed)?\b|\bchipped\b|\bbent\b|\b(?:is|are|was|were|came|arrived) (?:break|bend)\b|"
            r"\bin (?:\w+ ){0,2}(?:pieces|bits|shards)\b",
            re.I
        ),
    ),
    (
        "wrong_item",
        re.compile(
            r"wrong (item|product|thing|one|size|colou?r|model|parcel|package)|(sent|got|received) (me )?the wrong|"
            r"incorrect (item|product|size)|(not|n'?t) what (i|we) (ordered|bought|paid for|asked for)|"
            r"different (item|product|size|colou?r|model)|someone else'?s|"
            r"\b(didn'?t|did not|never) order (this|these|that|those|them|it)\b|"
            r"\b(ordered|wanted|asked for|bought|paid for) (the |a |an )?" + _COLOUR + r"\b.{0,40}\b(got|received|sent|came|"
            r"delivered|arrived)\b.{0,15}\b" + _COLOUR + r"\b|"
            r"\b(got|received|sent|came|arrived)\b.{0,15}\b(" + _COLOUR + r"|size \w+) (one )?instead of\b",
            re.I,
        ),
    ),
    (
        "missing_item",
        re.compile(
            r"missing (item|part|piece)|item.{0,20}missing|only (got|received|had) (one|part|some|half|the|my|1)\b|"
            r"\b(only|just) (half|part|some|one|1|a few) of (my|the|our) (order|items|stuff|things)\b|"
            r"\bhalf (of )?(my|the|our) (order|items|stuff|things) (came|arrived|turned up|was delivered|is here)\b|"
            r"\bordered \w+ (?:things|items|products)\b.{0,20}\bonly\b|"
            r"wasn'?t in the (box|parcel|package)|where is the rest|rest of (my|the) order|"
            r"\b(is|are|was|were) not inside\b|\b(isn'?t|wasn'?t|aren'?t|weren'?t) inside\b|"
            r"\bmissing (its|their|the|a|an|one|some) (?!parcel|package|order|delivery)\w+|"
            r"\b(lid|part|piece|cable|charger|screws?|plug|remote|manual|filter|cap|strap|base|attachment)s? "
            r"(is|are|was|were) missing\b|"
            r"\b(box|parcel|package|packet|envelope) (was|is|came|arrived) (completely |totally |open(ed)? and )?empty\b|"
            r"\b(is|are|was|were) missing (in|from) (it|them|the|my|our)\b|"
            r"\bmissing from (the|my|our) (box|parcel|package|order|delivery)\b|"
            r"\b(got|received|only got|came with) (the |my )?\w+( \w+)? but (no|not the|not my|without the) \w+|"
            r"\bonly (\d+|one|two|three|four|five) (of|out of) (the |my |our )?(\d+|two|three|four|five|six|seven|eight)\b|"
            r"\bwhere (are|is) the other (one|two|three|four|\d+|items?|parts?|pieces?|boxes)\b|"
            r"\bempty (box|parcel|package|packet|envelope)\b|\bnothing (was )?(inside|in (it|the (box|parcel|package)))\b|"
            r"\bonly (one|1|the first|part|half|some)( of (the|them|it))? ?(box(es)?|parcels?|packages?|deliver(y|ies))? "
            r"(came|arrived|turned up|showed up|was delivered|got here|is here)\b|"
            r"\b(something|some ?thing|things|stuff|items?|bits|some of it)( is| are|'s)? missing from (my|the|our|this) "
            r"(order|parcel|box|package|delivery)\b|"
            r"\b(came|arrived|was delivered|was sent|turned up) (without|with no|minus|missing) (the|a|an|its|any|one of the) "
            r"(?!box\b|packaging\b|tracking\b|invoice\b|receipt\b)\w+",
            re.I,
        ),
    ),
    ("lost", re.compile(r"\blost\b|stolen", re.I)),
    (
        "returned",
        re.compile(
            r"(coming|going|being sent|sent|on (its|their) way|heading) back to (you|the sender|sender|the shop)|"
            r"return(ed|ing)? to sender|\bwhy\b.{0,25}\b(returned|coming back|going back|sent back)\b",
            re.I,
        ),
    ),
    (
        "not_received",
        re.compile(
            r"(says|marked|shows|showing|tracking says).{0,20}delivered|never (arrived|came|got|received)|"
            r"(delivered|left|dropped|given|handed)( it| them)?( off)? (to|at|with) (the |a |an )?wrong "
            r"(address|house|door|flat|apartment|building|number|neighbou?r|person)|"
            r"(didn'?t|did not|haven'?t|have not|never) (get|got|receive)|not received|no parcel|wasn'?t delivered|"
            r"\b(it'?s|it is|they'?re|they are|parcel is|package is) not (there|here)\b|\b(isn'?t|aren'?t) (there|here)\b|"
            r"\bcan'?t find (it|them|the (parcel|package|box)|my (parcel|package|order))\b|\bno sign of (it|them)\b|"
            r"\b(no ?one|nobody|no-one) (came|knocked|rang|turned up|showed up|delivered)\b",
            re.I,
        ),
    ),
    (
        "late",
        re.compile(
            r"\blate\b|delay|still waiting|taking (so |too )?long|overdue|hasn'?t (arrived|come)|not (arrived|here) yet|"
            r"\bif (it|they|my (order|parcel|package)) (doesn'?t|does not|don'?t|do not|never|won'?t) (arrive|come|"
            r"turn up|show up|get here)|"
            r"still (?:not|isn'?t|hasn'?t) (?:here|arrived|come|been delivered)|(?:isn'?t|is not) here yet|"
            r"(hasn'?t|has not|not|haven'?t|never) (moved|budged|been updated|updated)|no (tracking )?updates?\b|"
            r"\bstuck\b|\bchase\b|supposed to (?:be here|arrive|come|get here|be delivered)|"
            r"should(?:'ve| have) (?:arrived|come|been here|been delivered|got here)|\bwas due\b|" + PROMISED_NOT_COME + "|"
            r"\b(?:it'?s|it has|it'?s been|been) (?:over |more than |nearly |almost )?(?:\d+|two|three|four|five|six|"
            r"seven|ten|a few|several|a couple of) (?:business |working )?(?:days|weeks)\b|"
            r"\b(?:it'?s|it has|it'?s been|been) (?:over |more than |nearly |almost )?(?:a|one) (?:week|month)\b|"
            r"\b(?:next|same)[- ]day (?:delivery|shipping)\b.{0,40}\b(?:days|still|not|hasn'?t|late)\b",
            re.I,
        ),
    ),
)

#: "actually it's fine", "only the box was dented": asked what's damaged, nothing is
_ALL_FINE = re.compile(
    r"\b(?:it'?s|its|everything'?s|everything is|all|the \w+ (?:is|are)|contents? (?:is|are)|inside (?:is|was)) "
    r"(?:fine|ok|okay|good|alright|all right|undamaged|intact)\b|\bno damage\b|\bnothing(?:'s| is| was)? "
    r"(?:damaged|broken|wrong)\b|\b(?:just|only) the (?:box|packaging|outer box|carton)\b|\bfalse alarm\b",
    re.I,
)
_BUT = re.compile(r"\b(?:but|except|however|apart from|though)\b", re.I)


def _says_all_fine(text: str) -> bool:
    """ "Actually it's fine, the box was just dented": nothing damaged after all (with no "but ...")."""
    return bool(_ALL_FINE.search(text)) and not _BUT.search(text)


ALL_FINE = (
    "Glad it's all right, so I haven't opened a case. If you find anything damaged once you've unpacked it, "
    "tell me and I'll sort it out."
)
#: "why is it late?": the reason asked for, not a complaint agreed with
_ASKS_WHY = re.compile(r"\bwhy\b|\bwhat(?:'s| is| was)? (?:the )?(?:reason|hold ?up|problem)\b|\bhow come\b", re.I)
#: "can you chase the courier", "call DHL": the shopper wants the carrier contacted
_CHASE = re.compile(
    r"\bchase\b|\b(?:contact|call|ring|email|speak to|talk to|get on to|follow up with|check with|ask|"
    r"get in touch with|find out from)\b.{0,10}\b(?:the )?"
    r"(?:courier|carrier|driver|delivery company|dhl|ups|fedex|usps|dpd)\b",
    re.I,
)
#: "my neighbour has it", "the neighbour just gave it to me", "found it in the bin store": the parcel has turned up
_TURNED_UP = re.compile(
    r"\b(?:neighbou?rs?|next door)\b.{0,20}\b(?:has|have|had|got|took|kept|is keeping|(?:is|are) holding|signed for|"
    r"(?:just )?(?:gave|handed|brought|dropped) (?:it|them|me)\b(?: (?:to me|over|round|around|off|in))?)\b|"
    # "found it": the parcel, not "found it cheaper somewhere else"
    r"\bfound (?:it|them)\b(?! (?:cheaper|for less|elsewhere|somewhere|online|on |at |in (?:a|another) |with ))", re.I
)
#: "I never got it", "my neighbour doesn't have it": nothing has turned up
_NEGATED = re.compile(
    r"\b(?:not|never|no|none|neither|nor|nobody|no ?one|haven'?t|hasn'?t|didn'?t|doesn'?t|don'?t|can'?t|cannot|couldn'?t|isn'?t|wasn'?t)\b",
    re.I,
)


#: "what means 'report it as late'?", "what happens if I press report it as late": what the report does
_WHAT_REPORTING_DOES = re.compile(
    r"\bwhat (?:means|does|happens|will happen|would happen)\b.{0,40}\breport(?:ing)?\b|"
    r"\breport(?:ing)? it(?: as late)?\b.{0,30}\b(?:mean|means|do|does|make it|faster|quicker|fast)\b.{0,30}\?",
    re.I,
)
#: as the late answer says: a case our team keeps an eye on, and a replacement or refund if it still doesn't come
LATE_REPORT_EXPLAINED = (
    "Reporting it as late opens a case with our team: they keep an eye on the parcel, and if it hasn't arrived two "
    "days after the carrier's new date, we send a replacement or refund you. It doesn't make the carrier any faster."
)
#: "it's not lost, it arrived yesterday", "it came after all": the parcel is there
_NOT_LOST = re.compile(r"\b(?:not|isn'?t|wasn'?t|aren'?t|weren'?t) (?:lost|missing)\b(?!\s*(?:yet|then|is it|are they))", re.I)
_ARRIVED_AFTER_ALL = re.compile(
    r"\b(?:it|they|parcel|package|order)\b.{0,10}\b(?:arrived?|came|turned up|showed up|got here)\b.{0,20}"
    r"\b(?:yesterday|today|this morning|now|after all|in the end|finally|earlier|just now)\b",
    re.I,
)
#: words that make an arrival one that didn't happen ("it didn't arrive yesterday")
_NO_ARRIVAL = re.compile(r"\b(?:didn'?t|did not|never|hasn'?t|has not|haven'?t|have not|not yet|still|won'?t)\b", re.I)
#: problems with what arrived, which an arrival doesn't settle ("it arrived yesterday but it's broken")
_ARRIVED_WITH_A_PROBLEM = frozenset({"damaged", "wrong_item", "missing_item"})


def arrived_after_all(text: str) -> bool:
    """ "No, it's not lost, it arrived yesterday, sorry": the parcel turned up, with nothing wrong said of it."""
    if "?" in text or re.search(r"\bbut\b", text, re.I) or detect_kind(text) in _ARRIVED_WITH_A_PROBLEM:
        return False
    arrived = bool(_ARRIVED_AFTER_ALL.search(text)) and not _NO_ARRIVAL.search(_NOT_LOST.sub(" ", text))
    return arrived or bool(_NOT_LOST.search(text) and _ARRIVED_AFTER_ALL.search(text))


def turned_up(text: str) -> bool:
    """ "It says delivered, but my neighbour has it": the parcel was found (no negation in the message)."""
    return bool(_TURNED_UP.search(text)) and not _NEGATED.search(text)
TURNED_UP = (
    "Glad it turned up! Nothing more is needed from you. If anything in it is damaged or missing, tell me "
    "and I'll sort it out."
)
#: "it's stuck in customs", "held at customs", "import duties"
_CUSTOMS = re.compile(r"\bcustoms?\b|\bimport (?:dut(?:y|ies)|tax(?:es)?|fees?|charges?)\b|\bduties\b", re.I)
CUSTOMS_ARTICLE = "customs-and-duties"
#: the heading of that article's section about a parcel held at customs
CUSTOMS_HELD = "Parcel held at customs"
#: "it says delivered": the shopper read a delivered status
_SAYS_DELIVERED = re.compile(r"\b(?:says|said|marked|shows|showing|tracking says)\b.{0,20}\bdelivered\b", re.I)
#: "I was home all day", "nobody knocked": the shopper disputes a failed delivery attempt
_WAS_IN = re.compile(
    r"\b(?:i|we) (?:was|were) (?:at )?(?:home|in|here|in all day|home all day|in the whole day)\b|"
    r"\b(?:nobody|no one|no-one|noone) (?:knocked|rang|buzzed|came)\b|"
    r"\b(?:door ?bell|bell|buzzer|intercom)\b.{0,15}\b(?:never|didn'?t|did not)\b|\b(?:didn'?t|did not) (?:knock|ring|try|bother|leave a card)\b|"
    r"\bnever (?:knocked|rang|tried|bothered|left a card)\b|"
    r"\b(?:driver|courier|postman|they|he|she|nobody|no one|no-one|delivery (?:guy|man|driver|person)) "
    r"(?:never|didn'?t|did not|never even) (?:came|come|showed up|turned up)\b|"
    r"\b(?:didn'?t|did not|never) (?:get|got|find|found|receive|see|saw) (?:a|any|the|their) (?:card|note|notice)\b|"
    r"\bno (?:card|knock)\b|\bfake (?:attempt|delivery)\b|\b(?:lied|lying)\b|"
    r"\b(?:driver|courier|delivery (?:guy|man|driver|person))\b.{0,20}\b(?:left|drove (?:off|away)|went away|"
    r"didn'?t (?:leave|deliver|stop|drop))\b",
    re.I,
)
_WANTS = (
    (REFUND, re.compile(r"\b(refund|money back|reimburse|cancel)", re.I)),
    (RESEND, re.compile(r"\b(again|resend|re-send|reship|re-ship|redeliver|send it|new one|replacement|another one)\b", re.I)),
)
#: a typed message at least this many words long already describes the problem
DESCRIPTION_WORDS = 10
#: ... and so does a shorter one that names the damaged product ("the kettle arrived with a dent")
NAMED_DESCRIPTION_WORDS = 4
#: a parcel missing this long after "delivered" needs a person to chase the carrier
MISSING_DAYS_BEFORE_HANDOFF = 2


def _first_match(table: tuple[tuple[str, re.Pattern[str]], ...], text: str) -> str | None:
    """The name of the first pattern of ``table`` found in ``text``, or None."""
    return next((name for name, pattern in table if pattern.search(text)), None)


def asks_about_the_carrier(text: str) -> bool:
    """ "Can you call DHL for me", "nobody knocked", "I didn't get a card": the carrier's part, which the
    delivery-problem answers take up (chasing it, or disputing a missed delivery)."""
    return bool(_CHASE.search(text) or _WAS_IN.search(text))


#: "is it lost?", "has my parcel been lost?", "did they lose it?": a question, not a report
_ASKS_IF_LOST = re.compile(
    r"\b(?:is|was|has|have|are|were) (?:it|they|(?:my|the|this|that) (?:parcel|package|order|delivery|shipment)|"
    r"(?:my |the )?order #?\d+|#?\d{3,})"
    r"(?: (?:been|got|gotten|gone))? lost\b|"
    r"\bdid (?:they|you|the (?:carrier|courier)|\w+) lose (?:it|them|my)\b|"
    r"\b(?:do you think|could|might|may) (?:it|they)(?: have)?(?: (?:be|been|got|gone))? lost\b",
    re.I,
)


#: as the lost parcels article says (a test keeps them equal)
COUNTS_AS_LOST = (
    "A parcel counts as lost when the carrier confirms it cannot find it, or when it has had no tracking "
    "update for 10 business days."
)
#: statuses of a parcel moving as planned
_MOVING = frozenset({ShipmentStatus.PRE_TRANSIT, ShipmentStatus.IN_TRANSIT, ShipmentStatus.OUT_FOR_DELIVERY})


def _not_reported_lost(details: OrderDetails, today: date, *, asked: bool) -> Reply | None:
    """The answer to "is it lost?" (``asked``) about an order the carrier has not reported lost and
    that is still on its way, or to "it's lost" about one moving on time: it isn't lost, its status
    (what holds it up and what happens next), and when a parcel counts as lost. None when the lost
    parcel is the answer's to settle: reported lost, delivered, coming back to us, or late when the
    shopper says it is lost (a case is opened)."""
    statuses = {s.status for s in details.shipments}
    if not statuses or ShipmentStatus.LOST in statuses or ShipmentStatus.DELIVERED in statuses:
        return None
    if is_coming_back(details):
        return None
    if not asked and (not statuses <= _MOVING or is_late(details, today)):
        return None
    status = describe_order(details, today)
    lead = "No, it isn't reported lost." if asked else "The carrier hasn't reported it lost."
    status.text = f"{lead} {status.text}\n\n{COUNTS_AS_LOST}"
    if HUMAN_BUTTON not in status.buttons:  # the shopper may know more than the tracking shows
        status.buttons = [*status.buttons, HUMAN_BUTTON]
    return status


#: the parcel or its arrival named: damage to it is a delivery problem ("the box is break and the leg is bend")
_THE_PARCEL = re.compile(
    r"\b(?:box|boxes|parcel|package|packaging|arrived|came|delivered|delivery|unbox\w*|"
    r"opened (?:it|them|the \w+)|took (?:it|them) out)\b",
    re.I,
)


def reports_damage_on_arrival(text: str) -> bool:
    """ "I buy desk but box is break and leg is bend": damage, said about the parcel or its arrival."""
    return detect_kind(text) == "damaged" and bool(_THE_PARCEL.search(text))


#: damage said of the parcel itself: "the box was wet", "a crushed package"
_DAMAGED_BOX = re.compile(
    r"\b(?:box|parcel|package|packaging|carton)\b.{0,20}\b(?:wet|soaked|soggy|crushed|dented|damaged|smashed|ripped|"
    r"torn|broken|battered|squashed|open|opened|taped up)\b|"
    r"\b(?:wet|soaked|soggy|crushed|dented|damaged|smashed|ripped|torn|broken|battered|squashed) "
    r"(?:box|parcel|package|packaging|carton)\b",
    re.I,
)


def reports_damaged_parcel(text: str) -> bool:
    """ "The box was wet and the kettle won't turn on": damage said of the parcel itself, so the fault came
    with the delivery (not from use)."""
    return bool(_DAMAGED_BOX.search(text))


def detect_kind(text: str) -> str | None:
    """The problem kind the shopper's words point at, or None."""
    return _first_match(_KEYWORDS, text)


_WRONG_ITEM_WORDS = dict(_KEYWORDS)["wrong_item"]


def says_wrong_item(text: str) -> bool:
    """Whether the shopper's words point at a wrong item first ("this isn't what I ordered"); one search
    for most messages, which name no wrong item."""
    return bool(_WRONG_ITEM_WORDS.search(text)) and detect_kind(text) == "wrong_item"


def _settle_kind(kind: str, details: OrderDetails) -> str:
    """Adjust "late" / "not received" to what the order state says."""
    statuses = {s.status for s in details.shipments}
    if kind == "lost" and statuses and statuses <= {ShipmentStatus.DELIVERED}:
        return "not_received"
    if kind in ("late", "not_received", "lost") and is_coming_back(details):
        return "returned"
    if kind in ("late", "not_received"):
        if ShipmentStatus.LOST in statuses:
            return "lost"
        if statuses and statuses <= {ShipmentStatus.DELIVERED}:
            return "not_received"
        if kind == "not_received" and ShipmentStatus.DELIVERED not in statuses:
            return "late"
    return kind


class DeliveryProblemHandler:
    """Opens a case for a delivery problem and says what happens next."""

    name = "delivery_problem"
    intents = ("delivery_problem",)
    payload_prefixes = ("problem",)
    free_text_steps = ("describe",)

    def order_need(self, ctx: HandlerContext) -> OrderNeed:
        """Needs the verified order the problem is about."""
        return OrderNeed.REQUIRED

    def accepts(self, ctx: HandlerContext) -> bool:
        """Words naming a kind of problem, or a description naming an item, answer the waiting question."""
        if ctx.step == "kind":
            return detect_kind(ctx.text) is not None
        if ctx.step == "returned":
            return wanted_after_return(ctx.text) is not None
        # a description naming an item ("the camera") or the damage answers "what happened?"
        return ctx.step == "describe" and bool(ctx.understanding.products or detect_kind(ctx.text))

    async def handle(self, ctx: HandlerContext) -> Outcome:
        """Find out the kind of problem, collect a description where useful, open the case."""
        assert ctx.order is not None
        if ctx.step == "describe":
            return await self._described(ctx, ctx.data.get("kind", "damaged"))
        if ctx.step == "returned" or (ctx.payload or "").startswith("problem:returned:"):
            return await self._returned(ctx)
        if ctx.payload is None and _WHAT_REPORTING_DOES.search(ctx.text):
            # "what happens if I press report it as late?": what the report does, before any report is made
            return Outcome(replies=[Reply(LATE_REPORT_EXPLAINED, buttons=[REPORT_LATE_BUTTON, HUMAN_BUTTON])])
        if ctx.payload is None and arrived_after_all(ctx.text):
            return Outcome.say(TURNED_UP, buttons=[MENU_BUTTON])  # "no it's not lost, it arrived yesterday, sorry"
        kind = _payload_kind(ctx.payload) or detect_kind(ctx.text)
        if kind is None and is_coming_back(ctx.order):
            kind = "returned"
        if kind is None and ctx.payload is None and turned_up(ctx.text):
            return Outcome.say(TURNED_UP, buttons=[MENU_BUTTON])  # "my neighbour has my parcel"
        if kind is None and ctx.payload is None and lost(ctx.order) and wanted_after_return(ctx.text) is not None:
            kind = "lost"  # "can you send a new one" about a parcel the carrier lost
        if kind is None and ctx.payload is None and _CHASE.search(ctx.text):
            kind = "late"  # "can you call DHL for me": a parcel that should be moving
        if kind in (None, "late", "not_received") and _missed(ctx.order):
            return Outcome(replies=[_missed_reply(ctx.order, disputed=bool(_WAS_IN.search(ctx.text)))])
        if kind in (None, "late", "not_received") and _WAS_IN.search(ctx.text) and _out_for_delivery(ctx.order):
            return Outcome(replies=[_driver_left_reply(ctx.order)])
        if kind is None and ctx.payload is None and asks_about_delivery_instructions(ctx.text):
            # "I'm not home on wednesday": where or when it is delivered, which the carrier's page sets
            return Outcome(replies=[delivery_instructions(ctx.order)])
        if kind is None:
            if ctx.step == "kind":
                return Outcome(
                    replies=[
                        Reply(
                            "Sorry, I didn't catch that. Please pick the closest one, or I can get a person.",
                            buttons=[*KIND_BUTTONS, HUMAN_BUTTON],
                        )
                    ],
                    await_step="kind",
                )
            return Outcome(
                replies=[
                    Reply(
                        f"I'm sorry something went wrong with order #{ctx.order.number}. What happened?",
                        buttons=KIND_BUTTONS,
                    )
                ],
                await_step="kind",
            )
        if kind == "lost" and ctx.payload is None:
            answer = _not_reported_lost(ctx.order, ctx.today(), asked=bool(_ASKS_IF_LOST.search(ctx.text)))
            if answer is not None:  # "is it lost?", or "it's lost" of a parcel on its way and on time
                return Outcome(replies=[answer])
        claimed_delivered = kind == "not_received" and bool(_SAYS_DELIVERED.search(ctx.text))
        kind = _settle_kind(kind, ctx.order)
        if kind == "missing_item" and not ctx.data.get("told_rest"):
            rest = rest_reply(ctx.order, ctx.today())
            if rest is not None:  # "I only got the headphones": the rest is in another parcel
                rest.buttons = [MISSING_BUTTON, HUMAN_BUTTON]
                return Outcome(replies=[rest], await_step="kind", data={"told_rest": True})
        if kind in ("damaged", "wrong_item", "missing_item"):
            typed = ctx.text.strip()
            words = len(typed.split())
            named = bool(ctx.understanding.products) and words >= NAMED_DESCRIPTION_WORDS  # "the mug is cracked"
            if ctx.payload is None and (words >= DESCRIPTION_WORDS or (named and kind != "wrong_item")):
                return await self._described(ctx, kind)
            return Outcome(
                replies=[Reply(_DESCRIBE_PROMPT[kind])], await_step="describe", data={"kind": kind}
            )
        if kind == "returned":
            if not any(s.status == ShipmentStatus.RETURNED_TO_SENDER for s in ctx.order.shipments):
                return Outcome(replies=[_not_coming_back(ctx.order, ctx.today())])
            return _ask_after_return(ctx.order)
        if kind == "lost":
            return await self._lost(ctx)
        if kind == "not_received" and ctx.payload is None and turned_up(ctx.text):
            return Outcome.say(TURNED_UP, buttons=[MENU_BUTTON])  # "it says delivered, but my neighbour has it"
        if kind == "not_received":
            return await self._not_received(ctx)
        outcome = await self._late(ctx, claimed_delivered=claimed_delivered)
        if ctx.payload is None and _CUSTOMS.search(ctx.text):
            _lead_with_customs(ctx, outcome)  # "it's stuck in customs": what a customs check means first
        return outcome

    async def _described(self, ctx: HandlerContext, kind: str) -> Outcome:
        assert ctx.order is not None
        if ctx.step == "describe" and ctx.payload is None and kind == "damaged" and _says_all_fine(ctx.text):
            return Outcome.say(ALL_FINE, buttons=[MENU_BUTTON])  # "actually it's fine, the box was just dented"
        description = ctx.text.strip() or "(no description given)"
        report = await _report(ctx, kind, description)
        case = report.case
        for attachment in ctx.understanding.attachments:
            await ctx.repos.cases.attach(case_id=int(case.id or 0), attachment=attachment.as_record())
        label = {"damaged": "Damaged item", "wrong_item": "Wrong item", "missing_item": "Missing item"}[kind]
        again = "" if report.created else ", reported again"
        await open_handoff(ctx, f"{label} reported on order #{ctx.order.number} (case #{case.id}{again})")
        if not report.created:
            return Outcome.say(_UPDATED_HANDED_OVER.format(case=case.id))
        text = _DESCRIBED_REPLY[kind].format(case=case.id)
        if ctx.step != "describe":  # described in the first message: nothing was said before to thank for
            text = text.replace(_THANKS[kind], _FIRST_SORRY[kind], 1)
        return Outcome.say(text)

    async def _returned(self, ctx: HandlerContext) -> Outcome:
        """The shopper's choice for a parcel on its way back to us: a case for staff to resend or refund."""
        assert ctx.order is not None
        payload = ctx.payload or ""
        want = payload.removeprefix("problem:returned:") if payload else wanted_after_return(ctx.text)
        if want not in (RESEND, REFUND):
            return Outcome(
                replies=[
                    Reply(
                        "Sorry, I didn't catch that. Shall we send it again, or refund you?",
                        buttons=[*RETURNED_BUTTONS, HUMAN_BUTTON],
                    )
                ],
                await_step="returned",
            )
        words = "send it again" if want == RESEND else "a refund"
        said = ctx.text.strip() if not payload else ""
        report = await _report(ctx, "returned", f"Returned to sender; the shopper wants {words}. {said}".strip())
        case = report.case
        again = "" if report.created else ", asked again"
        await open_handoff(
            ctx, f"Returned parcel on order #{ctx.order.number}: the shopper wants {words} (case #{case.id}{again})"
        )
        if want == RESEND:
            then = (
                "send it to you again as soon as it's back with us. If the address needs changing, tell them here"
            )
        else:
            then = "refund you in full, to your original payment method, as soon as it's back with us"
        return Outcome.say(
            f"Done: I've opened case #{case.id} and passed it to our support team. They'll {then}. Someone will "
            "reply here within one business day."
        )

    async def _lost(self, ctx: HandlerContext) -> Outcome:
        return await report_lost(ctx)

    async def _not_received(self, ctx: HandlerContext) -> Outcome:
        assert ctx.order is not None
        delivered = [s.delivered_at for s in ctx.order.shipments if s.delivered_at is not None]
        last = max(delivered) if delivered else None
        report = await _report(ctx, "not_received", ctx.text.strip() or "Marked delivered but not received")
        case = report.case
        if last is not None and ctx.now() - last >= timedelta(days=MISSING_DAYS_BEFORE_HANDOFF):
            again = "" if report.created else ", asked again"
            await open_handoff(
                ctx,
                f"Parcel marked delivered but not received, order #{ctx.order.number} (case #{case.id}{again})",
            )
            if not report.created:
                return Outcome.say(_UPDATED_HANDED_OVER.format(case=case.id))
            return Outcome.say(
                f"I'm sorry, that's worrying. I've opened case #{case.id} and passed it to our support team: they'll "
                "ask the carrier where exactly it was left and, if it can't be found, send a replacement or a "
                "refund. Someone will reply here within one business day."
            )
        when = (
            relative_day(local_time(last, ctx.order.customer.timezone).date(), ctx.today())
            if last is not None
            else "recently"
        )
        logged = (
            f"I've opened case #{case.id}." if report.created else f"I've added this to your case #{case.id}."
        )
        return Outcome.say(
            f"I'm sorry it isn't there. The carrier marked it delivered {when}. {logged} "
            "Parcels marked delivered usually turn up within a day: please check your mailbox, porch, "
            "any safe place and with your neighbours. If it still hasn't turned up by tomorrow evening, "
            "tap the button and a person will chase the carrier.",
            buttons=[Button("Still missing: get a person", "intent:human_agent")],
        )

    async def _late(self, ctx: HandlerContext, *, claimed_delivered: bool = False) -> Outcome:
        """How late the parcels are, and a case when they are; "isn't late yet" with the expected day
        otherwise (and, to "it says delivered but isn't here", that it isn't marked delivered)."""
        assert ctx.order is not None
        today = ctx.today()
        travelling = [s for s in ctx.order.shipments if s.status != ShipmentStatus.DELIVERED]
        if not ctx.order.shipments:
            return Outcome.say(
                f"Order #{ctx.order.number} hasn't shipped yet, so it isn't late in transit. Ask me "
                '"where is my order" for the expected ship date, or I can get a person.',
                buttons=[Button("Where is my order?", "intent:order_status"), HUMAN_BUTTON],
            )
        late = [(s, lateness(s, today)) for s in travelling]
        late = [(s, info) for s, info in late if info is not None]
        if not late:
            eta = min((s.eta for s in travelling if s.eta is not None), default=None)
            promised = min((s.promised_by for s in travelling if s.promised_by is not None), default=None)
            if eta is not None and eta < today:
                when = f" The carrier expected it {relative_day(eta, today)} and hasn't given a new date yet"
            else:
                when = f" It's expected {relative_day(eta, today)}" if eta else " It's on its way"
            promise = f", and we promised it by {day(promised)}." if promised else "."
            held = any(s.status == ShipmentStatus.EXCEPTION for s in travelling)
            head = (
                f"Order #{ctx.order.number} is held up: the carrier reported a problem, which is usually "
                "cleared within a day or two."
                if held
                else f"Order #{ctx.order.number} isn't marked as delivered yet: it's still on its way, and it isn't late."
                if claimed_delivered
                else f"Good news: order #{ctx.order.number} isn't late yet."
            )
            if held and _CHASE.search(ctx.text):  # asked to chase a held-up parcel: a person can, now
                carriers = join_words(sorted({s.carrier for s in travelling if s.carrier})) or "the carrier"
                return Outcome.say(
                    f"{head}{when}{promise} I can't contact {carriers} myself, but a person on our team can chase "
                    "them for you now.",
                    buttons=[Button("Yes, get a person", "intent:human_agent"), Button("Track it", "intent:order_status")],
                )
            return Outcome.say(
                f"{head}{when}{promise} If it hasn't arrived by then, tell me and I'll sort it out.",
                buttons=[Button("Track it", "intent:order_status"), *([HUMAN_BUTTON] if held else [])],
            )
        _, info = late[0]
        report = await _report(
            ctx, "late", ctx.text.strip() or f"Late: promised by {info.promised_by.isoformat()}"
        )
        case = report.case
        new = (
            f"The carrier now expects to deliver it {relative_day(info.new_eta, today)}."
            if info.new_eta
            else "The carrier hasn't given a new date yet."
        )
        if not report.created:
            return Outcome.say(
                f"It's still running late, I'm sorry. {new} Your case #{case.id} is already open, and I've "
                "added this message to it so our team sees you asked again. If it hasn't arrived two days "
                "after that, tell me and we'll send a replacement or refund you.",
                buttons=[HUMAN_BUTTON],
            )
        lead = (
            f"I'm sorry, order #{ctx.order.number} is running late: we promised it by {day(info.promised_by)}. "
            "The carrier hasn't given us a reason."
            if _ASKS_WHY.search(ctx.text)
            else f"You're right, and I'm sorry: order #{ctx.order.number} was promised by {day(info.promised_by)}."
        )
        return Outcome.say(
            f"{lead} {new} I've logged it as case #{case.id}, so our team keeps an eye on it. If it hasn't arrived "
            "two days after that, tell me and we'll send a replacement or refund you.",
            buttons=[HUMAN_BUTTON],
        )


async def report_lost(ctx: HandlerContext) -> Outcome:
    """A parcel the carrier lost: a case and a handoff, with the replacement or refund the shopper chose
    (a ``problem:lost:*`` button, or typed: "I'd prefer a replacement"), else either."""
    assert ctx.order is not None
    payload = ctx.payload or ""
    want = payload.split(":")[2] if payload.count(":") == 2 else wanted_after_return(ctx.text)
    wants = {REFUND: "; the shopper wants a refund", RESEND: "; the shopper wants a replacement"}.get(
        str(want), ""
    )
    said = "" if payload else ctx.text.strip()
    report = await _report(ctx, "lost", said or f"Parcel lost by the carrier{wants}")
    case = report.case
    again = "" if report.created else ", asked again"
    await open_handoff(ctx, f"Lost parcel on order #{ctx.order.number}{wants} (case #{case.id}{again})")
    if not report.created:
        return Outcome.say(_UPDATED_HANDED_OVER.format(case=case.id))
    then = {
        REFUND: "they'll refund you in full, to your original payment method,",
        RESEND: "they'll send you a replacement",
    }.get(str(want), "they'll send you a replacement or a full refund, whichever you prefer,")
    return Outcome.say(
        f"I'm so sorry your parcel is lost. I've opened case #{case.id} and passed it to our support team: "
        f"{then} and deal with the carrier for you. Someone will reply here within one business day."
    )


def wanted_after_return(text: str) -> str | None:
    """``refund`` or ``resend``: what the shopper wants for a parcel coming back to us, or None (a remedy turned
    down, "money back not required", is not wanted)."""
    if _ASKED_BEFORE_CHOOSING.search(text):
        return None  # "before I choose: how long would a replacement take?": a question, no choice yet
    return next((name for name, pattern in _WANTS if pattern.search(text) and not _turned_down(name, text)), None)


#: a question about the remedies before choosing one ("would a refund go back to my card?")
_ASKED_BEFORE_CHOOSING = re.compile(
    r"\bbefore I (?:choose|decide|pick)\b|\b(?:how long|how soon|when) (?:would|will|does|do) (?:a |the )?"
    r"(?:replacement|refund|new one)\b|\b(?:would|will|does) (?:a |the )?(?:refund|replacement) (?:go|take|come|be)\b",
    re.I,
)


#: the words of each remedy, as turned down ("money back not required", "no refund please")
_REMEDY_WORDS = {REFUND: r"(?:refund|money back|reimburse\w*)", RESEND: r"(?:replacement|new one|resend|reship)"}


def _turned_down(remedy: str, text: str) -> bool:
    words = _REMEDY_WORDS.get(remedy)
    if words is None:
        return False
    return bool(
        re.search(
            rf"\b{words}\b.{{0,12}}\b(?:not (?:required|needed|wanted|necessary)|no need|not for me)\b|"
            rf"\b(?:no|don'?t want (?:a |the |my )?|not (?:a |the )?)\s*{words}\b",
            text,
            re.I,
        )
    )


def _undelivered_all(details: OrderDetails, status: str) -> bool:
    """Whether every parcel not delivered has ``status`` (and there is one)."""
    return {s.status for s in details.shipments} - {ShipmentStatus.DELIVERED} == {status}


def _lead_with_customs(ctx: HandlerContext, outcome: Outcome) -> None:
    """Put what the customs article says of a parcel held at customs before the first reply."""
    article = ctx.knowledge.base.get(CUSTOMS_ARTICLE)
    held = next((s for s in sections(article) if s.heading == CUSTOMS_HELD), None) if article else None
    if article is None or held is None or not outcome.replies:
        return
    first = outcome.replies[0]
    first.text = " ".join(held.lines[:2]) + "\n\n" + first.text
    first.links = [*first.links, Link(article.title, article.url)]
    outcome.article = outcome.article or article.id  # "do I have to pay anything?" follows up on it


def _missed(details: OrderDetails) -> bool:
    """Whether every parcel not delivered is waiting after a failed delivery attempt (and there is one)."""
    return _undelivered_all(details, ShipmentStatus.ATTEMPT_FAILED)


def _out_for_delivery(details: OrderDetails) -> bool:
    """Whether every parcel not delivered is out for delivery (and there is one)."""
    return _undelivered_all(details, ShipmentStatus.OUT_FOR_DELIVERY)


def _driver_left_reply(details: OrderDetails) -> Reply:
    """ "The driver left without delivering it" while the carrier still says out for delivery."""
    going = [s for s in details.shipments if s.status == ShipmentStatus.OUT_FOR_DELIVERY]
    carriers = join_words(sorted({s.carrier for s in going if s.carrier})) or "the carrier"
    return Reply(
        f"I'm sorry. {carriers} still shows order #{details.number} as out for delivery, so the driver may come "
        "back later today. If not, the carrier records a missed attempt and usually tries again on the next "
        "working day; on the tracking page you can often pick another day, a neighbour or a pickup point. If "
        f"you were in, a person on our team can raise it with {carriers}.",
        buttons=[HUMAN_BUTTON],
        links=tracking_links(details, going),
    )


def _missed_reply(details: OrderDetails, *, disputed: bool = False) -> Reply:
    """What happens after a failed delivery attempt, and what the shopper can do; ``disputed``: the
    shopper says they were in, so a person can raise it with the carrier."""
    missed = [s for s in details.shipments if s.status == ShipmentStatus.ATTEMPT_FAILED]
    carriers = join_words(sorted({s.carrier for s in missed if s.carrier})) or "the carrier"
    links = tracking_links(details, missed)
    head = (
        f"I'm sorry: {carriers} recorded a delivery attempt on order #{details.number} although you were in. "
        f"That can happen when a driver runs short of time, and a person on our team can raise it with {carriers}."
        if disputed
        else f"Sorry you missed it. {carriers} tried to deliver order #{details.number} but couldn't hand it over."
    )
    return Reply(
        f"{head} They usually try again on the next working day, or leave a card saying where to collect it. On "
        "the tracking page you can often pick another day, a neighbour or a pickup point.",
        buttons=[HUMAN_BUTTON],
        links=links,
    )


def lost(details: OrderDetails) -> bool:
    """Whether every parcel not delivered is lost by the carrier (and there is one)."""
    return _undelivered_all(details, ShipmentStatus.LOST)


def _not_coming_back(details: OrderDetails, today: date) -> Reply:
    """ "Why was it sent back?" about an order with no parcel coming back to us: where it really is."""
    status = describe_order(details, today)
    status.text = f"The carrier hasn't sent order #{details.number} back to us. {status.text}"
    return status


def _ask_after_return(details: OrderDetails) -> Outcome:
    """Why a parcel comes back to us, and whether to send it again or refund."""
    return Outcome(replies=[why_it_comes_back(details)], await_step="returned")


_DESCRIBE_PROMPT = {
    "damaged": "I'm sorry it arrived damaged. Could you tell me in a sentence what's damaged? "
    "If you can, attach a photo too.",
    "wrong_item": "Sorry about that! Which item did you get instead of what you ordered?",
    "missing_item": "Sorry about that! Which item is missing from your parcel?",
}

_DESCRIBED_REPLY = {
    "damaged": "Thank you, and sorry again. I've opened case #{case} and passed it to our support team: "
    "they'll arrange a free replacement or a full refund and reply here within one business day. "
    "Please keep the item and its packaging until then.",
    "wrong_item": "Thank you. I've opened case #{case} and passed it to our support team: they'll send the "
    "right item and arrange a free pickup of the wrong one. Someone will reply here within one business day.",
    "missing_item": "Thank you. I've opened case #{case} and passed it to our support team: they'll check "
    "what was packed and send the missing item. Someone will reply here within one business day.",
}


#: the opening of each reply above, and what it says instead when the first message described the problem
_THANKS = {"damaged": "Thank you, and sorry again.", "wrong_item": "Thank you.", "missing_item": "Thank you."}
_FIRST_SORRY = {
    "damaged": "I'm sorry it arrived damaged.",
    "wrong_item": "Sorry we sent the wrong item.",
    "missing_item": "Sorry something is missing.",
}

_UPDATED_HANDED_OVER = (
    "Your case #{case} about this is already open with our support team. I've added your message to it, "
    "so nothing gets lost, and someone will reply here within one business day."
)


async def _report(ctx: HandlerContext, kind: str, description: str) -> CaseReport:
    """Open a case for the problem, or update the order's open case about the same problem."""
    assert ctx.order is not None
    return await ctx.repos.cases.report(
        order_id=int(ctx.order.order.id or 0),
        customer_id=ctx.customer_id,
        kind=kind,
        description=description,
        at=ctx.now(),
    )


def _payload_kind(payload: str | None) -> str | None:
    """The kind of ``problem:<kind>`` (or ``problem:<kind>:<want>``)."""
    if payload and payload.startswith("problem:"):
        kind = payload.split(":")[1]
        return kind if kind in KINDS else None
    return None
