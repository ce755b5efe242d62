"""``return_request``, ``return_policy`` and ``refund_status``: the returns family."""

from __future__ import annotations

import re
from datetime import date

from handlers.answers import yes_or_no
from handlers.articles import article_link, passage_reply, sole_answer
from handlers.context import HandlerContext, OrderNeed, Outcome
from handlers.delivery_problem import report_lost, wanted_after_return
from handlers.exchanges import (
    PAYLOAD_PREFIX,
    WHAT_INSTEAD,
    ask_what_instead,
    exchange_button,
    fits_badly,
    offer,
    only_refunds,
    swappable,
    wanted,
    wanted_with_request,
    wants_exchange,
)
from handlers.exchanges import instructions as exchange_instructions
from handlers.handoff import open_handoff
from handlers.mentions import other_product
from handlers.messages import Button, Link, Reply
from handlers.order_facts import delivered_on, has_shipped, is_cancelled, is_coming_back, is_late
from handlers.order_status import describe_order
from handlers.return_rules import (
    ALREADY_REQUESTED,
    NON_RETURNABLE,
    NOT_DELIVERED,
    WINDOW_CLOSED,
    ItemEligibility,
    category_words,
    eligibility,
    exchange_summary,
    label_details,
    policy_summary,
)
from handlers.setup_help import WARRANTY_CLAIM, WARRANTY_CLAIM_BUTTON
from handlers.smalltalk import PRAISE_WORDS
from handlers.troubleshooting import asks_for_remedy, faulty_and_wants_remedy, says_faulty
from handlers.wording import (
    HUMAN_BUTTON,
    LOST_BUTTONS,
    MENU_BUTTON,
    OTHER_ORDER_BUTTON,
    RETURNED_BUTTONS,
    agreement,
    day,
    join_words,
    short_day,
    your,
)
from knowledge.policies import ReturnPolicy
from knowledge.search import SearchHit
from storage.domain import ShipmentStatus
from storage.models import ReturnRequest
from storage.repositories.orders import OrderDetails

RETURN_ARTICLE = "how-to-return"
POLICY_ARTICLE = "return-policy"
REFUND_ARTICLE = "refunds"
WARRANTY_ARTICLE = "warranty"
_ALL = re.compile(r"\b(all|both|everything|every ?thing|the lot|all of them)\b", re.I)
_NUMBER = re.compile(r"^\s*#?(\d{1,2})\s*$")
_WORD = re.compile(r"[a-z0-9]+")


class ReturnRequestHandler:
    """Starts a return for the items the shopper picks, if they are eligible."""

    name = "return_request"
    intents = ("return_request",)
    payload_prefixes = ("return",)
    free_text_steps = (WHAT_INSTEAD,)

    def order_need(self, ctx: HandlerContext) -> OrderNeed:
        """Needs the verified order to return items from."""
        return OrderNeed.REQUIRED

    def accepts(self, ctx: HandlerContext) -> bool:
        """A typed pick of items ("both", "2", a product name, yes or no), or asking to exchange instead,
        answers the waiting list."""
        if ctx.step != "pick":
            return False
        text = ctx.text
        if _remedy_for_a_fault(ctx):  # "can you send me a new one instead", after "it's faulty"
            return True
        if _fault_as_the_reason(ctx):  # "it's faulty", asked whether to return the item
            return True
        if _COLLECTION_ASKED.search(text) and ctx.payload is None:
            return True  # "when will they collect it": how the item on the list goes back
        if asks_why_the_windows_differ(text) and ctx.payload is None:
            return True  # "why does the kettle have less days than the jacket?": the return windows
        if _ORDINAL.match(text):
            return True  # "the second item only. What will the refund be?": the pick, whatever is asked after it
        if asks_something_else(text):
            return False
        return bool(
            yes_or_no(ctx) is not None
            or _ALL.search(text)
            or _NUMBER.match(text)
            or ctx.understanding.products
            or wants_exchange(text)
            or fits_badly(text)
        )

    async def handle(self, ctx: HandlerContext) -> Outcome:
        """List the returnable items as buttons; create the return when one is picked. An exchange
        (:mod:`handlers.exchanges`) picks the item, then asks what the shopper wants instead."""
        assert ctx.order is not None
        details = ctx.order
        policy = ctx.knowledge.base.return_policy()
        returns = await ctx.repos.returns.for_order(order_id=int(details.order.id or 0))
        verdicts = eligibility(details, policy, ctx.today(), returns)
        eligible = [v for v in verdicts if v.returnable]
        if is_cancelled(details):
            return Outcome.say(
                f"Order #{details.number} was cancelled, so there's nothing to send back. "
                "Any refund goes back to your original payment method.",
                buttons=[Button("Refund status", "intent:refund_status")],
            )
        payload = ctx.payload or ""
        if _remedy_for_a_fault(ctx):  # a replacement or repair for a faulty item: the warranty decides
            return _warranty_instead(ctx, eligible)
        if _fault_as_the_reason(ctx):  # "it's faulty": the warranty, or the return still one button away
            return _warranty_instead(ctx, eligible, {**ctx.data, "reason": ctx.text.strip()[:500]})
        lost = any(shipment.status == ShipmentStatus.LOST for shipment in details.shipments)
        if lost and not eligible and not payload and ctx.step is None and wanted_after_return(ctx.text) is not None:
            return await report_lost(ctx)  # "I'd prefer a replacement" for a parcel the carrier lost
        reason = str(ctx.data.get("reason") or "") or (
            ctx.text.strip()[:500] if ctx.text and ctx.step is None and not payload else None
        )
        data: dict[str, object] = {"reason": reason} if reason else {}
        typed_first = ctx.step is None and not payload
        under_way = _named_under_way(ctx, verdicts) if typed_first and not _LOGISTICS.search(ctx.text) else []
        if under_way:  # "I want to return the headphones" with their return already started
            return Outcome(replies=[_already_under_way(ctx, under_way)])
        if payload.startswith(PAYLOAD_PREFIX) or (ctx.step == WHAT_INSTEAD and not payload):
            return await _exchange(ctx, verdicts, data)
        if ctx.data.get("exchange") or (not payload and wants_exchange(ctx.text)):
            instead = wanted_with_request(ctx.text) if typed_first else None
            if instead is not None:  # "exchange jacket for large": the item and what instead, both said
                started = await _exchange_as_said(ctx, verdicts, data, instead)
                if started is not None:
                    return started
            picked = _chosen(ctx, swappable(ctx, verdicts)) if ctx.step == "pick" else []
            if len(picked) == 1:
                return ask_what_instead(picked[0], data)
            return _exchange_menu(ctx, verdicts, data)
        if ctx.step is None and not payload and _LOGISTICS.search(ctx.text):
            logistics = _return_logistics(ctx, returns)
            if logistics is not None:  # "where do I drop off the return": about the return under way
                return Outcome(replies=[logistics])
        if ctx.step == "pick" and not payload and _STILL_TIME.search(ctx.text):  # "is it too late for the mugs"
            asked = [v for v in eligible if v.item.sku in ctx.understanding.skus]
            if len(asked) == 1:  # a question, not a pick: when, then whether to return it
                return _confirm_only_item(ctx, asked[0], data)
        if ctx.step == "pick" and not payload and _COLLECTION_ASKED.search(ctx.text):
            # "when will they collect it", asked at the item list: how it goes back, and the list still waits
            return Outcome(replies=[_how_it_goes_back(ctx, eligible)], await_step="pick", data=dict(ctx.data))
        if ctx.step == "pick" and not payload and asks_where_the_refund_goes(ctx.text) and not _chosen(ctx, eligible):
            # "to my card or store credit?", asked at the item list: where the refund goes, and the list still waits
            return Outcome(
                replies=[Reply(REFUND_GOES_BACK, links=article_link(ctx.knowledge.base, REFUND_ARTICLE))],
                await_step="pick",
                data=dict(ctx.data),
            )
        policy_asked = (ctx.understanding.intent == "return_policy" and asks_something_else(ctx.text)) or (
            "?" in ctx.text and asks_about_return_terms(ctx.text) and not _chosen(ctx, eligible)
        )  # "do I have to pay to send it back? do I need a printer?"
        if ctx.step == "pick" and not payload and (policy_asked or asks_why_the_windows_differ(ctx.text)):
            # "do I need the original packaging?", "why does the kettle have less days than the jacket?", asked at
            # the item list: answered, and the list still waits
            answered = await ReturnPolicyHandler().handle(ctx)
            return Outcome(replies=answered.replies, await_step="pick", data=dict(ctx.data))
        chosen = _chosen(ctx, eligible) if payload or ctx.step == "pick" else []
        answer = yes_or_no(ctx) if ctx.step == "pick" and not payload else None
        if answer is False:
            return Outcome.say("OK, I won't start a return. Is there anything else I can help with?", buttons=[MENU_BUTTON])
        if answer and len(eligible) == 1:  # "yes" to the one item offered
            chosen = eligible
        elif answer and ctx.data.get("named"):  # "yes" to the item named in the first message
            chosen = [v for v in eligible if v.item.sku == ctx.data["named"]]
        if chosen:
            request = await ctx.repos.returns.create(
                order_id=int(details.order.id or 0),
                customer_id=ctx.customer_id,
                skus=[v.item.sku for v in chosen],
                reason=reason,
            )
            collected = [v for v in chosen if policy.is_collected(v.item.category)]
            if collected and ctx.support.staffed:  # the team arranges the collection date with the shopper
                names = join_words([v.item.name for v in collected])
                await open_handoff(
                    ctx, f"Return #{request.id} on order #{details.number}: arrange a home collection of {names}"
                )
            return Outcome(replies=[_instructions(ctx, request, chosen, collected)])
        if not eligible:
            if ctx.step is None and not payload and _HOW_TO_SEND.search(ctx.text):
                logistics = _return_logistics(ctx, returns)
                if logistics is not None:  # "how do I return the kettle" with its return already started
                    return Outcome(replies=[logistics])
            return Outcome(replies=[_nothing_returnable(ctx, verdicts)])
        named = [v for v in eligible if v.item.sku in ctx.understanding.skus] if ctx.step is None and not payload else []
        named = _the_ones_meant(ctx.text, named)
        if len(named) == 1 and len(eligible) > 1:  # "I'd like to return the desk": that one, once confirmed
            return _confirm_only_item(ctx, named[0], {**data, "named": named[0].item.sku})
        if ctx.step == "pick" and not payload and len(eligible) == 1 and ctx.text.strip() and not fits_badly(ctx.text):
            return _confirm_only_item(ctx, eligible[0], data)
        if len(named) > 1 and len(named) == len(eligible):  # "the kettle and the jacket": all of them, once confirmed
            names = join_words([v.item.name for v in named])
            return _listing(ctx, verdicts, data, head=f"Would you like to return {names}? Tap “Return all of them”, or one:")
        return _listing(ctx, verdicts, data)


