"""``cancel_order`` and ``change_order`` (including the delivery address): only before shipment."""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import date

from handlers.addresses import parse_address
from handlers.answers import YES_BUTTON_PAYLOAD, yes_no_buttons, yes_or_no
from handlers.context import HandlerContext, OrderNeed, Outcome
from handlers.human_agent import hand_over
from handlers.messages import Button, Reply
from handlers.order_facts import has_shipped, is_cancelled, is_coming_back, is_late, item_names
from handlers.order_status import (
    ENDED,
    PICKUP_HOLD_DAYS,
    REFUSE_LATE,
    answer_follow_up,
    describe_order,
    question_focus,
    tracking_links,
)
from handlers.wording import (
    HUMAN_BUTTON,
    MENU_BUTTON,
    RETURNED_BUTTONS,
    day,
    join_words,
    local_time,
    relative_day,
)
from storage.domain import OrderStatus, ShipmentStatus
from storage.repositories.orders import OrderDetails

_ITEM_WORDS = re.compile(
    r"item|size|colou?r|product|\badd\b|remove|swap|quantity|instead|\bwrong (?:thing|one|model|version)\b|"
    r"\bonly (?:want|need) (?:\d+|one|two)\b|\bfewer\b",
    re.I,
)
#: "can you send the kettle first and the blender later?", "ship them separately": part of an order ahead
_PART_FIRST = re.compile(
    r"\b(?:send|ship|dispatch|post|deliver)\w* (?:the \w+(?: \w+)?|it|one|that|them|each|everything|the items) "
    r"(?:first|separately|on (?:its|their) own|ahead|before the (?:rest|others?))\b|"
    r"\b(?:split|separate) (?:the|my|this) (?:order|delivery|shipment|parcel)\b|"
    r"\bsend (?:just |only )?the \w+(?: \w+)? to (?:a different|another|a second|my \w+'?s?) (?:address|house|home|place)\b",
    re.I,
)


def asks_to_ship_part_first(text: str) -> bool:
    """ "Can you send the kettle first and the blender later?": part of an order sent ahead of the rest."""
    return bool(_PART_FIRST.search(text))


_ADDRESS_WORDS = re.compile(
    r"(?<!e-mail )(?<!email )address|deliver(y|ed)? to\b|ship(ping|ped)? to\b|"
    r"sen[dt] (it|them) to\b(?! (my |your |an? )?(e-?mail|inbox))|moved|new home|postcode|zip ?code|"
    r"\bwrong zip\b|\bto my (work|office|workplace|job|parents|mum'?s|mom'?s|new place|home|house|flat|apartment)\b",
    re.I,
)
#: a spot at the same address: "deliver to the back door", "leave it in the porch"
_AT_THE_DOOR = re.compile(
    r"\b(?:back|front|side|garage|garden|kitchen|patio) (?:door|gate)\b|\bporch\b|\bsafe ?place\b|\bdoorstep\b|"
    r"\b(?:in|behind|by|next to) the (?:shed|garage|bins?|recycling|gate|fence|plant pot|mailbox|letterbox)\b",
    re.I,
)
#: words of another address, which a spot at the door does not make
_NEW_PLACE = re.compile(r"\b(?:address|moved|new home|postcode|zip ?code|street|road|avenue|office|work)\b", re.I)
#: a day of the week
_WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
#: "instead of Thursday": another delivery day than the one given
_INSTEAD_OF_DAY_WORDS = rf"\binstead of (?:on )?{_WEEKDAY}\b"
_INSTEAD_OF_DAY = re.compile(_INSTEAD_OF_DAY_WORDS, re.I)
#: "can the speaker come on Saturday instead of Thursday": the delivery day, which the carrier sets
_ANOTHER_DAY = re.compile(
    rf"\b(?:come|arrive|get here|be delivered|deliver\w*|turn up|bring (?:it|them))\b.{{0,15}}\bon (?:a |the )?{_WEEKDAY}\b|"
    + _INSTEAD_OF_DAY_WORDS,
    re.I,
)
#: the order's contact details ("change the phone number on my order"), which a person updates
_CONTACT_WORDS = re.compile(
    r"\b(?:phone|mobile|cell) (?:number|no)\b|\bchange (?:my|the) (?:phone|mobile)\b|"
    r"\b(?:phone|mobile)\b(?= on (?:the|my) order)|\be-?mail(?: address)?\b|\bname on (?:the|my|this) (?:order|parcel|package)\b|"
    r"\b(?:my|the) (?:contact details|(?:last |first )?name)\b",
    re.I,
)
#: a faster shipping speed ("can you upgrade it to express")
_SPEED_WORDS = re.compile(
    r"\b(?:express|faster|quicker|next[- ]day|overnight|priority|expedited?|upgrade\w*|(?:shipping|delivery) speed|"
    r"speed (?:it |this )?up|hurry|rush)\b",
    re.I,
)
#: delivery instructions: where to leave the parcel, or being out when it comes
#: "what if I'm not in", "nobody will be home": a delivery nobody is there for
_NOBODY_HOME = (
    r"\b(not|won'?t be|will not be|wont be) (at )?(home|in)\b|"
    r"\bnot (going to|gonna) be (at )?(home|in|there|around|back)\b|"
    r"\b(i'?m|i am|we'?re|we are|i'?ll be|we'?ll be|i will be|we will be)( (going to|gonna) be)? "
    r"(out|away|on holiday|on vacation|at work|at the office|not in|not home)\b|\bnobody('?s| is| will be) (home|in)\b|"
    r"\b(have to|need to|got to|gotta|must) (go out|leave|head out|go to work|pop out)\b|"
    r"\bcan (they|the driver|the courier|you|it) (come|deliver|arrive|get here)( it| them)? (earlier|later|sooner)\b"
)
_NOBODY_HOME_WORDS = re.compile(_NOBODY_HOME, re.I)
#: "can I get it delivered to a locker", "send it to a pickup point instead": where the carrier leaves it
_TO_PICKUP_POINT = (
    r"\b(?:deliver\w*|sen[dt]|ship\w*|redirect\w*|divert\w*|go|left|leave|drop\w*)\b.{0,25}\b(?:to|at|in) "
    r"(?:a|an|the|my|one of the|some) (?:parcel |post |amazon )?(?:lockers?|pick-?up (?:points?|locations?|shops?)|"
    r"collection points?|parcel (?:shops?|points?)|access points?|post ?shops?)\b"
)
_TO_PICKUP_POINT_WORDS = re.compile(_TO_PICKUP_POINT, re.I)
_INSTRUCTION_WORDS = re.compile(
    r"neighbou?r|safe ?place|\b(?:pick|collect) (?:it|them) up\b|\bcollect (?:it|them)\b|\bleave (it|them|the \w+|my \w+)\b|porch|back door|front door|doorstep|"
    r"reception|concierge|(?:door|gate|access|entry|entrance|building|key|lock ?box) ?code|buzzer|ring the bell|"
    r"(?:note|message|instructions?) (?:for|to) (?:the )?(?:driver|courier|delivery (?:guy|man|person|driver))|"
    r"can'?t find (?:my|the|our) (?:building|house|address|flat|apartment|door|entrance|place|street)|"
    r"(?:come|try) (?:back|again) (?:later|tomorrow|another day|on \w+day|after \d)|"
    r"(?:tell|let|ask) (?:the )?(?:driver|courier)|" + _NOBODY_HOME + r"|" + _TO_PICKUP_POINT + r"|delivery instructions?|"
    r"\bdelivery (date|day)\b|\breschedule|\banother day\b|\blater date\b|"
    r"\bdeliver (it |them )?(later|on \w+day)\b|"
    r"\b(i'?ll|i will|we'?ll|we will|someone will|somebody will) be (home|in|there|around)\b|\btry again\b|"
    r"\bcome (back|again)\b|\bredeliver\w*|\bdeliver (it |them )?(again|tomorrow)\b|"
    r"\bhold (on to |onto )?(it|them|my (parcel|package|order|delivery)|the (parcel|package|order|delivery))\b",
    re.I,
)


