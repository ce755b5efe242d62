"""Help articles as replies: links, short numbered steps, and the ``article:<id>`` button."""

from __future__ import annotations

from handlers.context import HandlerContext, OrderNeed, Outcome
from handlers.messages import Button, Link, Reply
from handlers.wording import HUMAN_BUTTON, MENU_BUTTON
from knowledge.article import Article, shorten
from knowledge.base import KnowledgeBase

#: at most this many steps are shown in chat; the link has the rest
MAX_STEPS = 8
STEP_CHARS = 160


def article_link(kb: KnowledgeBase, article_id: str) -> list[Link]:
    """A one-element list with the article's link, or empty when the KB has no such article."""
    article = kb.get(article_id)
    return [Link(article.title, article.url)] if article is not None else []


def numbered_steps(article: Article) -> str:
    """The article's first numbered list as short numbered lines (empty when it has none)."""
    steps = article.steps()
    lines = [f"{n}. {shorten(step, STEP_CHARS)}" for n, step in enumerate(steps[:MAX_STEPS], start=1)]
    if len(steps) > MAX_STEPS:
        lines.append(f"… and {len(steps) - MAX_STEPS} more steps in the full guide.")
    return "\n".join(lines)


def article_reply(article: Article, intro: str | None = None) -> Reply:
    """An article in chat: its steps (or its summary) and the link."""
    body = numbered_steps(article) or article.summary()
    head = intro or f"{article.title}:"
    return Reply(f"{head}\n{body}", links=[Link(article.title, article.url)])


class ArticleHandler:
    """Shows the article a ``article:<id>`` button names."""

    name = "help_article"
    intents: tuple[str, ...] = ()
    payload_prefixes = ("article",)

    def order_need(self, ctx: HandlerContext) -> OrderNeed:
        """Articles are public."""
        return OrderNeed.NONE

    async def handle(self, ctx: HandlerContext) -> Outcome:
        """Show the article, or say it is gone."""
        article_id = (ctx.payload or "").partition(":")[2]
        article = ctx.knowledge.base.get(article_id)
        if article is None:
            return Outcome.say(
                "Sorry, I can't find that article any more. What would you like to know?",
                buttons=[MENU_BUTTON, HUMAN_BUTTON],
            )
        reply = article_reply(article)
        reply.buttons = [Button("That didn't help", "intent:human_agent")]
        return Outcome(replies=[reply])
