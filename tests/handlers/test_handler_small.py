"""Greeting, human agent, setup help, articles, fallback, wording and the handler registry."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from handlers.articles import (
    ArticleHandler,
    good_hits,
    hit_answers_the_point,
    numbered_steps,
    passage_heading,
    sole_answer,
)
from handlers.context import ProductMention
from handlers.fallback import FallbackHandler
from handlers.handoff import open_handoff
from handlers.human_agent import ALREADY_WAITING, HumanAgentHandler
from handlers.language import other_language
from handlers.registry import default_handlers
from handlers.setup_help import SetupHelpHandler
from handlers.smalltalk import (
    GreetingHandler,
    closes_the_matter,
    ends_with_thanks,
    greets_and_nothing_more,
    only_thanks,
    takes_time,
    thanks_and_nothing_more,
)
from handlers.wording import day, join_words, mask_email, moment_words, relative_day
from knowledge.search import SearchHit
from storage.domain import Intent
from tests.handlers.conversation_kit import TODAY, Harness, handler_context, shared_knowledge


def test_every_intent_has_exactly_one_handler() -> None:
    handlers = default_handlers()
    claimed = [intent for h in handlers for intent in h.intents]
    assert sorted(claimed) == sorted(i.value for i in Intent)
    prefixes = [p for h in handlers for p in h.payload_prefixes]
    assert len(prefixes) == len(set(prefixes))


def test_wording() -> None:
    assert day(date(2026, 11, 25)) == "Wednesday 25 November"
    assert [relative_day(date(2026, 11, d), TODAY) for d in (22, 23, 24, 27)] == [
        "yesterday",
        "today",
        "tomorrow",
        "Friday 27 November",
    ]
    assert (
        moment_words(datetime(2026, 11, 23, 3, 30, tzinfo=UTC), "America/New_York", TODAY)
        == "yesterday at 22:30"
    )
    assert join_words(["a", "b", "c"]) == "a, b and c" and join_words(["a"]) == "a"
    assert mask_email("ann@example.com") == "a***@example.com"


def test_numbered_steps_are_short_and_numbered() -> None:
    article = shared_knowledge().base.by_id("kt-200-setup")
    lines = numbered_steps(article).splitlines()
    assert lines[0].startswith("1. ") and all(len(line) <= 170 for line in lines)
    assert len(lines) == min(len(article.steps()), 8) + (1 if len(article.steps()) > 8 else 0)


def _hits(*scores: float) -> list[SearchHit]:
    articles = shared_knowledge().base.articles[: len(scores)]
    return [SearchHit(article, score, "passage") for article, score in zip(articles, scores, strict=True)]


def test_one_article_answers_alone_only_when_no_other_comes_close() -> None:
    assert sole_answer(_hits(16.4, 1.3, 1.2)) == _hits(16.4)[0]  # "do you ship to canada"
    assert sole_answer(_hits(18.0, 6.7, 1.5)) is None  # two articles share the question: both are links
    assert [h.score for h in good_hits(_hits(18.0, 6.7, 1.5))] == [18.0]
    assert [h.score for h in good_hits(_hits(18.0, 7.5, 1.5))] == [18.0, 7.5]
    assert sole_answer(_hits(5.9)) is None and good_hits(_hits(5.9, 5.0)) == []  # nothing matches well
    assert sole_answer([]) is None and good_hits([]) == []


def test_a_passage_is_read_with_its_section_heading_and_its_article_listed_questions() -> None:
    camera = shared_knowledge().base.by_id("cm-20-troubleshooting")
    glare = "Windows and glossy surfaces reflect the infrared light. Move the camera away from the window"
    assert passage_heading(camera, glare) == "Night vision is blurry or white"
    assert passage_heading(camera, "no such passage") == camera.title
    name = "SecureView Indoor Camera"
    assert hit_answers_the_point("does the camera have night vision", name, SearchHit(camera, 9.0, glare))
    assert not hit_answers_the_point("is the camera waterproof", name, SearchHit(camera, 9.0, glare))
    gift_cards = shared_knowledge().base.by_id("gift-cards")
    code = "Enter the 16-character code at checkout."
    assert hit_answers_the_point("can I use the gift card online", "Gift Card 50", SearchHit(gift_cards, 9.0, code))


async def test_greeting_uses_the_verified_first_name(harness: Harness) -> None:
    async with harness.store.transaction() as repos:
        outcome = await GreetingHandler().handle(
            await handler_context(harness, repos, verified_as="dev@example.com")
        )
    assert outcome.replies[0].text.startswith("Hi Dev! I can track your order")
    assert outcome.replies[0].buttons[0].payload == "intent:order_status"


async def test_human_agent_reuses_the_open_handoff(harness: Harness) -> None:
    async with harness.store.transaction() as repos:
        ctx = await handler_context(harness, repos, text="agent")
        first = await HumanAgentHandler().handle(ctx)
        created = ctx.handoff
        ctx.handoff = None
        second = await HumanAgentHandler().handle(ctx)
    assert created is not None and created.created
    assert (
        ctx.handoff is not None and not ctx.handoff.created and ctx.handoff.handoff_id == created.handoff_id
    )
    assert "passed our conversation" in first.replies[0].text and second.replies[0].text == ALREADY_WAITING


async def test_handoff_summary_names_the_order_and_recent_messages(harness: Harness) -> None:
    await harness.verify_as("ann@example.com")
    await harness.send("where is my order 1001")
    async with harness.store.transaction() as repos:
        ctx = await handler_context(
            harness, repos, order_number="1001", verified_as="ann@example.com", text="help!"
        )
        note = await open_handoff(ctx, "test reason")
        handoff = await repos.handoffs.get(handoff_id=note.handoff_id)
    assert handoff is not None
    assert handoff.summary.splitlines()[:4] == [
        "Reason: test reason",
        "Channel: rest",
        "Shopper: verified",
        "Order #1001 (open): Kettle Pro 200",
    ]
    assert "  Shopper: where is my order 1001" in handoff.summary and "  Shopper: help!" in handoff.summary


async def test_setup_help_by_product_name_without_an_order(harness: Harness) -> None:
    async with harness.store.transaction() as repos:
        ctx = await handler_context(
            harness,
            repos,
            text="how do I set up the router",
            products=(ProductMention("RT-600", "MeshLink Wi-Fi 6 Router"),),
        )
        outcome = await SetupHelpHandler().handle(ctx)
    reply = outcome.replies[0]
    assert reply.text.startswith("Here's how to set up your MeshLink Wi-Fi 6 Router:\n1. ")
    assert [link.url for link in reply.links] == ["https://help.doorstep-demo.shop/articles/rt-600-setup"]
    assert outcome.await_step == "followup" and outcome.data == {
        "sku": "RT-600",
        "name": "MeshLink Wi-Fi 6 Router",
    }


async def test_missing_article_button(harness: Harness) -> None:
    async with harness.store.transaction() as repos:
        outcome = await ArticleHandler().handle(await handler_context(harness, repos, payload="article:nope"))
    assert outcome.replies[0].text.startswith("Sorry, I can't find that article")


async def test_fallback_without_matches_says_what_the_bot_does(harness: Harness) -> None:
    async with harness.store.transaction() as repos:
        outcome = await FallbackHandler().handle(await handler_context(harness, repos, text="zzqx blorf"))
    reply = outcome.replies[0]
    assert reply.text.startswith("Sorry, I can't help with that. I can help with your orders")
    assert reply.links == [] and [b.payload for b in reply.buttons] == [
        "intent:human_agent",
        "intent:greeting",
    ]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Bonjour, où est ma commande ?", "French"),
        ("donde esta mi paquete", "Spanish"),
        ("Wann kommt mein Paket?", "German"),
        ("ciao, dov'è il mio ordine?", "Italian"),
        ("Olá, onde está minha encomenda?", "Portuguese"),
        ("Hallo, waar is mijn bestelling?", "Dutch"),
    ],
)
def test_a_message_in_a_common_other_language_is_recognised(text: str, language: str) -> None:
    assert other_language(text) == language


@pytest.mark.parametrize(
    "text",
    [
        "where is my order",
        "merci",
        "hola",
        "the non stick pan from my order is peeling",
        "my order from Café de la Paix never came",
        "I ordered the Ma Petite lamp, where is it",
    ],
)
def test_english_with_a_foreign_word_or_name_stays_english(text: str) -> None:
    assert other_language(text) is None


@pytest.mark.parametrize(
    ("text", "waits"),
    [
        ("let me think about it", True),
        ("Hmm, let me think about it for a moment, I may keep it after all.", True),
        ("let me check, it's 1002", False),  # the answer came with it
        ("let me check where it is?", False),
        ("let me check. jane@example.com", False),
        ("Wait lang po, let me ask my husband first kung okay. Babalik ako", True),  # a few words after it
        ("I'll think about it but can you tell me the refund time", False),  # more than a few words: a request
        ("let me check my email for 1002", False),
    ],
)
def test_taking_time(text: str, waits: bool) -> None:
    assert takes_time(text) is waits


@pytest.mark.parametrize(
    ("text", "thanks"),
    [
        ("Okay po noted, salamat! 😊", True),
        ("ok... I'll just wait then. sorry for all the questions", True),
        ("sige po salamat", True),
        ("thanks for your help", True),
        ("noted", False),  # an acknowledgement alone thanks nobody
        ("ok thanks but where is it", False),
        ("the kettle thanks", False),
    ],
)
def test_only_thanks(text: str, thanks: bool) -> None:
    assert only_thanks(text) is thanks


@pytest.mark.parametrize(
    ("text", "thanks"),
    [
        ("Ahh okay po, akala ko na-ship na. Thank you po!", True),
        ("got it, makes sense now, cheers", True),
        ("where is it? thanks", False),  # a question
        ("I ordered the kettle last week and it still has not arrived at my house, thank you", False),  # too long
    ],
)
def test_a_short_message_ending_with_thanks(text: str, thanks: bool) -> None:
    assert ends_with_thanks(text) is thanks


@pytest.mark.parametrize(
    ("text", "closes"),
    [
        ("yep got it thx!! hiding it from the little one lol", True),
        ("Dear Sir, Splendid news. Thank you most kindly for keeping me informed. Yours sincerely, Gerald Ashby", True),
        ("done ✅ tea time finally", True),
        ("ok thanks but its still not here", False),
        ("ok great, cancel it then", False),
        ("thanks, and the mugs?", False),
        ("ok cool will the driver ring me before he comes", False),  # a question without its mark
        ("thanks for nothing", False),
        ("well thank you for being honest sweetheart just put the money back on my card that will do", False),
        ("fine", False),  # "fine", "ok" alone have answers of their own
    ],
)
def test_closing_the_matter(text: str, closes: bool) -> None:
    assert closes_the_matter(text) is closes


@pytest.mark.parametrize(
    ("text", "goodbye"),
    [
        ("Tracking just flipped to 'Delivered' and it's on my doorstep. Cheers, all good!", True),
        ("Dhanyavaad, bas itna hi tha. Bye!", True),
        ("done ✅ tea time finally", False),  # no thanks or farewell: as a first message, nothing closes
        ("Bonjour, je voudrais the updates par email only, pas par SMS. Merci!", False),  # something wanted
        ("thanks, but the box came crushed", False),
    ],
)
def test_thanks_and_nothing_more_as_a_first_message(text: str, goodbye: bool) -> None:
    assert thanks_and_nothing_more(text) is goodbye


@pytest.mark.parametrize(
    ("text", "greets"),
    [
        ("Hello, this is Sarah — I help my grandad with his orders.", True),
        ("Hello! Bit frazzled, big birthday this weekend 😅", True),
        ("hello, my kettle is broken", False),
        ("hi, where is order 1002", False),
        ("hey can you help me with my order", False),
        ("my name is Sam, hello", False),  # no greeting first
    ],
)
def test_a_greeting_and_nothing_more(text: str, greets: bool) -> None:
    assert greets_and_nothing_more(text) is greets