_ASKED_FOR = re.compile(r"\b(?:can|could|would|possible|please|pls|any chance|rather|prefer|want|like)\b", re.I)


#: "can they bring it on Saturday?": the carrier asked to come on a day
_BRING_IT_ON_DAY = re.compile(
    rf"\b(?:can|could|would) (?:they|you|u|the (?:driver|courier|carrier)|\w+ (?:driver|courier)) "
    rf"(?:bring|deliver|drop(?: off)?|come back with|redeliver)(?: it| them)?\b.{{0,15}}\bon (?:a |the )?{_WEEKDAY}\b",
    re.I,
)


def asks_for_another_day(text: str) -> bool:
    """ "Can it come on Saturday instead of Thursday?", "can they bring it on Saturday?": another delivery day asked
    for (not "it came on Monday instead of Thursday", which tells what happened)."""
    return bool(_INSTEAD_OF_DAY.search(text) and _ASKED_FOR.search(text)) or bool(_BRING_IT_ON_DAY.search(text))


def asks_for_pickup_point(text: str) -> bool:
    """ "Can I get it delivered to a locker?": a pickup point instead of the door (the carrier's choice to offer)."""
    return bool(_TO_PICKUP_POINT_WORDS.search(text))


def says_nobody_home(text: str) -> bool:
    """ "What if I'm not in?", "I'll be away when it comes": a delivery nobody will be there for."""
    return bool(_NOBODY_HOME_WORDS.search(text))


def asks_about_delivery_instructions(text: str) -> bool:
    """ "Leave it with my neighbour", "I'll be home tomorrow, can they come then?": where or when the
    carrier delivers, which its tracking page sets."""
    return bool(_INSTRUCTION_WORDS.search(text))
#: "why was my order cancelled", "who cancelled it"
_WHY_CANCELLED = re.compile(r"\b(?:why|who|how come)\b.{0,30}\bcancel|\bcancel(?:l?ed)\b\W{0,3}(?:but )?why\b", re.I)


def asks_why_cancelled(text: str) -> bool:
    """ "Why was my order cancelled?", "who cancelled it": a question about a cancellation made."""
    return bool(_WHY_CANCELLED.search(text))