#: "... and keep the kettle", "all except the mugs": what comes after names what stays
_KEEP = re.compile(
    r"\b(?:keep(?:ing)?|hold on to|not (?:return(?:ing)? )?the|except(?: for)?|apart from|but not|other than)\b", re.I
)
#: "the kettle is great but ...", "the kettle is fine but ...": an item praised is not the one to return
_PRAISED = re.compile(r"^(.*?)\b(?:is|are|was|were)\s+(?:fine|good|ok|okay|" + PRAISE_WORDS + r")\b", re.I)
_NAME_WORD = re.compile(r"[a-z]{4,}")


def _the_ones_meant(text: str, named: list[ItemEligibility]) -> list[ItemEligibility]:
    """Of the items a message names, the ones it asks to return: not those it keeps ("return the jacket
    and keep the kettle") or praises ("the kettle is great but the jacket doesn't fit"), and, when it
    says something doesn't fit, the clothes and shoes. All of them when that would leave none."""
    if len(named) < 2:
        return named
    lowered = text.lower()
    kept: set[str] = set()
    keep = _KEEP.search(lowered)
    praised = _PRAISED.search(lowered)
    for head, tail in ((lowered[: keep.start()], lowered[keep.end() :]) if keep else ("", ""),
                       (lowered[praised.end() :], praised.group(1)) if praised else ("", "")):
        for verdict in named:
            words = _NAME_WORD.findall(verdict.item.name.lower())
            if any(word in tail for word in words) and not any(word in head for word in words):
                kept.add(verdict.item.sku)
    meant = [v for v in named if v.item.sku not in kept]
    if fits_badly(text):
        worn = [v for v in meant if v.item.category in _WORN_CATEGORIES]
        meant = worn or meant
    return meant or named


#: "when will they collect it", "can the courier pick it up", "can they come on saturday": the collection asked about
_COLLECTION_ASKED = re.compile(
    r"\b(?:collect\w*|pick(?:ed|ing)? (?:it |them )?up|come (?:and )?(?:get|fetch|collect)|(?:can|will|when) (?:they|you|the "
    r"(?:courier|driver)) come)\b",
    re.I,
)


def _how_it_goes_back(ctx: HandlerContext, eligible: list[ItemEligibility]) -> Reply:
    """How the items waiting on the list go back: collected from home (large ones) or sent with a label."""
    policy = ctx.knowledge.base.return_policy()
    named = [v for v in eligible if v.item.sku == ctx.data.get("named")] or eligible
    large = [v for v in named if policy.is_collected(v.item.category)]
    if large:
        names = join_words([v.item.name for v in large])
        be = agreement([v.item.quantity for v in large], [v.item.name for v in large]).be
        text = (
            f"{your(names)} {be} collected from your home, so there's no label to print. Once you start the return, our "
            f"team contacts you {_where_we_reply(ctx)} within one business day to agree a collection day that suits you."
        )
    else:
        text = (
            "Items like these aren't collected: once you start the return we email you a free return label, and you "
            "drop the parcel off at any drop-off point of the carrier named on it."
        )
    buttons = [Button(f"Return {v.item.name}", f"return:item:{v.item.sku}") for v in named[:3]]
    return Reply(text, buttons=buttons)


def _remedy_for_a_fault(ctx: HandlerContext) -> bool:
    """ "Can you send me a new one instead?" while a return is being picked for an item the shopper
    said is faulty: a remedy asked for a fault in use (a warranty claim), not a return."""
    if ctx.step != "pick" or ctx.payload is not None or not asks_for_remedy(ctx.text):
        return False
    return faulty_and_wants_remedy(f"{ctx.data.get('reason') or ''} {ctx.text}")


def _fault_as_the_reason(ctx: HandlerContext) -> bool:
    """ "It's faulty", typed while a return is being picked: the reason, a fault the warranty may cover."""
    if ctx.step != "pick" or ctx.payload is not None or yes_or_no(ctx) is not None:
        return False
    return says_faulty(ctx.text)


def _warranty_instead(
    ctx: HandlerContext, eligible: list[ItemEligibility], data: dict[str, object] | None = None
) -> Outcome:
    """What the warranty article's claim gives, with the return still one button away."""
    named = [v for v in eligible if v.item.sku == ctx.data.get("named")]
    buttons = [WARRANTY_CLAIM_BUTTON]
    buttons += [Button(f"Return {v.item.name}", f"return:item:{v.item.sku}") for v in (named or eligible)[:2]]
    return Outcome(
        replies=[Reply(WARRANTY_CLAIM, buttons=buttons, links=article_link(ctx.knowledge.base, WARRANTY_ARTICLE))],
        await_step="pick",
        data=dict(ctx.data if data is None else data),
    )


def _confirm_only_item(ctx: HandlerContext, only: ItemEligibility, data: dict[str, object]) -> Outcome:
    """A typed answer to the list of one item ("they hurt my ears"): kept as the reason, and a plain
    question whether to return that item."""
    if "reason" not in data:
        data["reason"] = ctx.text.strip()[:500]
    used = ctx.payload is None and ctx.step is None and _USED.search(ctx.text)  # "even though I used it"
    notes = "".join(f"{note} " for note in _condition_notes(ctx, [only])) if used else ""
    if ctx.payload is None and only.last_day and _STILL_TIME.search(ctx.text):
        notes = f"It's not too late: you can return it until {short_day(only.last_day)}. {notes}"
    return Outcome(
        replies=[
            Reply(
                f"{notes}Would you like to return {your(only.item.name, capital=False)}?",
                buttons=[Button(f"Return {only.item.name}", f"return:item:{only.item.sku}"), MENU_BUTTON],
            )
        ],
        await_step="pick",
        data=data,
    )


async def _exchange(ctx: HandlerContext, verdicts: list[ItemEligibility], data: dict[str, object]) -> Outcome:
    """An "Exchange ..." button asks what the shopper wants instead; their answer starts the exchange."""
    assert ctx.order is not None
    payload = ctx.payload or ""
    sku = payload.removeprefix(PAYLOAD_PREFIX) if payload.startswith(PAYLOAD_PREFIX) else ctx.data.get("sku")
    item = next((v for v in swappable(ctx, verdicts) if v.item.sku == sku), None)
    if item is None:  # not (or no longer) exchangeable: what can be done instead
        return _exchange_menu(ctx, verdicts, data)
    if payload or not ctx.text.strip():
        return ask_what_instead(item, data)
    request = await ctx.repos.returns.create(
        order_id=int(ctx.order.order.id or 0),
        customer_id=ctx.customer_id,
        skus=[item.item.sku],
        reason=str(data.get("reason") or "") or None,
        exchange_for=wanted(ctx.text),
    )
    return Outcome(replies=[exchange_instructions(ctx, request, item)])


