"""``out_of_scope`` and unclear messages: the best help articles, then a person; never a guess."""

from __future__ import annotations

import re
from dataclasses import replace

from handlers.articles import (
    FROM_THE_HELP_CENTRE,
    article_passage_reply,
    good_hits,
    hit_answers_the_point,
    passage_reply,
    sole_answer,
)
from handlers.context import HandlerContext, OrderNeed, Outcome, ProductMention
from handlers.language import asked_language, english_only_asked_reply, english_only_reply, other_language
from handlers.mentions import product_alone
from handlers.messages import Button, Link, Reply
from handlers.near_domain import (
    asks_about_product,
    asks_price,
    near_domain_reply,
    not_in_help_reply,
    price_query,
    topic_article,
)
from handlers.smalltalk import (
    YOU_ARE_WELCOME,
    dismissal_reply,
    dismissed,
    ends_with_thanks,
    filler_reply,
    frustrated,
    frustration_reply,
    only_thanks,
    upset,
    upset_reply,
)
from handlers.wording import HUMAN_BUTTON, MENU_BUTTON, your
from knowledge.search import SearchHit

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
        """A near-domain topic's own answer; an apology and a person for a shopper fed up with the bot (or
        upset without saying why), and
        no fuss for "that's all" or "no worries"; a word on the one language the bot chats in to a message
        in another; what to do with a product named alone; else the passage of the one article that
        stands out in a search (or is the only one worth showing), or of the article the previous answer
        quoted when it answers (first, for a short question naming no product), or up to three articles
        that match about as well; otherwise say what the bot does."""
        topical = near_domain_reply(ctx)
        if topical is not None:
            return Outcome(replies=[topical], article=topic_article(ctx) if topical.links else None)
        if frustrated(ctx.text):
            return Outcome(replies=[frustration_reply()])
        if upset(ctx.text):  # "this is unacceptable": sorry, and what happened (or a person)
            return Outcome(replies=[upset_reply()])
        if dismissed(ctx.text):
            return Outcome(replies=[dismissal_reply()])
        if only_thanks(ctx.text) or ends_with_thanks(ctx.text):  # "brill ta": thanks the NLU didn't read as a goodbye
            return Outcome.say(YOU_ARE_WELCOME)
        filler = filler_reply(ctx.text)
        if filler is not None:  # "?", "lol", "👍": nothing to answer, so what the bot can do
            return Outcome(replies=[filler])
        language = other_language(ctx.text)
        if language is not None:
            return Outcome(replies=[english_only_reply(language)])
        asked = asked_language(ctx.text)
        if asked is not None:  # "can you help me in spanish"
            return Outcome(replies=[english_only_asked_reply(asked)])
        product = product_alone(ctx.understanding.products, ctx.text)
        if product is not None:  # "kettle": what about it?
            return Outcome(replies=[_product_menu(product)])
        hits = (
            ctx.knowledge.index.search(ctx.text, limit=3, products=ctx.understanding.skus)
            if ctx.text.strip() and not _CHIT_CHAT.search(ctx.text)  # "what's your favourite colour": no article
            else []
        )
        buttons = [HUMAN_BUTTON, MENU_BUTTON]
        worth = good_hits(hits)
        asked = asks_about_product(ctx)
        if asked is not None and not any(hit_answers_the_point(ctx.text, asked.name, hit) for hit in worth):
            # "is the jacket waterproof?": no passage says, so not the size guide's line about the jacket
            return Outcome(replies=[not_in_help_reply(ctx, asked)])
        short = len(ctx.text.split()) <= FOLLOW_UP_WORDS and not ctx.understanding.products
        follow_up = _from_last_article(ctx) if short else None
        if follow_up is not None:  # "do I have to pay anything?" after the customs article: its passage
            follow_up.buttons = buttons
            return Outcome(replies=[follow_up], article=ctx.last_article)
        sole = sole_answer(hits) or _only(worth)
        if sole is not None:  # one article stands out: its passage answers, with the article's link
            priced = ctx.knowledge.index.passage(sole.article, price_query(ctx.text)) if asks_price(ctx.text) else None
            reply = passage_reply(replace(sole, snippet=priced) if priced else sole, FROM_THE_HELP_CENTRE)
            reply.buttons = buttons
            return Outcome(replies=[reply], article=sole.article.id)
        follow_up = _from_last_article(ctx)
        if follow_up is not None:  # "how do I check the balance?" after the gift cards article
            follow_up.buttons = buttons
            return Outcome(replies=[follow_up], article=ctx.last_article)
        if worth:
            return Outcome(
                replies=[
                    Reply(
                        "I'm not sure I understood, but these help articles look related:",
                        links=[Link(hit.article.title, hit.article.url) for hit in worth],
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


#: chit-chat and general knowledge, which no help article answers whatever words it shares with one ("what's
#: your favourite colour" and the exchanges article, "what's the capital of Australia" and the countries we ship to)
_CHIT_CHAT = re.compile(
    r"\b(?:your|ur) (?:favou?rite|fav)\b|\bcapital (?:city )?of\b|\b(?:tell|know) (?:me )?(?:a |any )?jokes?\b|"
    r"\bmeaning of life\b|\bhow old are (?:you|u)\b|\bdo (?:you|u) (?:like|love|dream|sleep|eat)\b",
    re.I,
)
#: a question of at most this many words, naming no product, is first read as a follow-up of the article
#: the previous answer quoted
FOLLOW_UP_WORDS = 6




def _product_menu(product: ProductMention) -> Reply:
    """What the shopper may want with a product they only named."""
    return Reply(
        f"What would you like to do with {your(product.name, capital=False)}?",
        buttons=[
            Button("Set it up", f"setup:product:{product.sku}"),
            Button("Something's wrong with it", f"setup:troubleshoot:{product.sku}"),
            Button("Return it", "intent:return_request"),
            HUMAN_BUTTON,
        ],
    )


def _only(hits: list[SearchHit]) -> SearchHit | None:
    """The one hit worth showing, when only one is: its passage answers better than a lone link."""
    return hits[0] if len(hits) == 1 else None


def _from_last_article(ctx: HandlerContext) -> Reply | None:
    """The passage of the article the previous answer quoted that answers this question, if one does."""
    return article_passage_reply(ctx, ctx.last_article)


def expired_button_reply() -> Reply:
    """What a stale or unknown button press gets."""
    return Reply(
        "Sorry, that button has expired. What would you like to do?",
        buttons=[MENU_BUTTON, HUMAN_BUTTON],
    )