#: a gift note, gift wrapping or a gift receipt ("can I add a gift message")
_GIFT_WORDS = re.compile(r"\bgift ?(?:wrap\w*|notes?|messages?|receipts?|bags?|boxe?s?|tags?)\b|\bas a gift\b", re.I)
ADDRESS_CHANGE = "change the address"
ADDRESS_PROMPT = (
    "What's the new delivery address? Please send it on one line: street, city, postcode and country, "
    'e.g. "12 Elm Street, Boston, 02118, US".'
)


def carrier_name(details: OrderDetails) -> str:
    """The carrier of the order's first parcel, or "the carrier" when none is named."""
    return (details.shipments[0].carrier if details.shipments else "") or "the carrier"


#: what a delivered order can no longer have done to it, by the words :func:`_too_late` is given
_UNDONE = {"cancel it": "cancelled", "change it": "changed"}


def _all_delivered(details: OrderDetails) -> bool:
    """Whether every parcel of the order was delivered (and says when)."""
    return bool(details.shipments) and all(
        s.status == ShipmentStatus.DELIVERED and s.delivered_at is not None for s in details.shipments
    )


def _too_late(details: OrderDetails, what: str, today: date | None = None, *, asked_why: bool = False) -> Reply:
    """Why a shipped or closed order can't be changed, and what the shopper can do instead (for a
    parcel running late, given ``today``: refuse it or send it back for a full refund)."""
    if is_cancelled(details) and asked_why:  # "why was my order cancelled"
        return Reply(
            f"I can't see here why order #{details.number} was cancelled, but a person on our team can tell you "
            "and help you order again. Any payment taken is refunded to your original payment method.",
            buttons=[HUMAN_BUTTON, Button("Refund status", "intent:refund_status")],
        )
    if is_cancelled(details):
        return Reply(
            f"Order #{details.number} is already cancelled, so there's nothing left to change. If you didn't ask "
            "for it to be cancelled, a person on our team can tell you why and help you order again.",
            buttons=[HUMAN_BUTTON, Button("Refund status", "intent:refund_status")],
        )
    if is_coming_back(details):  # "refund me" or "send it to my new address" of a parcel going back to us
        return Reply(
            f"Order #{details.number} is on its way back to us, so it can't be {_UNDONE.get(what) or 'changed'} or "
            "redirected now. Once it's back with us, we'll refund you in full or send it again, to a new address if "
            "you like. Which would you prefer?",
            buttons=[*RETURNED_BUTTONS, HUMAN_BUTTON],
        )
    undone = _UNDONE.get(what)
    if undone and _all_delivered(details):  # "I changed my mind" about an order that came: a return
        when = max(s.delivered_at for s in details.shipments if s.delivered_at is not None)
        local = local_time(when, details.customer.timezone).date()
        on = f" {relative_day(local, today)}" if today is not None else ""
        return Reply(
            f"Order #{details.number} was delivered{on}, so it can't be {undone} any more. You can send it "
            "back for a refund instead: returns are free.",
            buttons=[Button("Start a return", "intent:return_request"), HUMAN_BUTTON],
        )
    carrier = carrier_name(details)
    waiting = any(s.status == ShipmentStatus.AVAILABLE_FOR_PICKUP for s in details.shipments)
    if what == ADDRESS_CHANGE and waiting:  # "can you deliver it to my home instead"
        return Reply(
            f"Order #{details.number} is already waiting at a {carrier} pickup point, so it can't be delivered "
            f"to another address now. It's held there for {PICKUP_HOLD_DAYS} days; if nobody collects it, it "
            f"comes back to us and we refund you. A person on our team can ask {carrier} whether it can be "
            "delivered again.",
            buttons=[HUMAN_BUTTON, Button("Track it", "intent:order_status")],
        )
    if what == ADDRESS_CHANGE and has_shipped(details):
        return Reply(
            f"Order #{details.number} has already left our warehouse with {carrier}, so I can't change the "
            f"address any more. {carrier}'s tracking page often lets you redirect it to another address, a "
            "neighbour or a pickup point. A person on our team can also ask them to hold it at their depot for "
            "you to collect.",
            buttons=[HUMAN_BUTTON, Button("Track it", "intent:order_status")],
        )
    late = today is not None and is_late(details, today)
    instead = REFUSE_LATE if late else "Once it arrives you can send it back for free."
    return Reply(
        f"Order #{details.number} has already left our warehouse with {carrier}, so I can't {what} any more. "
        f"{instead} A person on our team may still be able to help with the carrier.",
        buttons=[HUMAN_BUTTON, Button("Track it", "intent:order_status")],
    )


#: "why not?", "how come?": the reason for the answer just given
_BARE_WHY = re.compile(
    r"^\W*(?:(?:but|and|so|ok|okay|hmm+)\W+)?(?:why(?: not| is that| can'?t (?:you|i|it be))?|how come)(?: not)?\W*$", re.I
)


def asks_bare_why(text: str) -> bool:
    """ "Why not?", "how come?": the reason for the answer just given, and nothing else."""
    return bool(_BARE_WHY.match(text))


def _why_too_late(details: OrderDetails) -> Reply:
    """Why an order on its way can't be cancelled or changed here, and what the shopper can still do."""
    carrier = carrier_name(details)
    return Reply(
        f"Once an order has left our warehouse it's in {carrier}'s hands, and we can't call it back or change it "
        "from here. When it arrives you can send it back for free for a full refund, or a person on our team can "
        f"ask {carrier} what's still possible.",
        buttons=[Button("Start a return", "intent:return_request"), HUMAN_BUTTON],
    )