async def _exchange_as_said(
    ctx: HandlerContext, verdicts: list[ItemEligibility], data: dict[str, object], instead: str
) -> Outcome | None:
    """The exchange started at once when the first message names what instead and one item it fits (the
    one named, else the only one that can be exchanged); None when the item is not clear."""
    assert ctx.order is not None
    items = swappable(ctx, verdicts)
    named = [v for v in items if v.item.sku in ctx.understanding.skus]
    if not named and other_product(ctx.text, [v.item.name for v in verdicts]) is not None:
        return None  # "swap these trainers for a 9" about an order of a jacket: which item isn't clear
    named = named or items
    if len(named) != 1:
        return None
    request = await ctx.repos.returns.create(
        order_id=int(ctx.order.order.id or 0),
        customer_id=ctx.customer_id,
        skus=[named[0].item.sku],
        reason=str(data.get("reason") or "") or None,
        exchange_for=wanted(instead),
    )
    return Outcome(replies=[exchange_instructions(ctx, request, named[0])])


def _exchange_menu(ctx: HandlerContext, verdicts: list[ItemEligibility], data: dict[str, object]) -> Outcome:
    """The items to exchange; else a return for a refund of what can be returned; else why not."""
    offered = offer(ctx, verdicts, data)
    if offered is not None:
        return offered
    eligible = [v for v in verdicts if v.returnable]
    if not eligible:
        return Outcome(replies=[_nothing_returnable(ctx, verdicts)])
    return _listing(ctx, verdicts, data, head=only_refunds(ctx, eligible))


def _listing(
    ctx: HandlerContext, verdicts: list[ItemEligibility], data: dict[str, object], head: str | None = None
) -> Outcome:
    """The returnable items as buttons, waiting for the pick; an item that doesn't fit may be exchanged."""
    assert ctx.order is not None
    eligible = [v for v in verdicts if v.returnable]
    lines = [f"• {v.item.name} (until {short_day(v.last_day)})" for v in eligible if v.last_day]
    buttons = [Button(f"Return {v.item.name}", f"return:item:{v.item.sku}") for v in eligible]
    if len(eligible) > 1:
        buttons.append(Button("Return all of them", "return:all"))
    notes = _notes(verdicts)
    if ctx.payload is None and ctx.step is None and _USED.search(ctx.text):  # "even though I used it"
        notes[:0] = _condition_notes(ctx, eligible)
    fit = fits_badly(ctx.text) or fits_badly(str(data.get("reason") or ""))
    sizes = swappable(ctx, verdicts) if fit else []
    if sizes:
        names = join_words([v.item.name for v in sizes])
        notes.append(f"If it's the size, you can exchange {names} for another size or colour instead, for free.")
        buttons.extend(exchange_button(v) for v in sizes)
    if head is None:
        head = _listing_head(ctx, len(eligible), fit)
    return Outcome(
        replies=[Reply("\n".join([head, *lines, *notes]), buttons=buttons)],
        await_step="pick",
        data=data,
    )


#: "can I return it even though I used it", "I've worn it once", "without the tags": the item's condition
_USED = re.compile(
    r"\b(?:used|opened|tried|worn|wore|washed|unboxed|set (?:it )?up|assembled|out of the box)\b|"
    r"\bwithout (?:the |its |it'?s )?(?:box|tags?|packaging|labels?)\b|\b(?:lost|threw away|thrown away|binned) "
    r"(?:the |its |it'?s )?(?:box|tags?|packaging)\b",
    re.I,
)
#: "is it too late to return the kettle", "can I still send it back": whether the window is still open
_STILL_TIME = re.compile(r"\btoo late\b|\bstill (?:return|send)|\bcan (?:i|we) still\b|\bin time\b", re.I)
#: clothing and shoes: returned unworn, tags on (the return policy's "What can be returned")
_WORN_CATEGORIES = frozenset({"apparel", "footwear"})
UNWORN = "Clothing and shoes should be unworn, with their tags still attached."
OPENED_OK = "You can return electronics and appliances even if you've opened and tried them, at no charge."


def _condition_notes(ctx: HandlerContext, eligible: list[ItemEligibility]) -> list[str]:
    """What the return policy says of used items, for the items named (else the returnable ones)."""
    named = [v for v in eligible if v.item.sku in ctx.understanding.skus] or eligible
    categories = {v.item.category for v in named}
    notes = [OPENED_OK] if categories - _WORN_CATEGORIES else []
    return notes + ([UNWORN] if categories & _WORN_CATEGORIES else [])


def _listing_head(ctx: HandlerContext, eligible: int, fit: bool) -> str:
    assert ctx.order is not None
    if ctx.step == "pick":
        return "Sorry it doesn't fit. Which item is it?" if fit else "Sorry, I didn't catch which item. Please tap one:"
    if eligible == 1:
        return f"You can return this from order #{ctx.order.number}:"
    return f"These items from order #{ctx.order.number} can be returned. Which would you like to send back?"


#: "why does the kettle only have till Dec 28 but the jacket till Jan?": why the return windows differ
_WINDOW_WHY = re.compile(
    r"\bwhy\b.{0,60}\b(?:days?|dates?|till|until|window|longer|shorter|less time|more time|deadlines?)\b", re.I
)


def asks_why_the_windows_differ(text: str) -> bool:
    """ "Why does the kettle only have till Dec 28 but the jacket till Jan?": a question, not a pick."""
    return bool(_WINDOW_WHY.search(text)) and not _RETURN_THE.search(text)  # no pick beside it ("I want return X")
#: a question ("is the desk still under warranty?"), which a pick of items is not ...
_QUESTION = re.compile(
    r"\?\s*$|^\W*(?:(?:wait|hmm+|actually|sorry|ok|so)\W+)*(?:is|are|does|do|did|will|would|was|were|has|have|"
    r"what|when|where|why|how|which|who)\b",
    re.I,
)
#: ... unless it asks to send something back ("can I return the desk?", "could I send both back?")
_RETURN_WORDS = re.compile(r"\b(?:return|send (?:\w+ )?back|both|all|exchange|swap|refund)\b", re.I)


def asks_something_else(text: str) -> bool:
    """Whether a message typed at the item list is a question about something else, not a pick."""
    return bool(_QUESTION.search(text)) and not _RETURN_WORDS.search(text)


#: "the first one", "the last one": an item by its place in the list shown
_ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "last": -1, "top": 0, "bottom": -1}
_ORDINAL = re.compile(r"^\W*(?:just |only )?(?:the |that )?(first|1st|second|2nd|third|3rd|last|top|bottom)(?: one| item)?\b",
                      re.I)
#: "the one that's expiring soon", "whichever ends first": the item whose return window closes first
_SOONEST = re.compile(
    r"\b(?:expir\w*|ends?|ending|closes?|closing|runs? out|due) (?:soon\w*|first|earliest|next)\b|"
    r"\b(?:earliest|soonest|closest) (?:deadline|date|one)\b",
    re.I,
)
#: "I want return kettle", "send back the jacket": the item the return verb names
_RETURN_THE = re.compile(
    r"\b(?:return|returning|send back|sending back|give back)\s+(?:the |my |this |that |a )?([^\W\d_]+)", re.I
)
#: "not the kettle", "anything but the jacket": every item but the one named
_NOT_THIS = re.compile(r"^\W*(?:not (?:the|that|this|my)|anything but|everything but|all but|except)\b", re.I)


def _chosen(ctx: HandlerContext, eligible: list[ItemEligibility]) -> list[ItemEligibility]:
    payload = ctx.payload or ""
    if payload == "return:all":
        return eligible
    if payload.startswith("return:item:"):
        sku = payload.removeprefix("return:item:")
        return [v for v in eligible if v.item.sku == sku]
    if payload:
        return []
    text = ctx.text
    if asks_something_else(text):  # "is the desk still under warranty?" names the desk, but picks nothing
        return []
    if _ALL.search(text):
        return eligible
    number = _NUMBER.match(text)
    if number and 1 <= int(number.group(1)) <= len(eligible):
        return [eligible[int(number.group(1)) - 1]]
    place = _ORDINAL.search(text)
    if place is not None:  # "the first one", "the last one" of the list shown
        index = _ORDINALS[place.group(1).lower()]
        return [eligible[index]] if -len(eligible) <= index < len(eligible) else []
    if _SOONEST.search(text):  # "that one that's expiring soon": the earliest deadline
        dated = [v for v in eligible if v.last_day is not None]
        return [min(dated, key=lambda v: v.last_day or date.max)] if dated else []
    named = set(ctx.understanding.skus)
    words = set(_WORD.findall(text.lower()))
    meant = [
        v
        for v in eligible
        if v.item.sku in named or words & {w for w in _WORD.findall(v.item.name.lower()) if len(w) > 3}
    ]
    if meant and _NOT_THIS.search(text):  # "not the kettle": the others
        return [v for v in eligible if v not in meant]
    if len(meant) > 1 and not _ALL.search(text):  # "why does the jacket have longer? I want return kettle"
        verb = _RETURN_THE.search(text)
        said = verb.group(1).lower() if verb else ""
        one = [v for v in meant if said and said in {w for w in _WORD.findall(v.item.name.lower()) if len(w) > 3}]
        if len(one) == 1:
            return one
    return meant


