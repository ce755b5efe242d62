"""Exchanges: an item swapped for another size or colour of the same product, inside the return flow.

The return flow (:class:`handlers.returns.ReturnRequestHandler`) comes here when the shopper asks for
an exchange ("can I swap it for a bigger size"), taps "Exchange ...", or says an item doesn't fit.
Which categories can be exchanged is the return policy's ``exchangeable_categories`` (clothing and
shoes in the bundled policy); the window is the item's return window. The shopper picks the item,
then says in their own words what they want instead. The exchange is a return request with
``exchange_for`` set: the shop sends the new item once the carrier scans the returned one, as the
exchanges article tells shoppers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from handlers.articles import article_link
from handlers.context import HandlerContext, Outcome
from handlers.messages import Button, Reply
from handlers.return_rules import ItemEligibility, category_words, label_details
from handlers.wording import join_words, short_day
from storage.models import ReturnRequest

EXCHANGE_ARTICLE = "exchanges"
#: the step that waits for what the shopper wants instead (free text)
WHAT_INSTEAD = "exchange_for"
PAYLOAD_PREFIX = "return:exchange:"
#: days the shopper has to send the original item back once the exchange is started
SEND_BACK_DAYS = 14
WANTED_CHARS = 200

_EXCHANGE = re.compile(
    r"\b(exchang\w*|swap\w*|trade (it|them|this|these|that)\b|trade (it |them )?in\b"
    r"|(a|an|the) (different|other|another|bigger|smaller|larger|longer|shorter|next) "
    r"(size|colou?r|colou?rway|fit|length|one|pair)"
    r"|(different|another|other|bigger|smaller|larger) (size|colou?r)"
    r"|size (up|down|bigger|smaller)|(half|one|a) size (up|down|bigger|smaller)"
    r"|(same (thing|one|item|jacket|shoes|top)|it|this|them|one) in (a |the )?(blue|black|white|red|green|grey|gray|"
    r"navy|pink|yellow|beige|brown|small|medium|large|bigger size|smaller size|size \d+))\b"
    r"|\bin (a |an |the )?(small|medium|large|x*-?l|x*-?s|size \w+|\w+ size) (rather than|instead of)\b",
    re.I,
)
_FIT = re.compile(
    r"\b((doesn'?t|does not|don'?t|do not|didn'?t|did not|won'?t|will not) fit"
    r"|too (small|big|large|tight|loose|long|short|narrow|wide|snug|baggy)"
    r"|(the )?wrong size|fits? (too )?(small|big|large|tight)|runs? (small|big|large))\b",
    re.I,
)


def wants_exchange(text: str) -> bool:
    """Whether the shopper asks to swap an item for another size, colour or the like."""
    return bool(_EXCHANGE.search(text))


def fits_badly(text: str) -> bool:
    """Whether the shopper says an item doesn't fit (an exchange may suit them better than a refund)."""
    return bool(_FIT.search(text))


def exchange_button(item: ItemEligibility) -> Button:
    """The button that starts an exchange of ``item``."""
    return Button(f"Exchange {item.item.name}", f"{PAYLOAD_PREFIX}{item.item.sku}")


def swappable(ctx: HandlerContext, verdicts: Sequence[ItemEligibility]) -> list[ItemEligibility]:
    """The items that can be exchanged today: returnable now, in an exchangeable category."""
    policy = ctx.knowledge.base.return_policy()
    return [v for v in verdicts if v.returnable and policy.is_exchangeable(v.item.category)]




def offer(ctx: HandlerContext, verdicts: Sequence[ItemEligibility], data: dict[str, object]) -> Outcome | None:
    """The item to exchange: asked about at once when there is one, else picked from a list; None
    when nothing on the order can be exchanged today (the caller explains or offers a return)."""
    items = swappable(ctx, verdicts)
    if len(items) == 1:
        return ask_what_instead(items[0], data)
    if not items:
        return None
    assert ctx.order is not None
    head = (
        "Sorry, I didn't catch which item. Please tap one:"
        if ctx.step == "pick"
        else f"Which item from order #{ctx.order.number} would you like to exchange for another size or colour?"
    )
    lines = [f"• {v.item.name} (until {short_day(v.last_day)})" for v in items if v.last_day]
    return Outcome(
        replies=[Reply("\n".join([head, *lines]), buttons=[exchange_button(v) for v in items])],
        await_step="pick",
        data={**data, "exchange": True},
    )


def ask_what_instead(item: ItemEligibility, data: dict[str, object]) -> Outcome:
    """Ask which size or colour the shopper wants instead of ``item`` (a refund stays one tap away)."""
    name = item.item.name
    return Outcome(
        replies=[
            Reply(
                f"Happy to swap your {name}. Which size or colour would you like instead? "
                "For example “a medium” or “the blue one”.",
                buttons=[Button("Refund instead", f"return:item:{item.item.sku}")],
            )
        ],
        await_step=WHAT_INSTEAD,
        data={**{k: v for k, v in data.items() if k != "exchange"}, "sku": item.item.sku},
    )


#: what instead, said with the exchange itself: "exchange the jacket for a large", "swap it for the blue one"
_WANTED_WITH_REQUEST = re.compile(
    r"\b(?:exchang\w*|swap\w*|change|trade)\b.{0,40}?\b(?:for|to|into) (?:a |an |the )?"
    r"(?P<want>(?:size )?(?:x{0,3}s|x{0,3}l|m|small|medium|large|extra[- ]large|\d{1,2}(?:\.5)?|(?:bigger|smaller|larger) "
    r"(?:size|one)|size (?:up|down)|(?:black|white|blue|red|green|grey|gray|navy|pink|yellow|beige|brown|"
    r"olive|orange|purple)(?: one)?))\b",
    re.I,
)


def wanted_with_request(text: str) -> str | None:
    """The size or colour named together with the exchange ("exchange jacket for large" -> "large"), or None."""
    found = _WANTED_WITH_REQUEST.search(text)
    return found.group("want") if found else None


def wanted(text: str) -> str:
    """What the shopper wants instead, as kept on the exchange (their words, one line)."""
    return " ".join(text.split())[:WANTED_CHARS]


def instructions(ctx: HandlerContext, request: ReturnRequest, item: ItemEligibility) -> Reply:
    """What happens next, once the exchange is started."""
    assert ctx.order is not None
    name = item.item.name
    email, carrier = label_details(ctx.order)
    text = (
        f"Done: exchange #{request.id} is started for your {name} (order #{ctx.order.number}). "
        f"You'd like instead: {request.exchange_for}. What happens next:\n"
        f"1. We reserve the new one now and email a free return label to {email} within the hour.\n"
        f"2. Stick the label on the parcel with your {name} and drop it at any {carrier} drop-off point "
        f"within {SEND_BACK_DAYS} days.\n"
        "3. We send the new one as soon as the carrier scans your parcel, so you don't wait for it to reach us.\n"
        "If what you'd like is out of stock, we refund the item instead, to your original payment method."
    )
    return Reply(text, links=article_link(ctx.knowledge.base, EXCHANGE_ARTICLE))


def only_refunds(ctx: HandlerContext, eligible: Sequence[ItemEligibility]) -> str:
    """Why the returnable items can't be exchanged, naming what they can do instead."""
    names = join_words([v.item.name for v in eligible])
    categories = sorted(ctx.knowledge.base.return_policy().exchangeable_categories)
    which = join_words([category_words(c) for c in categories])
    head = f"Exchanges are for {which} only." if which else "We don't exchange items."
    return (
        f"{head} You can return {names} for a refund, and order what you'd like instead. "
        "Which would you like to send back?"
    )