def _not_cancelled(details: OrderDetails, today: date) -> Reply:
    """ "Why was my order cancelled?" about an order that isn't: say so, with its status, and a person
    for an email that said otherwise (items cancelled out of stock, say)."""
    status = describe_order(details, today)
    return Reply(
        f"Order #{details.number} isn't cancelled.\n{status.text}\nIf an email said that it or part of it was "
        "cancelled, a person on our team can check why.",
        buttons=[HUMAN_BUTTON],
        links=status.links,
    )


class CancelOrderHandler:
    """Cancels an order that has not shipped, after the shopper confirms."""

    name = "cancel_order"
    intents = ("cancel_order",)
    payload_prefixes: tuple[str, ...] = ()

    def order_need(self, ctx: HandlerContext) -> OrderNeed:
        """Needs the verified order."""
        return OrderNeed.REQUIRED

    def accepts(self, ctx: HandlerContext) -> bool:
        """Yes or no answers the confirmation, or the offer of a person for some items; what cancelling costs
        or whether anything goes back is asked of the confirmation."""
        if ctx.step == "confirm" and ctx.payload is None and (_CANCEL_TERMS.search(ctx.text) or _SEND_BACK.search(ctx.text)):
            return True
        if ctx.step == "confirm" and ctx.payload is None and ctx.understanding.products and _SOME.search(ctx.text):
            return True  # "just the blender. keep the kettle": some of the items (the NLU can hear a product question)
        if ctx.step == "confirm" and ctx.payload is None and asked_at_confirmation(ctx.text):
            return True  # "when would it arrive if I keep it?", "will cancelling affect my account?"
        return ctx.step in ("confirm", PARTIAL) and yes_or_no(ctx) is not None

    async def handle(self, ctx: HandlerContext) -> Outcome:
        """Ask to confirm, then cancel; or explain why it is too late."""
        assert ctx.order is not None
        details = ctx.order
        asked_why = ctx.payload is None and asks_why_cancelled(ctx.text)
        if asked_why and ctx.step not in ("confirm", PARTIAL) and not is_cancelled(details):
            return Outcome(replies=[_not_cancelled(details, ctx.today())])  # "why was it cancelled?" It wasn't
        if is_cancelled(details) or has_shipped(details) or details.order.status == OrderStatus.CLOSED:
            if ctx.payload is None and asks_bare_why(ctx.text) and has_shipped(details) and not is_cancelled(details):
                return Outcome(replies=[_why_too_late(details)])  # "why not?" after "I can't cancel it any more"
            too_late = _too_late(details, "cancel it", ctx.today(), asked_why=asked_why)
            return _with_arrival_day(ctx, Outcome(replies=[too_late]))
        if ctx.step == PARTIAL and ctx.payload is None:  # typed, to "shall I pass you to a person?"
            if yes_or_no(ctx):
                return await hand_over(ctx, f"Cancel some items of order #{details.number}")
            return Outcome.say(f"OK, order #{details.number} stays as it is.", buttons=[MENU_BUTTON])
        if ctx.step == "confirm" and ctx.payload is None:
            some = _some_items(ctx, details)
            if some is not None:  # "yes but keep the blender", "no, only the kettle": some of its items
                return _partial_offer(details, some)
            if _CANCEL_TERMS.search(ctx.text) and yes_or_no(ctx) is None:
                # "is there a cancellation fee?", "will the refund go to my card?": answered, then asked again
                return Outcome(
                    replies=[Reply(f"{CANCEL_TERMS} Shall I cancel order #{details.number}?", buttons=yes_no_buttons())],
                    await_step="confirm",
                )
            asked = asked_at_confirmation(ctx.text) if yes_or_no(ctx) is None else None
            if asked == "arrival":  # "only if it can't be here by Friday. When would it arrive if I keep it?"
                day_answer = answer_follow_up(details, "eta", ctx.today())
                return Outcome(
                    replies=[Reply(f"{day_answer.text} Shall I cancel order #{details.number}?", buttons=yes_no_buttons())],
                    await_step="confirm",
                )
            if asked == "cancelling":  # "will cancelling affect my account?": what cancelling means, asked again
                return Outcome(
                    replies=[Reply(f"{CANCEL_TERMS} Shall I cancel order #{details.number}?", buttons=yes_no_buttons())],
                    await_step="confirm",
                )
            if _SEND_BACK.search(ctx.text) and yes_or_no(ctx) is None:
                # "do I have to send something back?": not for an order that hasn't shipped
                return Outcome(
                    replies=[
                        Reply(
                            f"{NOTHING_TO_SEND_BACK} Shall I cancel order #{details.number}?", buttons=yes_no_buttons()
                        )
                    ],
                    await_step="confirm",
                )
        if ctx.step in ("confirm", PARTIAL):
            answer = yes_or_no(ctx) if not _JUST_DO_IT.search(ctx.text or "") else True
            if answer is None:
                return Outcome(
                    replies=[Reply("Shall I cancel it? Please tap Yes or No.", buttons=yes_no_buttons())],
                    await_step="confirm",
                )
            if not answer:
                return Outcome.say(f"OK, order #{details.number} stays as it is.", buttons=[MENU_BUTTON])
            order_id = int(details.order.id or 0)
            await ctx.repos.orders.set_status(order_id=order_id, status=OrderStatus.CANCELLED)
            await ctx.repos.orders.set_refund_status(order_id=order_id, refund_status="pending")
            return Outcome.say(
                f"Done: order #{details.number} is cancelled. Your refund goes back to your original payment "
                "method within 3–5 business days. You'll get a confirmation email too."
            )
        some = _some_items(ctx, details)
        if some is not None:  # "cancel the blender but keep the kettle": a person cancels single items
            return _partial_offer(details, some)
        names = join_words(item_names(details.items)) or "everything in it"
        return Outcome(
            replies=[
                Reply(
                    f"Order #{details.number} ({names}) hasn't shipped yet, so I can cancel it. "
                    "Do you want me to cancel the whole order?",
                    buttons=yes_no_buttons("Yes, cancel it", "No, keep it"),
                )
            ],
            await_step="confirm",
        )