def _notes(verdicts: list[ItemEligibility]) -> list[str]:
    notes: list[str] = []
    for v in verdicts:
        name = v.item.name
        if v.verdict == NON_RETURNABLE:
            notes.append(f"{name} can't be returned: {category_words(v.item.category)} are final sale.")
        elif v.verdict == WINDOW_CLOSED and v.last_day:
            notes.append(f"The return window for {name} closed on {day(v.last_day)}.")
        elif v.verdict == ALREADY_REQUESTED:
            notes.append(f"A return for {name} is already under way (return #{v.return_id}).")
        elif v.verdict == NOT_DELIVERED:
            notes.append(f"{name} hasn't been delivered yet; you can return it once it arrives.")
    return notes


def _named_under_way(ctx: HandlerContext, verdicts: list[ItemEligibility]) -> list[ItemEligibility]:
    """The items the message names, when every one of them already has a return under way."""
    named = set(ctx.understanding.skus)
    mine = [v for v in verdicts if v.item.sku in named]
    if not mine or any(v.verdict != ALREADY_REQUESTED for v in mine):
        return []
    return mine


def _already_under_way(ctx: HandlerContext, under_way: list[ItemEligibility]) -> Reply:
    """The named items are already being returned: which return, and how the parcel travels."""
    assert ctx.order is not None
    names = join_words([v.item.name for v in under_way])
    numbers = join_words(sorted({f"#{v.return_id}" for v in under_way}))
    policy = ctx.knowledge.base.return_policy()
    if all(policy.is_collected(v.item.category) for v in under_way):
        how = f"It's collected from your home: our team contacts you {_where_we_reply(ctx)} to arrange a date."
    else:
        email, carrier = label_details(ctx.order)
        how = (
            f"Use the prepaid label we emailed to {email} and drop the parcel at any {carrier} drop-off point "
            "within 14 days; we refund you within 3–5 business days of receiving it."
        )
    return Reply(
        f"A return for {names} is already under way (return {numbers}), so there's nothing new to start. {how}",
        buttons=[Button("Refund status", "intent:refund_status"), HUMAN_BUTTON],
        links=article_link(ctx.knowledge.base, RETURN_ARTICLE),
    )


def _not_arrived_yet(ctx: HandlerContext, verdicts: list[ItemEligibility]) -> Reply:
    """ "How do I return it when it comes?": nothing has arrived yet; the window starts at delivery."""
    assert ctx.order is not None
    policy = ctx.knowledge.base.return_policy()
    days = sorted({policy.window_days(v.item.category) for v in verdicts})
    window = f"{days[0]} days" if len(days) == 1 else f"{days[0]} to {days[-1]} days, depending on the item"
    return Reply(
        f"Order #{ctx.order.number} is still on its way, so there's nothing to send back yet. Once it arrives, "
        f"you have {window} from delivery to return it for free: message me here and I'll start the return.",
        buttons=[Button("Track it", "intent:order_status"), OTHER_ORDER_BUTTON, HUMAN_BUTTON],
        links=article_link(ctx.knowledge.base, RETURN_ARTICLE),
    )


def _nothing_returnable(ctx: HandlerContext, verdicts: list[ItemEligibility]) -> Reply:
    assert ctx.order is not None
    statuses = {s.status for s in ctx.order.shipments}
    if ShipmentStatus.LOST in statuses:  # "I want a replacement" for a lost parcel: nothing to send back
        return Reply(
            f"There's nothing to send back from order #{ctx.order.number}: the carrier reported your parcel "
            "lost, so we'll send a replacement or refund you in full, whichever you prefer. Which would you like?",
            buttons=[*LOST_BUTTONS, HUMAN_BUTTON],
        )
    if is_coming_back(ctx.order):
        return Reply(
            f"Order #{ctx.order.number} is already on its way back to us: the carrier couldn't deliver it. Once "
            "it's back, we'll send it again or refund you, whichever you prefer. Which would you like?",
            buttons=[*RETURNED_BUTTONS, HUMAN_BUTTON],
        )
    if has_shipped(ctx.order) and verdicts and all(v.verdict == NOT_DELIVERED for v in verdicts):
        return _not_arrived_yet(ctx, verdicts)
    notes = _notes(verdicts)
    buttons = [OTHER_ORDER_BUTTON, HUMAN_BUTTON]
    links = []
    if any(v.verdict == NOT_DELIVERED for v in verdicts) and not has_shipped(ctx.order):
        notes.append("As it hasn't shipped yet, you could cancel it instead.")
        buttons.insert(0, Button("Cancel the order", "intent:cancel_order"))
    if any(v.verdict == WINDOW_CLOSED for v in verdicts):
        notes.append("If it's faulty, it may still be covered by the warranty.")
        links = article_link(ctx.knowledge.base, WARRANTY_ARTICLE)
    text = f"I'm afraid nothing from order #{ctx.order.number} can be returned right now.\n" + "\n".join(
        notes
    )
    return Reply(text, buttons=buttons, links=links)


def _instructions(
    ctx: HandlerContext,
    request: ReturnRequest,
    chosen: list[ItemEligibility],
    collected: list[ItemEligibility] | None = None,
) -> Reply:
    """What happens next: a label and a drop-off for posted items; a home collection for large ones."""
    assert ctx.order is not None
    names = join_words([v.item.name for v in chosen])
    email, carrier = label_details(ctx.order)
    if collected:
        posted = [v for v in chosen if v not in collected]
        large = join_words([v.item.name for v in collected])
        steps = [
            f"Done: return #{request.id} is started for {names} (order #{ctx.order.number}). What happens next:",
            f"1. {large} {agreement([v.item.quantity for v in collected], [v.item.name for v in collected]).be} "
            f"collected from your home, so there's no label to print: our team will contact you {_where_we_reply(ctx)} "
            "within one business day to arrange a collection date.",
        ]
        if posted:
            small = join_words([v.item.name for v in posted])
            steps.append(
                f"2. For {small}, we'll email a free return label to {email} within the hour; drop the parcel at "
                f"any {carrier} drop-off point within 14 days."
            )
        steps.append(
            f"{len(steps)}. Pack everything with all its parts and accessories, ideally in the original box. We "
            "refund you within 3–5 business days of receiving it, to your original payment method."
        )
        return Reply("\n".join(steps), links=article_link(ctx.knowledge.base, RETURN_ARTICLE))
    text = (
        f"Done: return #{request.id} is started for {names} (order #{ctx.order.number}). What happens next:\n"
        f"1. We'll email a free return label to {email} within the hour.\n"
        "2. Pack the item with all its parts and accessories; any sturdy box will do.\n"
        f"3. Stick the label on and drop the parcel at any {carrier} drop-off point within 14 days (no printer? "
        "Show the QR code from the email there instead).\n"
        "4. We refund you within 3–5 business days of receiving it, to your original payment method."
    )
    return Reply(text, links=article_link(ctx.knowledge.base, RETURN_ARTICLE))


