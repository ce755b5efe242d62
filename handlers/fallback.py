"""``out_of_scope`` and unclear messages: the best help articles, then a person; never a guess."""

from __future__ import annotations

from handlers.context import HandlerContext, OrderNeed, Outcome
from handlers.messages import Link, Reply
from handlers.near_domain import near_domain_reply
from handlers.wording import HUMAN_BUTTON, MENU_BUTTON

#: the best hit must score at least this for any article to be shown (unrelated questions score ~2-5)
MIN_TOP_SCORE = 6.0
#: other hits are shown when they score at least this share of the best one, and at least MIN_SCORE
RELATIVE_SCORE = 0.4
MIN_SCORE = 4.0
SCOPE = "I can help with your orders, deliveries, returns and refunds, and setting up what you bought."


class FallbackHandler:
    """Answers what no other handler does: a knowledge-base search, or an honest "I can't"."""

    name = "out_of_scope"
    intents = ("out_of_scope",)
    payload_prefixes: tuple[str, ...] = ()

    def order_need(self, ctx: HandlerContext) -> OrderNeed:
        """Never needs an order."""
        return OrderNeed.NONE

    async def handle(self, ctx: HandlerContext) -> Outcome:
        """A near-domain topic's own answer; else up to three articles when the search finds good ones;
        otherwise say what the bot does."""
        topical = near_domain_reply(ctx)
        if topical is not None:
            return Outcome(replies=[topical])
        hits = (
            ctx.knowledge.index.search(ctx.text, limit=3, products=ctx.understanding.skus)
            if ctx.text.strip()
            else []
        )
        if hits and hits[0].score >= MIN_TOP_SCORE:
            floor = max(MIN_SCORE, hits[0].score * RELATIVE_SCORE)
            hits = [hit for hit in hits if hit.score >= floor]
        else:
            hits = []
        buttons = [HUMAN_BUTTON, MENU_BUTTON]
        if hits:
            return Outcome(
                replies=[
                    Reply(
                        "I'm not sure I understood, but these help articles look related:",
                        links=[Link(hit.article.title, hit.article.url) for hit in hits],
                        buttons=buttons,
                    )
                ]
            )
        return Outcome(
            replies=[
                Reply(
                    f"Sorry, I can't help with that. {SCOPE} Would you like one of these, or a person?",
                    buttons=buttons,
                )
            ]
        )


def expired_button_reply() -> Reply:
    """What a stale or unknown button press gets."""
    return Reply(
        "Sorry, that button has expired. What would you like to do?",
        buttons=[MENU_BUTTON, HUMAN_BUTTON],
    )