#: the step after offering a person to cancel some items (typed yes: the person; the button: the whole order)
PARTIAL = "partial"
#: "only the blender", "but keep the kettle", "one of the items": part of an order, not all of it
_PART_OF_ORDER = re.compile(
    r"\b(?:only|just) (?:the|my|one|1)\b|\bbut keep\b|\bkeep the rest\b|\b(?:one|some|1|two|2) of the (?:items|things)\b|"
    r"\b(?:one|an|a single|some) items?\b|\bpart of (?:my|the) order\b|\bremove (?:the|an?|one) \w+ from\b",
    re.I,
)


def _partial_offer(details: OrderDetails, some: list[str]) -> Outcome:
    """Only whole orders are cancelled here: a person cancels ``some`` items (the names, or [] for unnamed)."""
    which = f"just the {join_words(some)}" if some else "just some of its items"
    return Outcome(
        replies=[
            Reply(
                f"I can only cancel a whole order here. As order #{details.number} hasn't shipped yet, a "
                f"person on our team can cancel {which} for you. Shall I pass you to them?",
                buttons=[
                    Button("Yes, get a person", "intent:human_agent"),
                    Button("Cancel the whole order", YES_BUTTON_PAYLOAD),
                ],
            )
        ],
        await_step=PARTIAL,
    )


#: "is there a cancellation fee?", "will I get the refund on my card, and how fast?": what cancelling costs
_CANCEL_TERMS = re.compile(
    r"\b(?:fee|charge[ds]?|cost|pay anything|penalty|refund\w*|money back|my card|how fast|how long|how soon)\b", re.I
)
#: as the cancellation answer says: nothing to pay, the refund to the original payment method
CANCEL_TERMS = (
    "Cancelling costs nothing, and the refund goes back to your original payment method within 3–5 business days."
)
#: "do I have to send something back?", asked at the confirmation
_SEND_BACK = re.compile(
    r"\b(?:send|post|ship|bring|take|mail)\w* (?:\w+ )?back\b|\breturn (?:it|them|anything|something|the \w+)\b", re.I
)
#: as the cancellation answer says: the order has not left
NOTHING_TO_SEND_BACK = (
    "There's nothing to send back: the order hasn't shipped, so cancelling stops it before it leaves our warehouse."
)
#: "ugh, just do it", "I already said cancel": yes
_JUST_DO_IT = re.compile(
    r"\bjust do it\b|\bi (?:already )?said (?:cancel|yes)\b|\bjust cancel(?: it)?\b|\bgo on(?: then)?\W+do it\b|"
    r"\bcancel (?:the whole (?:thing|order|lot)|everything|it all)\b",
    re.I,
)


#: "just the blender", "only the kettle", "keep the kettle": some of the order's items
_SOME = re.compile(r"\b(?:just|only)\b|\b(?:keep|still (?:want|need)|(?:want|need) to keep)\b", re.I)
#: a question at the confirmation about the day the order would come if kept
_ARRIVAL_ASKED = re.compile(
    r"\b(?:when|what day|which day|how (?:long|soon))\b.{0,40}\b(?:arrive|come|get here|be here|deliver\w*|ship\w*|"
    r"reach)\b",
    re.I,
)
#: a question at the confirmation about cancelling itself ("will cancelling affect my account?")
_CANCELLING_ASKED = re.compile(r"\bcancel\w*\b", re.I)


def asked_at_confirmation(text: str) -> str | None:
    """What a question typed at the cancel confirmation asks: ``arrival`` (the day the order would come if
    kept), ``cancelling`` (what cancelling means for the shopper), or None (no question, or another one)."""
    if "?" not in text:
        return None
    if _ARRIVAL_ASKED.search(text):
        return "arrival"
    if _CANCELLING_ASKED.search(text):
        return "cancelling"
    return None