class ReturnPolicyHandler:
    """Explains the return policy, and what it means for the order in context."""

    name = "return_policy"
    intents = ("return_policy",)
    payload_prefixes: tuple[str, ...] = ()

    def order_need(self, ctx: HandlerContext) -> OrderNeed:
        """Uses the order in context when there is one; asks only about an order the shopper named ("can
        I return order 1004?": its items' deadlines, once verified)."""
        if ctx.understanding.order_numbers and ctx.payload is None:
            return OrderNeed.REQUIRED
        return OrderNeed.OPTIONAL

    async def handle(self, ctx: HandlerContext) -> Outcome:
        """The policy from the knowledge base, plus deadlines for the order in context; a question that
        one other policy article answers alone (the warranty, exchanges, gift cards) gets its passage."""
        warranty = _warranty_passage(ctx)
        if warranty is not None:  # "is it still under warranty?": the warranty article, not the return window
            return Outcome(replies=[warranty])
        cost = _RETURN_COST.search(ctx.text)
        other = None if cost else _other_policy_article(ctx)  # "how much will it cost me": returns are free
        if other is not None:
            title = other.article.title
            reply = passage_reply(other, f"From “{title}”:" if title.endswith("?") else f"{title}:")
            reply.buttons = [HUMAN_BUTTON]
            return Outcome(replies=[reply])
        policy = ctx.knowledge.base.return_policy()
        text = policy_summary(policy)
        named = _named_product_window(ctx, policy) if ctx.order is None else None
        if named is not None:  # "how long do I have to return the kettle": that product's window first
            text = f"{named}\n{text}"
        if wants_exchange(ctx.text):  # "do you do exchanges": that first, then the rest of the policy
            text = f"{exchange_summary(policy)}\n{text}"
        elif _RETURN_ADDRESS.search(ctx.text):  # "what's your returns address": the label carries it
            text = f"{RETURN_ADDRESS_ANSWER}\n{text}"
        elif asks_where_returns_go(ctx.text):  # "in the shop or only by post?": the carrier's drop-off points
            text = f"{RETURN_DROP_OFF_ANSWER}\n{text}"
        if cost:
            text = f"{RETURN_COST_ANSWER}\n{text}"
        if (_PACKAGING.search(ctx.text) or _LOGISTICS.search(ctx.text)) and not asks_where_returns_go(ctx.text):
            # "do I need the original packaging", "can I drop it off at a post office": how to, first
            how_to = ctx.knowledge.base.get(RETURN_ARTICLE)
            packing = ctx.knowledge.index.passage(how_to, ctx.text) if how_to is not None else None
            if packing:
                text = f"{packing}\n{text}"
        refunds = ctx.knowledge.base.get(REFUND_ARTICLE) if _REFUND_TIMING.search(ctx.text) else None
        timing = ctx.knowledge.index.passage(refunds, ctx.text) if refunds is not None else None
        if timing:  # "what's your return policy and how long do refunds take": both
            text = f"{text}\n{timing}"
        if ctx.order is not None:
            returns = await ctx.repos.returns.for_order(order_id=int(ctx.order.order.id or 0))
            verdicts = eligibility(ctx.order, policy, ctx.today(), returns)
            open_until = [
                f"{v.item.name} until {day(v.last_day)}" for v in verdicts if v.returnable and v.last_day
            ]
            if open_until:
                text += f"\nFor order #{ctx.order.number} you can return {join_words(open_until)}."
            text += _order_item_notes(verdicts, policy)
        links = article_link(ctx.knowledge.base, POLICY_ARTICLE)
        if timing:
            links += article_link(ctx.knowledge.base, REFUND_ARTICLE)
        return Outcome.say(text, buttons=[Button("Start a return", "intent:return_request")], links=links)


#: "how much will it cost me", "do I have to pay for it": what a return costs
_RETURN_COST = re.compile(
    r"\bhow much\b.{0,25}\b(?:cost|pay|charge)|\b(?:cost|charge)s? (?:me|anything|money)\b|"
    r"\bdo (?:i|we) (?:have to |need to )?pay\b|\bis (?:it|that|the return|returning) free\b|\brestocking\b|"
    r"\b(?:are|is) returns? free\b",
    re.I,
)
#: the answer to what a return costs, as the return policy says
RETURN_COST_ANSWER = "Returning it costs you nothing: returns are free."
#: "where do I take it", "is a box needed", "how long do I have": more of a return's terms
_MORE_RETURN_TERMS = re.compile(
    r"\bwhere do i (?:take|send|drop|post|ship)\b|\bbox\b|\bhow long do i have\b", re.I
)


def asks_about_return_terms(text: str) -> bool:
    """ "How much will it cost me?", "can I drop it off at a post office?", "do I need the box?": what a
    return costs and how it travels."""
    return any(
        pattern.search(text) for pattern in (_RETURN_COST, _LOGISTICS, _PACKAGING, _MORE_RETURN_TERMS)
    )


#: "do I need the original packaging", "does it have to be in the box": how to pack a return
_PACKAGING = re.compile(r"\b(?:packag\w*|original box|the box|packing|wrapping)\b", re.I)
#: "how long do refunds take", "when do I get my money": asked with the return policy, the refund's timing too
_REFUND_TIMING = re.compile(
    r"\bhow (?:long|soon|quickly|fast)\b.{0,30}\brefund|\brefunds? (?:take|takes|timing|time)\b|"
    r"\bwhen (?:will|do|would) (?:i|we) get (?:my|the|our) (?:money|refund)\b",
    re.I,
)


def _order_item_notes(verdicts: list[ItemEligibility], policy: ReturnPolicy) -> str:
    """What the policy means for the items of the order in context that can't be returned today: one
    not delivered yet ("Once it arrives, you can return the kettle within 30 days of delivery") and
    one that can never be ("The Gift Card 50 can't be returned.")."""
    coming = [v.item for v in verdicts if v.verdict == NOT_DELIVERED]
    never = [v.item.name for v in verdicts if v.verdict == NON_RETURNABLE]
    notes = []
    by_days: dict[int, list[str]] = {}
    for item in coming:
        by_days.setdefault(policy.window_days(item.category), []).append(item.name)
    for days, names in sorted(by_days.items()):
        arrive = "it arrives" if len(names) == 1 else "they arrive"
        notes.append(f"Once {arrive}, you can return the {join_words(names)} within {days} days of delivery.")
    if never:
        notes.append(f"The {join_words(never)} can't be returned.")
    return "".join(f"\n{note}" for note in notes)


def _named_product_window(ctx: HandlerContext, policy: ReturnPolicy) -> str | None:
    """The return window of the product the shopper named, from the categories of its help articles,
    when they all give the same answer ("You can return the Kettle Pro 200 within 30 days of
    delivery."); None when no product is named or its category is unknown or mixed."""
    if not ctx.understanding.products:
        return None
    product = ctx.understanding.products[0]
    categories = {c for article in ctx.knowledge.base.for_product(product.sku) for c in article.categories}
    if not categories:
        return None
    if not any(policy.is_returnable(c) for c in categories):
        return f"The {product.name} can't be returned."
    windows = {policy.window_days(c) for c in categories}
    if len(windows) != 1 or not all(policy.is_returnable(c) for c in categories):
        return None
    return f"You can return the {product.name} within {windows.pop()} days of delivery."


#: "what's your returns address", "where do I send it back to"
_RETURN_ADDRESS = re.compile(
    r"\breturns? address\b|\baddress (?:for|to send) (?:the )?returns?\b|\bwhere (?:do|should|can) i "
    r"(?:send|post|mail|ship) (?:it|them|\w+ \w+|the \w+) back(?: to)?\b",
    re.I,
)
#: "is it possible to return in the shop or only by post?": where a return can be handed in, asked before one
_WHERE_RETURNS_GO = re.compile(
    r"\b(?:possible|can|could|do|does|is|are)\b.{0,30}\breturn\w*\b.{0,30}\b(?:in|at|to) (?:a |the |your |one of "
    r"your )?(?:stores?|shops?|branch\w*)\b(?!.{0,20}\b(?:credit|voucher|gift)\b)|"
    r"\bin-?store\b.{0,30}\b(?:or|instead)\b|\b(?:or|only) (?:by|through the) (?:post|mail)\b|\b(?:post|mail) only\b",
    re.I,
)


def asks_where_returns_go(text: str) -> bool:
    """ "Can I return it in the shop or only by post?": where a return is handed in, asked before starting one."""
    return bool(_WHERE_RETURNS_GO.search(text))


#: as the how-to-return article says: returns go to the carrier's drop-off points, large items are collected
RETURN_DROP_OFF_ANSWER = (
    "Returns go back by parcel rather than to a shop: once you start a return, we email you a prepaid label, "
    "and you drop the parcel off at any location of the carrier named on the label (no printer? Show the QR "
    "code there). Large items such as desks and office chairs are collected from your home."
)
#: as the how-to-return article says: the prepaid label is emailed once a return is started
RETURN_ADDRESS_ANSWER = (
    "You don't need our address: once you start a return, we send you a prepaid return label by email, "
    "and the label has the address on it."
)


_WARRANTY_WORDS = re.compile(r"\bwarr[ae]nt(?:y|ies|ee|ie)\b|\bwarr[ae]nty\b|\bguarant(?:ee[sd]?|y|ied)\b", re.I)


#: "do I need to register it for the warranty", "do I need the receipt": what proves the purchase
_REGISTER = re.compile(r"\bregist\w*|\bproof of purchase\b|\breceipt\b|\bactivat\w*", re.I)
#: the words of the warranty article's passage on the proof of purchase
PROOF_OF_PURCHASE = "order number proof of purchase receipt"


def _warranty_passage(ctx: HandlerContext) -> Reply | None:
    """The warranty article's passage for a question that names the warranty, or None."""
    if not _WARRANTY_WORDS.search(ctx.text):
        return None
    article = ctx.knowledge.base.get(WARRANTY_ARTICLE)
    if article is None:
        return None
    # "is ther a warrenty" may share no spelled word with it: its opening answers
    asked = PROOF_OF_PURCHASE if _REGISTER.search(ctx.text) else ctx.text  # "do I need to register it"
    passage = ctx.knowledge.index.passage(article, asked) or ctx.knowledge.index.passage(article, article.title)
    if not passage:
        return None
    own = _own_warranty(ctx)
    head = f"{own}\n" if own else ""
    return Reply(f"{head}{article.title}:\n{passage}", buttons=[HUMAN_BUTTON], links=[Link(article.title, article.url)])


