"""``compensation``: "can you compensate me?" on a late, lost or damaged order.

Not an NLU intent: the engine routes here a message that asks for compensation whether the NLU
read it as a refund, a delivery problem or nothing clear (``bot.engine.policy.wants_compensation``).
Once the order is known and verified, the handler checks what went wrong with it (late, held up,
lost, arrived late, damaged), quotes what the shop's policy offers for that (the matching
sentences of the help article), and offers a person to arrange it. An order with nothing wrong
gets the policy in one line and the same offer: never "out of scope".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from handlers.context import HandlerContext, OrderNeed, Outcome
from handlers.human_agent import hand_over
from handlers.messages import Button, Link, Reply
from handlers.order_facts import lateness
from handlers.wording import MENU_BUTTON, day, local_date
from knowledge.article import shorten
from storage.domain import ShipmentStatus
from storage.repositories.orders import OrderDetails

PERSON_PAYLOAD = "compensation:person"
PERSON_BUTTON = Button("Yes, ask a person", PERSON_PAYLOAD)
NO_THANKS_BUTTON = Button("No, thanks", "intent:greeting")
#: how many policy sentences are quoted
MAX_POLICY_LINES = 3
POLICY_CHARS = 220
_POLICY_WORDS = re.compile(r"\b(?:refund\w*|replacement|free of charge|no extra cost|at no cost)\b", re.I)
_DAMAGE_WORDS = re.compile(r"\b(?:damag\w*|broken|smashed|crushed|cracked|dented|shattered)\b", re.I)
_HELD_UP = frozenset(
    {ShipmentStatus.EXCEPTION, ShipmentStatus.ATTEMPT_FAILED, ShipmentStatus.RETURNED_TO_SENDER}
)

OFFER = "Would you like a person from our team to look at compensation for you?"
NOTHING_WRONG = (
    "I've checked order #{number}: {state} Compensation applies when an order arrives late, is lost or "
    "arrives damaged, as our policy below explains. If something else went wrong, a person from our team "
    "can look at it."
)


@dataclass(frozen=True, slots=True)
class Problem:
    """What went wrong with the order, in words for the shopper and for staff."""

    kind: str  # late | held_up | lost | arrived_late | damaged
    words: str
    article: str


class CompensationHandler:
    """Checks the order is late, lost or damaged, gives the policy and offers a person."""

    name = "compensation"
    intents: tuple[str, ...] = ()
    payload_prefixes = ("compensation",)

    def order_need(self, ctx: HandlerContext) -> OrderNeed:
        """The order must be known and verified; the "ask a person" button uses the one in context."""
        return OrderNeed.OPTIONAL if ctx.payload == PERSON_PAYLOAD else OrderNeed.REQUIRED

    async def handle(self, ctx: HandlerContext) -> Outcome:
        """The policy for what went wrong, or a person when the shopper asks for one."""
        if ctx.payload == PERSON_PAYLOAD:
            problem = await find_problem(ctx, ctx.order) if ctx.order is not None else None
            return await hand_over(ctx, _reason(ctx, problem))
        assert ctx.order is not None
        problem = await find_problem(ctx, ctx.order)
        if problem is None:
            return _nothing_wrong(ctx, ctx.order)
        lines = policy_lines(ctx, problem.article)
        text = f"I'm sorry: {problem.words}"
        if lines:
            text += "\n\nHere's what our policy offers:\n" + "\n".join(f"• {line}" for line in lines)
        text += f"\n\n{OFFER}"
        return Outcome(
            replies=[
                Reply(text, links=_links(ctx, problem.article), buttons=[PERSON_BUTTON, NO_THANKS_BUTTON])
            ]
        )


async def find_problem(ctx: HandlerContext, details: OrderDetails) -> Problem | None:
    """The first thing that went wrong with the order: lost, damaged, late, held up, or arrived late."""
    number = details.number
    today = ctx.today()
    shipments = details.shipments
    if any(s.status == ShipmentStatus.LOST for s in shipments):
        return Problem("lost", f"the carrier reported order #{number} lost.", "lost-parcel")
    cases = await ctx.repos.cases.for_order(order_id=int(details.order.id or 0))
    if any(case.kind == "damaged" for case in cases) or (
        _DAMAGE_WORDS.search(ctx.text) and any(s.status == ShipmentStatus.DELIVERED for s in shipments)
    ):
        return Problem("damaged", f"order #{number} arrived damaged.", "damaged-parcel")
    for shipment in shipments:
        late = lateness(shipment, today)
        if late is not None:
            return Problem(
                "late",
                f"order #{number} is late: we promised it by {day(late.promised_by)}.",
                "delivery-delays",
            )
    if any(s.status in _HELD_UP for s in shipments):
        return Problem("held_up", f"order #{number} is held up on its way to you.", "delivery-delays")
    for shipment in shipments:
        arrived = _arrived_late(shipment.delivered_at, shipment.promised_by, details.customer.timezone)
        if arrived is not None:
            return Problem(
                "arrived_late",
                f"order #{number} arrived late: we promised it by {day(shipment.promised_by or arrived)} "
                f"and it came on {day(arrived)}.",
                "delivery-delays",
            )
    return None


def _arrived_late(delivered_at: datetime | None, promised_by: date | None, timezone: str) -> date | None:
    if delivered_at is None or promised_by is None:
        return None
    arrived = local_date(delivered_at, timezone)
    return arrived if arrived > promised_by else None


def policy_lines(ctx: HandlerContext, article_id: str) -> list[str]:
    """The article's sentences about refunds and replacements (the shop's own words, from its KB)."""
    article = ctx.knowledge.base.get(article_id)
    if article is None:
        return []
    lines = [shorten(p, POLICY_CHARS) for p in article.passages() if _POLICY_WORDS.search(p)]
    return lines[:MAX_POLICY_LINES]


def _links(ctx: HandlerContext, article_id: str) -> list[Link]:
    article = ctx.knowledge.base.get(article_id)
    return [Link(article.title, article.url)] if article is not None else []


def _nothing_wrong(ctx: HandlerContext, details: OrderDetails) -> Outcome:
    delivered = [s for s in details.shipments if s.status == ShipmentStatus.DELIVERED]
    promised = min((s.promised_by for s in details.shipments if s.promised_by is not None), default=None)
    if not details.shipments:
        state = "it hasn't shipped yet, and nothing has gone wrong with it so far."
    elif len(delivered) == len(details.shipments):
        state = "it arrived on time."
    elif promised is not None:
        state = f"it's on its way and on time: we promised it by {day(promised)}."
    else:
        state = "it's on its way and nothing has gone wrong with it so far."
    text = NOTHING_WRONG.format(number=details.number, state=state)
    return Outcome(
        replies=[
            Reply(
                text,
                links=_links(ctx, "delivery-delays"),
                buttons=[Button("Talk to a person", PERSON_PAYLOAD), MENU_BUTTON],
            )
        ]
    )


def _reason(ctx: HandlerContext, problem: Problem | None) -> str:
    order = f" for order #{ctx.order.number}" if ctx.order is not None else ""
    what = f" ({problem.kind.replace('_', ' ')})" if problem is not None else ""
    return f"Shopper asks for compensation{order}{what}"