#: "keep the kettle", "I still want the kettle": an item the shopper keeps
_KEEP_WORDS = r"\b(?:keep|still (?:want|need)|(?:want|need) to keep)\b"
_KEEP = re.compile(_KEEP_WORDS, re.I)
#: a product named to be ordered again, not one to keep out of the cancellation
_ORDER_AGAIN = re.compile(
    r"\b(?:order|buy|purchase|want|get)\w* (?:it |them |the \w+ |\w+ )?again\b|\bre-?order\b", re.I
)


def _kept_by_name(text: str, name: str) -> bool:
    """Whether "keep" comes shortly before a word of ``name`` ("keep the blender", "I still want the blender" of
    "PowerBlend 300 Blender")."""
    words = [re.escape(w) for w in re.findall(r"[^\W_]{4,}", name)]
    return bool(words) and bool(re.search(rf"{_KEEP_WORDS}.{{0,30}}\b(?:{'|'.join(words)})", text, re.I))


def _some_items(ctx: HandlerContext, details: OrderDetails) -> list[str] | None:
    """The names of the items a cancellation asks for when it is only some of the order's items (the
    order's products named, not all of them: "cancel the blender but keep the kettle"), an empty list
    when the words say only some items without naming them ("just one item"), and None for the whole
    order."""
    if ctx.payload is not None or len(details.items) < 2 or _ORDER_AGAIN.search(ctx.text):
        return None  # "yes cancel. But the kettle I want to order again in red": the whole order, then a new one
    skus = {item.sku for item in details.items}
    named = [p for p in ctx.understanding.products if p.sku in skus]
    kept = [p for p in named if _KEEP.search(ctx.text) and _kept_by_name(ctx.text, p.name)]
    cancelled = [p for p in named if p not in kept]
    if cancelled and len({p.sku for p in cancelled}) < len(skus):
        return [item.name for item in details.items if item.sku in {p.sku for p in cancelled}]
    if kept and not cancelled:  # "yes, but keep the blender": the rest of the order
        others = [item.name for item in details.items if item.sku not in {p.sku for p in kept}]
        return others if others and len(others) < len(details.items) else None
    if _PART_OF_ORDER.search(ctx.text) and not named:
        return []
    return None


class ChangeOrderHandler:
    """Changes the delivery address before shipment; other changes go to a person."""

    name = "change_order"
    intents = ("change_order",)
    payload_prefixes = ("change",)
    free_text_steps = ("address",)

    def order_need(self, ctx: HandlerContext) -> OrderNeed:
        """Needs the verified order."""
        return OrderNeed.REQUIRED

    def accepts(self, ctx: HandlerContext) -> bool:
        """An address, a yes/no or a choice answers the waiting step."""
        if ctx.step == "confirm_address":
            return yes_or_no(ctx) is not None
        if ctx.step == "address":
            return parse_address(ctx.text) is not None
        return ctx.step == "what" and _what(ctx) is not None

    async def handle(self, ctx: HandlerContext) -> Outcome:
        """Route to the address change, the item change, delivery instructions, a faster shipping speed, or
        ask which."""
        assert ctx.order is not None
        details = ctx.order
        if ctx.step == "address":
            return await self._address_given(ctx)
        if ctx.step == "confirm_address":
            return await self._confirm_address(ctx)
        if ctx.step is None and ctx.payload is None and _REPLACEMENT.search(ctx.text) and _lost(details):
            return Outcome(replies=[_replacement_elsewhere(details)])  # "can the new one go to her house instead"
        what = _what(ctx)
        if what is None and ctx.payload is None and asks_bare_why(ctx.text) and has_shipped(details):
            return Outcome(replies=[_why_too_late(details)])  # "why not?" after "I can't change it any more"
        if what is None and ctx.step is None and question_focus(ctx.text) == "eta":
            return Outcome(replies=[_arrival_before_a_move(details, ctx.today())])
        if what is None:
            if ctx.step == "what":
                return Outcome(replies=[_ask_what(details, again=True)], await_step="what")
            return Outcome(replies=[_ask_what(details)], await_step="what")
        if what == "instructions":
            return Outcome(replies=[delivery_instructions(details)])
        if what == "speed":
            return Outcome(replies=[_shipping_speed(details)])
        if what == "gift":
            return Outcome(replies=[_gift(details)])
        if what == "contact" and not is_cancelled(details):
            return Outcome.say(
                f"I can't change the contact details on order #{details.number} myself, but a person on our team "
                "can update them. Shall I pass you to them?",
                buttons=[Button("Yes, get a person", "intent:human_agent"), MENU_BUTTON],
            )
        if is_cancelled(details) or has_shipped(details) or details.order.status == OrderStatus.CLOSED:
            too_late = _too_late(details, "change it" if what == "items" else ADDRESS_CHANGE)
            return _with_arrival_day(ctx, Outcome(replies=[too_late]))
        if what == "items":
            return Outcome.say(
                f"I can't change the items myself, but as order #{details.number} hasn't shipped yet a person "
                "on our team can. Shall I pass you to them?",
                buttons=[Button("Yes, get a person", "intent:human_agent"), MENU_BUTTON],
            )
        if what == "split":  # "send the kettle first", "the kettle to another address": a person can check
            return Outcome.say(
                f"Order #{details.number} is packed to go out in one parcel to one address, and I can't split it "
                "myself. As it hasn't shipped yet, a person on our team can check whether that's possible. Shall "
                "I pass you to them?",
                buttons=[Button("Yes, get a person", "intent:human_agent"), MENU_BUTTON],
            )
        address = parse_address(ctx.text, details.order.ship_country) if ctx.payload is None else None
        if address is not None:
            return _confirm(details, address.one_line(), asdict(address))
        return Outcome(replies=[Reply(ADDRESS_PROMPT)], await_step="address")

    async def _address_given(self, ctx: HandlerContext) -> Outcome:
        assert ctx.order is not None
        address = parse_address(ctx.text, ctx.order.order.ship_country)
        if address is None:
            tries = int(ctx.data.get("tries", 0)) + 1
            if tries >= 2:
                return Outcome.say(
                    "Sorry, I still can't read that as an address. A person on our team can change it for you.",
                    buttons=[HUMAN_BUTTON],
                )
            return Outcome(
                replies=[
                    Reply(
                        "Sorry, I couldn't read that as an address. Please send street, city, postcode and "
                        'country separated by commas, e.g. "12 Elm Street, Boston, 02118, US".'
                    )
                ],
                await_step="address",
                data={"tries": tries},
            )
        return _confirm(ctx.order, address.one_line(), asdict(address))

    async def _confirm_address(self, ctx: HandlerContext) -> Outcome:
        assert ctx.order is not None
        answer = yes_or_no(ctx)
        address = ctx.data.get("address") or {}
        if answer is None:
            return Outcome(
                replies=[
                    Reply("Shall I save the new address? Please tap Yes or No.", buttons=yes_no_buttons())
                ],
                await_step="confirm_address",
                data=ctx.data,
            )
        if not answer:
            return Outcome(replies=[Reply(ADDRESS_PROMPT)], await_step="address")
        if has_shipped(ctx.order):
            return Outcome(replies=[_too_late(ctx.order, ADDRESS_CHANGE)])
        await ctx.repos.orders.set_address(
            order_id=int(ctx.order.order.id or 0),
            line1=address.get("line1"),
            city=address.get("city"),
            postcode=address.get("postcode"),
            country=address.get("country"),
        )
        return Outcome.say(
            f"Done: order #{ctx.order.number} will go to {ctx.data.get('one_line', 'the new address')}. "
            "You'll see the new address in your shipping confirmation."
        )