#: years of warranty from delivery, by product category, as the warranty article says (a test keeps them in
#: step): appliances and electronics 2; furniture 5 on the frame and mechanisms, 2 on moving parts
WARRANTY_YEARS = {
    "kitchen-appliance": 2,
    "home-appliance": 2,
    "smart-home": 2,
    "networking": 2,
    "audio": 2,
    "furniture": 5,
}
FURNITURE_MOVING_PARTS_YEARS = 2


def _years_on(start: date, years: int) -> date:
    """``start`` moved on by whole years (29 February becomes 28 February)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


def _own_warranty(ctx: HandlerContext) -> str | None:
    """Until when the warranty of the item asked about runs, for the order in context: the product named,
    else the order's only delivered item with a warranty. None when that can't be said."""
    if ctx.order is None:
        return None
    covered = [item for item in ctx.order.items if item.category in WARRANTY_YEARS]
    named = [item for item in covered if item.sku in ctx.understanding.skus]
    chosen = named or covered
    if len(chosen) != 1:
        return None
    item = chosen[0]
    delivered = delivered_on(ctx.order, item.sku)
    if delivered is None:
        return None
    years = WARRANTY_YEARS[item.category]
    since = f"{your(item.name)} was delivered on {delivered.day} {delivered:%B %Y}"
    if item.category == "furniture":
        parts = _years_on(delivered, FURNITURE_MOVING_PARTS_YEARS)
        frame = _years_on(delivered, years)
        return (
            f"{since}: its frame and mechanisms are covered until {frame.day} {frame:%B %Y}, and its moving "
            f"parts until {parts.day} {parts:%B %Y}."
        )
    until = _years_on(delivered, years)
    return f"{since}, so its {years}-year warranty runs until {until.day} {until:%B %Y}."


def _other_policy_article(ctx: HandlerContext) -> SearchHit | None:
    """The article that answers the question alone (:func:`~handlers.articles.sole_answer`, in a search
    favouring the policy articles), when it is not the return policy."""
    if not ctx.text.strip():
        return None
    sole = sole_answer(ctx.knowledge.index.search(ctx.text, limit=3, intent="return_policy"))
    return None if sole is None or sole.article.id == POLICY_ARTICLE else sole


#: "still no refund", "I haven't received it", "it's been 10 days": the money has not shown up
_NOT_THERE = re.compile(
    r"\b(?:haven'?t|hasn'?t|have not|has not|didn'?t|did not|not|never|no)\b.{0,30}\b(?:got|get|gotten|"
    r"received?|seen|see|arrived?|shown?|showing|there|come|came|in my (?:account|bank))\b|\bno refund\b|"
    r"\bstill (?:nothing|waiting|no)\b|\bbeen (?:\d+|a|two|three|four|five|over a|more than a) (?:business )?"
    r"(?:days?|weeks?|months?)\b|\bwhere is (?:it|my (?:money|refund))\b|"
    r"\bnothing (?:has )?(?:came|come|arrived|showed|shown|there|in (?:my|the) (?:account|bank))\b|\bsays? nothing\b|"
    r"\b(?:shows?|showing|see|seeing) nothing\b",
    re.I,
)
#: "will I get the shipping back too": the shipping fee's part of the refund
#: "which card will it go to", "will it go back to paypal", "where does the money go"
_WHERE_IT_GOES = re.compile(
    r"\b(?:which|what|same|original|my|to a|different|another)\b.{0,15}\b(?:card|account|bank|payment method|paypal)\b|"
    r"\bwhere (?:will|does|is) (?:it|the (?:money|refund)) (?:go|going|be sent)\b|"
    r"\b(?:money|refund|it|that) go(?:es)? back (?:on)?to (?:my|the)\b|\bstore credit\b",
    re.I,
)
#: as the refunds article says (a test keeps them equal)
REFUND_GOES_BACK = (
    "The refund always goes back to the payment method you used for the order. We cannot send it to a "
    "different card or account."
)
_SHIPPING_FEE = re.compile(
    r"\b(?:shipping|postage|delivery)(?: (?:cost|fee|charge)s?)?\b.{0,25}\b(?:back|refund\w*|too|as well)\b|"
    r"\brefund\w*\b.{0,25}\b(?:shipping|postage|delivery (?:fee|cost|charge)s?)\b",
    re.I,
)


_BACK = re.compile(r"\bback\b|\brefund", re.I)


def asks_about_shipping_refund(text: str) -> bool:
    """ "Will I get the shipping cost back?": the shipping fee's part of a refund."""
    return bool(_SHIPPING_FEE.search(text)) and bool(_BACK.search(text))


#: "where do I drop it off", "I haven't got the return label", "I have no printer": how a return travels
_LOGISTICS = re.compile(
    r"\b(?:drop(?:[- ]?off| it off| them off| off)|label|print(?:er|ed|ing)?|qr code|post office|collection)\b",
    re.I,
)
_NO_LABEL = re.compile(r"\b(?:haven'?t|have not|didn'?t|did not|never|not|no)\b.{0,25}\blabel\b", re.I)
_WHERE = re.compile(r"\bwhere\b|\bdrop(?:[- ]?off| it off| them off| off)\b|\bpost office\b", re.I)
#: "how do I return the kettle", "how do I send it back": how to send an item back
_HOW_TO_SEND = re.compile(
    r"\bhow (?:do|can|should) (?:i|we) (?:return|send (?:it|them|\w+ \w+|the \w+) back|ship (?:it|them) back|post (?:it|them))\b",
    re.I,
)


def _return_logistics(ctx: HandlerContext, returns: list[ReturnRequest]) -> Reply | None:
    """How the latest return of the order travels, from the how-to-return article; None without one."""
    assert ctx.order is not None
    if not returns:
        return None
    latest = returns[-1]
    names = join_words([i.name for i in ctx.order.items if i.sku in latest.skus]) or "your items"
    email, carrier = label_details(ctx.order)
    lines = [f"About your return #{latest.id} for {names}:"]
    policy = ctx.knowledge.base.return_policy()
    returned = [i for i in ctx.order.items if i.sku in latest.skus]
    if returned and all(policy.is_collected(i.category) for i in returned):
        lines.append(
            f"{names} {agreement([i.quantity for i in returned], [i.name for i in returned]).be} collected from "
            f"your home, so there's no label or drop-off: our team contacts you {_where_we_reply(ctx)} to arrange "
            "a collection date."
        )
    elif _NO_LABEL.search(ctx.text):
        lines.append(
            f"The label goes to {email} within an hour of starting the return; please check your spam folder. "
            "If it isn't there, a person on our team can send it again."
        )
    elif _WHERE.search(ctx.text) or _HOW_TO_SEND.search(ctx.text):
        lines.append(
            f"Drop the parcel at any {carrier} drop-off point within 14 days, with the label from our email "
            "(no printer? Show the QR code from the email there instead)."
        )
    else:
        article = ctx.knowledge.base.get(RETURN_ARTICLE)
        passage = ctx.knowledge.index.passage(article, ctx.text) if article is not None else None
        if passage is None:
            return None
        lines.append(passage)
    return Reply("\n".join(lines), buttons=[HUMAN_BUTTON], links=article_link(ctx.knowledge.base, RETURN_ARTICLE))


def _where_we_reply(ctx: HandlerContext) -> str:
    """ "here" when staff answer in this chat, else "by email"."""
    return "here" if ctx.support.staffed else "by email"


def _not_arrived_refund(details: OrderDetails, today: date, links: list[Link]) -> Reply:
    """A refund asked for an order still on its way: where it is, and what the delays article offers."""
    status = describe_order(details, today)
    late = is_late(details, today)
    offer = (
        "If you no longer need it because it's late, you can refuse the delivery or send it back free of "
        "charge for a full refund."
        if late
        else "Once it arrives, you can send it back free of charge for a refund within the return window."
    )
    return Reply(
        f"There's no refund on order #{details.number}, as it hasn't arrived yet. {status.text}\n\n"
        f"{offer} If the carrier loses it, we refund you in full or send a replacement, whichever you prefer.",
        buttons=[*status.buttons, HUMAN_BUTTON] if HUMAN_BUTTON not in status.buttons else status.buttons,
        links=[*status.links, *links],
    )


#: "how much will I get back", "do I get the full amount"
_HOW_MUCH = re.compile(
    r"\bhow much\b|\bonly (?:got|received|had|saw|see) (?:\$|£|€)?\d+|\b\d+ short\b|\bshort by\b|\b(?:full|whole|total|refund) amount\b|\bthe amount\b|\beverything back\b|\bpartial\b|"
    r"\bless than (?:i|we) (?:paid|spent)\b|\bnot (?:the )?full\b|\bwrong amount\b|\bonly (?:got|received|refunded) "
    r"(?:part|half|some)\b",
    re.I,
)
#: as the refunds article says (a test keeps them equal), and a person for the figure now
REFUND_AMOUNT = (
    "You receive a message when the refund is issued, with the amount. A person on our team can tell you the "
    "amount now if you need it."
)


