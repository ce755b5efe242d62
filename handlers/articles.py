"""Help articles as replies: links, short numbered steps, and the ``article:<id>`` button."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache, lru_cache

from handlers.context import HandlerContext, OrderNeed, Outcome
from handlers.messages import Button, Link, Reply
from handlers.wording import HUMAN_BUTTON, MENU_BUTTON
from knowledge.article import Article, shorten
from knowledge.base import KnowledgeBase
from knowledge.markdown import passages
from knowledge.search import SearchHit
from knowledge.text import Analyzer

#: at most this many steps are shown in chat; the link has the rest
MAX_STEPS = 8
STEP_CHARS = 160
#: a search's best hit must score at least this to be shown at all (unrelated questions score ~2-5)
MIN_TOP_SCORE = 6.0
#: other hits are shown when they score at least this share of the best one, and at least MIN_SCORE
RELATIVE_SCORE = 0.4
MIN_SCORE = 4.0
#: the best hit answers alone when every other hit scores under this share of it
SOLE_SHARE = 0.25
#: what introduces the passage of the one help article that answers the question
FROM_THE_HELP_CENTRE = "Here's what our help centre says:"


#: words of any advice question, which a passage sharing proves nothing ("is it good for lattes")
_ADVICE_WORDS = frozenset(
    "good great best better nice worth recommend suggest buy need want use using work works make get".split()
)


#: words of when ("after 2 months", "a week ago"): they date the question, they are not its point
_TIME_WORDS = frozenset(
    "day days week weeks month months year years ago time times hour hours minute minutes today yesterday "
    "tomorrow morning night".split()
)


def point_terms(question: str, product_name: str | None) -> set[str]:
    """The search terms of the question other than the product's name, advice and time words: its point
    ("dishwasher" and "safe" for "is the blender dishwasher safe"; none for "how do gift cards work")."""
    terms = _analyzer().terms
    ignored = " ".join(_ADVICE_WORDS | _TIME_WORDS)
    return set(terms(question)) - set(terms(product_name or "")) - set(terms(ignored))


def answers_the_point(question: str, product_name: str | None, passage: str) -> bool:
    """Whether the passage has a word of the question's point (:func:`point_terms`)."""
    return bool(point_terms(question, product_name) & set(_analyzer().terms(passage)))


#: a question with more words of its own than this is too chatty to tell its point from its words
MAX_POINT_TERMS = 3
#: verbs of any how-to question ("how do I make it ...", "can I get it to ..."): no point of their own
_HOW_TO_WORDS = frozenset("make get do use set keep put take go have let able possible way thing help know tell".split())


def unknown_point_terms(question: str, product_name: str | None, guides: Sequence[Article]) -> set[str]:
    """The words of the question's point (:func:`point_terms`) that none of ``guides`` uses, in its text, its
    title or the questions it lists ("remember" of "how do I make the desk remember my height")."""
    how_to = set(_analyzer().terms(" ".join(_HOW_TO_WORDS)))
    point = point_terms(question, product_name) - how_to
    if not point or len(point) > MAX_POINT_TERMS:  # a chatty message ("just got it, love it, quick question")
        return set()
    known: set[str] = set()
    for guide in guides:
        known |= _article_terms(guide.title, guide.body, "\n".join(guide.questions))
    return point - known


@lru_cache(maxsize=512)
def _article_terms(*texts: str) -> frozenset[str]:
    return frozenset(term for text in texts for term in _analyzer().terms(text))


def passage_heading(article: Article, passage: str) -> str:
    """The heading of the article's section that holds ``passage`` (its title when the passage comes
    before any heading, or is not one of the article's passages)."""
    head = passage.strip()[:40]
    found = next((p for p in passages(article.body) if p.text.startswith(head)), None)
    return found.heading if found is not None and found.heading else article.title


def hit_answers_the_point(question: str, product_name: str | None, hit: SearchHit) -> bool:
    """:func:`answers_the_point` for a hit's passage read with its section's heading ("Night vision is
    blurry" answers "does the camera have night vision"), or for the questions its article lists as
    answered ("how do we spend it online" for "can I use the gift card online")."""
    passage = f"{passage_heading(hit.article, hit.snippet)}\n{hit.snippet}"
    return answers_the_point(question, product_name, passage) or answers_the_point(
        question, product_name, "\n".join(hit.article.questions)
    )


@cache
def _analyzer() -> Analyzer:
    return Analyzer()


def good_hits(hits: Sequence[SearchHit]) -> list[SearchHit]:
    """The search hits worth showing, best first: none unless the best scores :data:`MIN_TOP_SCORE`,
    then those scoring close enough to it."""
    if not hits or hits[0].score < MIN_TOP_SCORE:
        return []
    floor = max(MIN_SCORE, hits[0].score * RELATIVE_SCORE)
    return [hit for hit in hits if hit.score >= floor]


def sole_answer(hits: Sequence[SearchHit]) -> SearchHit | None:
    """The best hit when its article answers alone: it scores :data:`MIN_TOP_SCORE` and every other
    hit scores under :data:`SOLE_SHARE` of it (otherwise callers show :func:`good_hits` as links)."""
    if not hits or hits[0].score < MIN_TOP_SCORE:
        return None
    if any(hit.score >= hits[0].score * SOLE_SHARE for hit in hits[1:]):
        return None
    return hits[0]


def passage_reply(hit: SearchHit, intro: str) -> Reply:
    """The passage of an article that best matches the question, under ``intro``, with the article's link."""
    return Reply(f"{intro}\n{hit.snippet}", links=[Link(hit.article.title, hit.article.url)])


def article_passage_reply(ctx: HandlerContext, article_id: str | None) -> Reply | None:
    """The passage of the article ``article_id`` that answers the shopper's question, under the article's
    title and with its link; None when no passage of it does."""
    article = ctx.knowledge.base.get(article_id) if article_id else None
    if article is None or not ctx.text.strip():
        return None
    passage = ctx.knowledge.index.passage(article, ctx.text)
    if passage is None:
        return None
    return Reply(f"From “{article.title}”:\n{passage}", links=[Link(article.title, article.url)])


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