def _what(ctx: HandlerContext) -> str | None:
    payload = ctx.payload or ""
    if payload == "change:address":
        return "address"
    if payload == "change:items":
        return "items"
    if payload == "change:instructions":
        return "instructions"
    if payload:
        return None
    if _GIFT_WORDS.search(ctx.text):
        return "gift"
    if _CONTACT_WORDS.search(ctx.text) and not _ADDRESS_WORDS.search(ctx.text):
        return "contact"
    if _AT_THE_DOOR.search(ctx.text) and not _NEW_PLACE.search(ctx.text):
        return "instructions"  # "deliver to the back door pls": where at the address, not another address
    if _PART_FIRST.search(ctx.text) and len(ctx.order.items if ctx.order else []) > 1:
        return "split"  # "send the kettle first", "the kettle to a different address": part of the order
    if _ADDRESS_WORDS.search(ctx.text) or parse_address(ctx.text) is not None:
        return "address"
    if _INSTRUCTION_WORDS.search(ctx.text) or _ANOTHER_DAY.search(ctx.text):
        return "instructions"
    if _SPEED_WORDS.search(ctx.text):
        return "speed"
    if _ITEM_WORDS.search(ctx.text):
        return "items"
    return None


def _gift(details: OrderDetails) -> Reply:
    """A gift note, wrapping or receipt: only a person can add one, and only before the order ships."""
    if is_cancelled(details):
        return _too_late(details, "change it")
    if has_shipped(details) or details.order.status == OrderStatus.CLOSED:
        carrier = carrier_name(details)
        return Reply(
            f"Sorry, order #{details.number} has already left our warehouse with {carrier}, so a gift note or "
            "wrapping can't be added any more.",
            buttons=[HUMAN_BUTTON, MENU_BUTTON],
        )
    return Reply(
        f"I can't add a gift note, gift wrapping or a gift receipt myself, but as order #{details.number} "
        "hasn't shipped yet a person on our team can check whether it's still possible. Shall I pass you to them?",
        buttons=[Button("Yes, get a person", "intent:human_agent"), MENU_BUTTON],
    )


def _shipping_speed(details: OrderDetails) -> Reply:
    """A faster shipping speed: a person can upgrade an order that hasn't shipped; a shipped one keeps its own."""
    number = details.number
    if is_cancelled(details):
        return _too_late(details, "change it")
    if has_shipped(details) or details.order.status == OrderStatus.CLOSED:
        carriers = join_words(sorted({s.carrier for s in details.shipments if s.carrier})) or "the carrier"
        return Reply(
            f"Order #{number} has already left our warehouse with {carriers}, so its shipping speed can't be "
            "changed any more: it travels as it was booked.",
            buttons=[Button("Track it", "intent:order_status"), HUMAN_BUTTON],
        )
    if details.order.backordered_until is not None:
        return Reply(
            f"Order #{number} is waiting for stock until {day(details.order.backordered_until)}, so faster "
            "shipping wouldn't bring it sooner: we ship it the day the stock arrives. A person on our team can "
            "upgrade it to express delivery for when it ships (you pay the difference), or you can cancel it.",
            buttons=[Button("Yes, get a person", "intent:human_agent"), Button("Cancel the order", "intent:cancel_order")],
        )
    return Reply(
        f"I can't change the shipping speed myself, but as order #{number} hasn't shipped yet a person on our "
        "team can upgrade it to express delivery (you pay the difference). Shall I pass you to them?",
        buttons=[Button("Yes, get a person", "intent:human_agent"), MENU_BUTTON],
    )