#: "is the refund for the desk only or the thermostat also?": which items the refund covers
_REFUND_COVERS = re.compile(
    r"\brefund\w*\b.{0,30}\b(?:for (?:the )?\w+ only|only for|(?:\w+ )?also\b|as well|both|which items?)|"
    r"\b(?:which|what) items?\b.{0,25}\brefund|\b(?:was|is) (?:that|it|the refund) for (?:the )?\w+(?: \w+)? only\b|"
    r"\b(?:was|is) (?:that|it|the refund) for (?:the )?\w+(?: \w+)? or\b",
    re.I,
)
#: what the refund covers: the refund message, or a person now
REFUND_ITEMS = (
    "The message we sent when the refund was issued lists what it covers and the amount. A person on our team can "
    "check it for you now if you need it."
)


def asks_what_the_refund_covers(text: str) -> bool:
    """ "Is the refund for the desk only or the thermostat also?": which items the refund is for."""
    return bool(_REFUND_COVERS.search(text))


def asks_how_much(text: str) -> bool:
    """ "How much will I get back?": the refund's amount."""
    return bool(_HOW_MUCH.search(text))


def asks_where_the_refund_goes(text: str) -> bool:
    """ "Which card will it go to?": the refund's destination."""
    return bool(_WHERE_IT_GOES.search(text))


#: "it's been 3 weeks", "over a month", "15 business days": longer than a refund takes to show
_OVERDUE = re.compile(
    r"\b(?:(?:[2-9]|\d\d+|two|three|four|five|six|several|many) weeks?|(?:a|one|over a|more than a|\d+|two|three) "
    r"months?|(?:1[0-9]|[2-9]\d|\d{3,}) (?:business |working )?days)\b",
    re.I,
)
#: the refund is overdue: a person traces it now
TRACE_NOW = (
    "That's longer than it should take, I'm sorry. A person from our team can trace it with our payments team "
    "now, using the refund reference."
)


#: payment methods the refunds article gives a time for
_PAYMENT_METHOD_WORDS = (
    r"\b(?:paypal|apple pay|google pay|klarna|afterpay|buy now,? pay later|debit card|credit card|gift card)\b"
)
#: "what now?" after an issued refund: "so when?", "what do I do now?", "business days?", "too long"
_WHAT_NOW_WORDS = (
    r"\bwhat (?:do|should) i do(?: now| next)?\b|\bwhat now\b|\b(?:write|message|come back|check back|contact you)\b"
    r".{0,20}\b(?:again|here|later|after)\b|\bbusiness days?\b|\bworking days?\b|"
    r"^\W*(?:(?:and|so|ok(?:ay)?)\W+)?when\W*$|\btoo long\b"
)
_PAYMENT_METHOD = re.compile(_PAYMENT_METHOD_WORDS, re.I)
_WHAT_NOW = re.compile(_WHAT_NOW_WORDS, re.I)
#: questions after a refund answer about that refund: "so when?", "business days means weekends don't
#: count?", "I paid with PayPal, is it the same?", "does that include shipping?", "what do I do now?"
_REFUND_QUESTION = re.compile(
    rf"{_WHAT_NOW_WORDS}|{_PAYMENT_METHOD_WORDS}|\bhow long\b|\bmy bank\b|"
    r"\b(?:reference|ref) (?:number|no|code)\b|\barn\b|\binclude\w* (?:the )?(?:shipping|postage|delivery)\b|"
    r"\bwhen was it (?:issued|sent|processed|refunded|done)\b|\bpending\b|"
    r"\bonly (?:got|received|had|saw|see) (?:\$|£|€)?\d+|\b\d+ short\b|\bshort by\b",
    re.I,
)


def asks_about_the_refund(text: str) -> bool:
    """A question about the refund just described ("so when?", "I paid with PayPal, is it the same?", "issued on
    what date?")."""
    return bool(_REFUND_QUESTION.search(text) or _ISSUED_WHEN.search(text) or _REFUND_COVERS.search(text))


#: "issued when exactly?", "I need the date to show my bank": the day the refund was issued
_ISSUED_WHEN = re.compile(
    r"\b(?:issued|refunded|processed|sent) (?:when|on what (?:day|date)|on which (?:day|date))\b|"
    r"\bwhen (?:exactly )?(?:was|did) (?:it|the (?:refund|money))\b.{0,20}\b(?:issued|sent|processed|go out|refunded)\b|"
    r"\b(?:the )?(?:date|day) (?:of the refund|(?:it|the refund) was (?:issued|sent|processed))\b|\bneed the date\b|"
    r"\b(?:what|which) (?:date|day) (?:was|did) (?:it|the refund)\b|"
    r"\b(?:on )?(?:what|which) (?:date|day)\b.{0,25}\b(?:issued|refunded|sent|processed)\b",
    re.I,
)
#: the refund's date and reference: in the refund email, or from a person
ISSUE_DATE = (
    "The email we sent when it was issued has the date and the amount. If your bank needs a reference to trace "
    "it, a person on our team can give you one."
)
#: what's left to do about an issued refund
REFUND_WHAT_NOW = (
    "There's nothing you need to do: it shows on your statement within 5–10 business days (Monday to Friday, "
    "without public holidays). If it isn't there after 10 business days, message me here and I'll get a person "
    "to trace it."
)


def says_refund_overdue(text: str) -> bool:
    """ "It's been 3 weeks": longer than the 10 business days a refund can take to show."""
    return bool(_OVERDUE.search(text))


def says_refund_missing(text: str) -> bool:
    """ "still nothing", "it's been a week", "not in my account": the refund has not shown up."""
    return bool(_NOT_THERE.search(text))


#: "can I get store credit instead", "can you refund me with a voucher": another form of refund
_OTHER_FORM = re.compile(
    r"\b(?:store credit|(?:as|in|with) (?:a )?(?:credit|voucher|gift ?card|cash|bank transfer)|"
    r"(?:credit|voucher|gift ?card|cash|bank transfer) instead)\b",
    re.I,
)
#: words of a refund already on its way, for which the order's own refund is the answer
_THIS_REFUND = re.compile(
    r"\b(?:still|yet|not (?:there|received|showing|arrived)|haven'?t|hasn'?t|when|status|days|week|late|issued)\b",
    re.I,
)


def asks_only_where_refunds_go(ctx: HandlerContext) -> bool:
    """ "Can I get store credit instead?", "which card do refunds go to?": asked without an order number
    and without asking after a refund of theirs ("still not there", "when")."""
    text = ctx.text
    if ctx.payload is not None or ctx.understanding.order_numbers or _THIS_REFUND.search(text):
        return False
    return bool(_OTHER_FORM.search(text) or asks_where_the_refund_goes(text) or _HOW_LONG_IN_GENERAL.search(text))


#: "how long do refunds take", "how long does a refund usually take": refunds in general
_HOW_LONG_IN_GENERAL = re.compile(
    r"\bhow long (?:do|does|will) (?:refunds|a refund|the refunds?) (?:usually |normally |generally )?take\b|"
    r"\bhow (?:fast|quick|quickly) (?:do|are) (?:you |u )?(?:refunds?|refund)\b",
    re.I,
)


def _where_refunds_go(ctx: HandlerContext) -> Reply:
    """Where every refund goes (or how long refunds take), as the refunds article says, and a button to
    check one's own."""
    article = ctx.knowledge.base.get(REFUND_ARTICLE)
    timing = _HOW_LONG_IN_GENERAL.search(ctx.text) and article is not None
    passage = ctx.knowledge.index.passage(article, ctx.text) if timing and article is not None else None
    return Reply(
        passage or REFUND_GOES_BACK,
        buttons=[Button("Check my refund", "intent:refund_status"), HUMAN_BUTTON],
        links=article_link(ctx.knowledge.base, REFUND_ARTICLE),
    )


TRACE_REFUND = "If it isn't there after 10 business days, a person from our team can trace it with our payments team."