def delivery_instructions(details: OrderDetails) -> Reply:
    """Where to leave a parcel, or being out when it comes: the carrier decides, on its tracking page."""
    number = details.number
    if is_cancelled(details):
        return _too_late(details, "deliver")
    travelling = [s for s in details.shipments if s.status not in ENDED]
    if details.shipments and not travelling:
        return Reply(
            f"Order #{number} has already been delivered or handed back, so there's nothing left to deliver.",
            buttons=[Button("Track it", "intent:order_status"), HUMAN_BUTTON],
        )
    if not has_shipped(details):
        return Reply(
            f"I can't add delivery instructions or pick a delivery day for order #{number} myself, and it hasn't "
            "shipped yet. Once it does, you get the carrier's tracking link: most carriers let you choose another "
            "day, a safe place, a neighbour or a pickup point there. Until it ships, I can still change the "
            "delivery address.",
            buttons=[Button("Change the address", "change:address"), HUMAN_BUTTON],
        )
    carriers = join_words(sorted({s.carrier for s in travelling if s.carrier})) or "the carrier"
    links = tracking_links(details, travelling)
    return Reply(
        f"Order #{number} is with {carriers}, so delivery instructions go through them: on the tracking page "
        "you can usually choose another day, a safe place, a neighbour or a pickup point. If nobody's in, the driver usually "
        "leaves it with a neighbour, or leaves a card saying where to collect it and tries again on the next "
        "working day.",
        buttons=[HUMAN_BUTTON],
        links=links,
    )


#: "the new one", "the replacement": what is sent instead of a lost parcel
_REPLACEMENT = re.compile(r"\b(?:new one|replacement|the new (?:parcel|package|order|\w+)|resend\w*|send (?:it )?again)\b", re.I)


def _lost(details: OrderDetails) -> bool:
    return any(s.status == ShipmentStatus.LOST for s in details.shipments)


def _replacement_elsewhere(details: OrderDetails) -> Reply:
    """A replacement for a lost parcel sent to another address: not sent yet, so a person can send it there."""
    return Reply(
        f"The replacement for order #{details.number} hasn't been sent yet, so it can go to another address: ask for "
        "a replacement and tell our team where to send it. They'll reply here within one business day.",
        buttons=[Button("Send a replacement", "problem:lost:resend"), HUMAN_BUTTON],
    )


def _with_arrival_day(ctx: HandlerContext, outcome: Outcome) -> Outcome:
    """ "When will it arrive, and can I change the address?": the delivery day before the answer to the
    change, when the first message also asks when the order comes."""
    assert ctx.order is not None
    if ctx.payload is not None or ctx.step is not None or question_focus(ctx.text) != "eta":
        return outcome
    if is_cancelled(ctx.order) or not outcome.replies:
        return outcome
    day_answer = answer_follow_up(ctx.order, "eta", ctx.today())
    first = outcome.replies[0]
    first.text = f"{day_answer.text}\n\n{first.text}"
    return outcome


def _arrival_before_a_move(details: OrderDetails, today: date) -> Reply:
    """ "I'm moving next week, will my order come before?": the delivery day, and how to change the
    address if the shopper moves first."""
    reply = answer_follow_up(details, "eta", today)
    if is_cancelled(details) or details.order.status == OrderStatus.CLOSED:
        return reply
    if not has_shipped(details):
        reply.text += " If you move before it arrives, I can change the delivery address until it ships."
        reply.buttons = [Button("Change the address", "change:address"), *reply.buttons]
    elif any(s.status not in ENDED for s in details.shipments):
        carrier = carrier_name(details)
        reply.text += (
            f" If you move before it arrives, {carrier}'s tracking page often lets you redirect it to another "
            "address, and a person on our team can help with that."
        )
        reply.buttons = [*reply.buttons, HUMAN_BUTTON]
    return reply


def _ask_what(details: OrderDetails, again: bool = False) -> Reply:
    head = "Sorry, which one? " if again else f"What would you like to change on order #{details.number}? "
    return Reply(
        head + "I can change the delivery address until it ships; other changes go to a person.",
        buttons=[
            Button("Delivery address", "change:address"),
            Button("Items, size or colour", "change:items"),
            Button("Where to leave it", "change:instructions"),
        ],
    )


def _confirm(details: OrderDetails, one_line: str, address: dict[str, object]) -> Outcome:
    return Outcome(
        replies=[
            Reply(
                f"Change the delivery address of order #{details.number} to:\n{one_line}\nIs that right?",
                buttons=yes_no_buttons("Yes, save it", "No, retype it"),
            )
        ],
        await_step="confirm_address",
        data={"address": address, "one_line": one_line},
    )