#: "can you make it faster?": the refund hurried
_HURRY = re.compile(
    r"\b(?:faster|speed (?:it |this |that )?up|hurry|quicker|expedite|rush|hit the button|just (?:do|send|process) it)\b",
    re.I,
)
#: "do I get an email when it's done or do I keep checking": whether the shopper is told
_TOLD_WHEN = re.compile(
    r"\b(?:e-?mail|message|notif\w*|text|tell|let)\b.{0,20}\b(?:when|once)\b|\bkeep (?:checking|asking)\b|"
    r"\b(?:will|do|would) (?:i|we) (?:get|be) (?:an? )?(?:e-?mail|message|notified|told)\b",
    re.I,
)
#: "I must wait for refund first?": ordering again before the refund
_WAIT_TO_ORDER = re.compile(
    r"\b(?:must|have to|need to|should|do) (?:i |we )?(?:to )?wait\b.{0,40}\brefund\b|\bwait for (?:the |my )?refund\b.{0,20}\b"
    r"(?:before|to|first)\b|\bbefore (?:the|my) refund\b.{0,10}\b(?:comes|arrives|is)\b",
    re.I,
)
#: "rent's due on the 1st", "I need the money by Friday": a date the money is needed by
_NEEDED_BY = re.compile(
    r"\b(?:rent|bills?|mortgage)\b.{0,20}\bdue\b|\bdue (?:on |by )?(?:the )?\d|\bneed (?:it|the money|that money)\b.{0,15}"
    r"\b(?:by|before)\b",
    re.I,
)
REFUND_HURRY = "I can't speed a refund up: our payment provider and your bank set the pace."
REFUND_TOLD = "You don't need to keep checking: you get a message when the refund is issued, with the amount."
REFUND_ORDER_NOW = "No need to wait: you can place a new order now, and the refund comes back separately."
REFUND_NO_PROMISE = "I can't promise it by a particular day: your bank sets the final timing."


def refund_timing_question(text: str) -> str | None:
    """The answer to a question about a refund's timing that its status alone doesn't answer (hurrying it,
    being told, ordering again before it, a date it's needed by), or None."""
    if _WAIT_TO_ORDER.search(text):
        return REFUND_ORDER_NOW
    if _TOLD_WHEN.search(text):
        return REFUND_TOLD
    if _HURRY.search(text):
        return REFUND_HURRY
    if _NEEDED_BY.search(text):
        return REFUND_NO_PROMISE
    return None


class RefundStatusHandler:
    """Where the shopper's refund is, from the order's refund state and its returns."""

    name = "refund_status"
    intents = ("refund_status",)
    payload_prefixes: tuple[str, ...] = ()

    def order_need(self, ctx: HandlerContext) -> OrderNeed:
        """Needs the verified order, except to say where refunds go ("can I get store credit instead?"),
        which is the same for every order (the order in context is still used when there is one)."""
        if asks_only_where_refunds_go(ctx):
            return OrderNeed.OPTIONAL
        return OrderNeed.REQUIRED

    async def handle(self, ctx: HandlerContext) -> Outcome:
        """Refund issued, pending, waiting for the returned parcel, or none yet; asked about the shipping
        fee, what the return policy says of it comes first."""
        if ctx.order is None and asks_only_where_refunds_go(ctx):
            return Outcome(replies=[_where_refunds_go(ctx)])
        outcome = await self._status(ctx)
        goes = asks_where_the_refund_goes(ctx.text) and not _ISSUED_WHEN.search(ctx.text)
        if goes and not says_refund_missing(ctx.text) and outcome.replies:
            first = outcome.replies[0]  # "which card will it go to": the original payment method
            first.text = f"{REFUND_GOES_BACK}\n\n{first.text}"
        if asks_what_the_refund_covers(ctx.text) and outcome.replies:
            first = outcome.replies[0]  # "is it for the desk only?": the refund message lists the items
            first.text = f"{REFUND_ITEMS}\n\n{first.text}"
            if HUMAN_BUTTON not in first.buttons:
                first.buttons = [*first.buttons, HUMAN_BUTTON]
        elif asks_how_much(ctx.text) and outcome.replies:
            first = outcome.replies[0]  # "how much will I get back": the refund message says the amount
            first.text = f"{REFUND_AMOUNT}\n\n{first.text}"
            if HUMAN_BUTTON not in first.buttons:
                first.buttons = [*first.buttons, HUMAN_BUTTON]
        timing = refund_timing_question(ctx.text) if outcome.replies else None
        if timing is not None:  # "can you make it faster?", "do I get an email when it's done?"
            first = outcome.replies[0]
            first.text = f"{timing}\n\n{first.text}"
            if timing in (REFUND_HURRY, REFUND_NO_PROMISE) and HUMAN_BUTTON not in first.buttons:
                first.buttons = [*first.buttons, HUMAN_BUTTON]
        if _SHIPPING_FEE.search(ctx.text) and outcome.replies:
            policy = ctx.knowledge.base.get(POLICY_ARTICLE)
            passage = ctx.knowledge.index.passage(policy, ctx.text) if policy is not None else None
            if passage:
                first = outcome.replies[0]
                first.text = f"{passage}\n\n{first.text}"
        return outcome

    async def _status(self, ctx: HandlerContext) -> Outcome:
        assert ctx.order is not None
        details = ctx.order
        number = details.number
        links = article_link(ctx.knowledge.base, REFUND_ARTICLE)
        status = details.order.refund_status
        if status == "issued":
            text = (
                f"Your refund for order #{number} has been issued. It usually shows on your statement within "
                "5–10 business days, depending on your bank."
            )
            if _ISSUED_WHEN.search(ctx.text):  # "issued when exactly? I need the date for my bank"
                return Outcome.say(f"{text} {ISSUE_DATE}", buttons=[HUMAN_BUTTON], links=links)
            if says_refund_overdue(ctx.text):  # "it's been 3 weeks": a person traces it now
                return Outcome.say(f"{text} {TRACE_NOW}", buttons=[HUMAN_BUTTON], links=links)
            if says_refund_missing(ctx.text):  # "it's been 10 days and no refund": a person can trace it
                return Outcome.say(f"{text} {TRACE_REFUND}", buttons=[HUMAN_BUTTON], links=links)
            if _PAYMENT_METHOD.search(ctx.text):  # "I paid with PayPal, is it the same?": that method's time
                refunds = ctx.knowledge.base.get(REFUND_ARTICLE)
                passage = ctx.knowledge.index.passage(refunds, ctx.text) if refunds is not None else None
                if passage:
                    return Outcome.say(f"{text}\n\n{passage}", links=links)
            if _WHAT_NOW.search(ctx.text):  # "so when?", "what do I do now?", "business days?"
                return Outcome.say(f"Your refund for order #{number} has been issued. {REFUND_WHAT_NOW}", links=links)
            return Outcome.say(text, links=links)
        if status == "pending" or (is_cancelled(details) and status != "none"):
            return Outcome.say(
                f"Your refund for order #{number} is being processed. It goes back to your original payment "
                "method, usually within 3–5 business days, and then your bank may take a few more days.",
                links=links,
            )
        returns = await ctx.repos.returns.for_order(order_id=int(details.order.id or 0))
        if not returns and any(s.status == ShipmentStatus.LOST for s in details.shipments):
            return Outcome.say(
                f"There's no refund on order #{number} yet, but the carrier reported your parcel lost, so you're "
                "owed a full refund or a replacement, whichever you prefer. Which would you like?",
                buttons=[*LOST_BUTTONS, HUMAN_BUTTON],
                links=links,
            )
        if not returns and is_coming_back(details):
            return Outcome.say(
                f"Order #{number} is on its way back to us: the carrier couldn't deliver it. There's no refund "
                "yet; once it's back with us, we'll refund you in full, to your original payment method, or send "
                "it again if you prefer. Which would you like?",
                buttons=[*RETURNED_BUTTONS, HUMAN_BUTTON],
                links=links,
            )
        if returns:
            latest = returns[-1]
            names = join_words([i.name for i in details.items if i.sku in latest.skus]) or "your items"
            started = f" on {day(latest.created_at.date())}" if latest.created_at else ""
            if latest.exchange_for:
                return Outcome.say(
                    f"Your exchange #{latest.id} for {names} was started{started}, so there's no refund: we send "
                    f"you the new one ({latest.exchange_for}) as soon as the carrier scans your parcel. If it's "
                    "out of stock, we refund you instead, within 3–5 business days.",
                    links=links,
                )
            return Outcome.say(
                f"Your return #{latest.id} for {names} was started{started}. We refund you within 3–5 business "
                "days of receiving the parcel; I'll tell you here when the money is on its way.",
                links=links,
            )
        if not has_shipped(details):
            return Outcome.say(
                f"Order #{number} hasn't shipped yet, so there's nothing to refund. If you'd rather not wait for "
                "it, I can cancel it and refund you in full.",
                buttons=[Button("Cancel the order", "intent:cancel_order"), HUMAN_BUTTON],
                links=links,
            )
        if any(s.status != ShipmentStatus.DELIVERED for s in details.shipments):
            return Outcome(replies=[_not_arrived_refund(details, ctx.today(), links)])
        return Outcome.say(
            f"There's no refund on order #{number} yet, as nothing has been returned or cancelled. Once we "
            "receive a return, we refund you within 3–5 business days, to your original payment method. "
            "Would you like to start a return?",
            buttons=[Button("Start a return", "intent:return_request"), HUMAN_BUTTON],
            links=links,
        )
