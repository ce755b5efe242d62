"""notification_preferences: reading requests, writing identity and customer settings."""

from __future__ import annotations

import pytest

from handlers.preference_requests import CATEGORIES, parse_payload, parse_text
from handlers.preferences import (
    EMAILS_TEXT,
    NEWSLETTER_ARTICLE,
    NOTIFICATIONS_ARTICLE,
    WHAT_UPDATES_ARE,
    NotificationPreferencesHandler,
)
from tests.handlers.conversation_kit import Harness, handler_context, shared_knowledge


def test_categories_come_from_the_journey_kinds() -> None:
    assert CATEGORIES == (
        "delays",
        "order_updates",
        "returns_refunds",
        "reviews",
        "setup_guides",
        "shipping_updates",
    )


@pytest.mark.parametrize(
    ("text", "stop", "start", "quiet"),
    [
        ("stop sending me review requests", ["reviews"], [], (None, None)),
        ("unsubscribe me from everything", list(CATEGORIES), [], (None, None)),
        ("turn on shipping updates again", [], ["shipping_updates"], (None, None)),
        ("turn them back on", [], list(CATEGORIES), (None, None)),
        ("switch the shipping updates back on", [], ["shipping_updates"], (None, None)),
        ("turn the review requests off", ["reviews"], [], (None, None)),
        ("don't message me after 9pm", [], [], ("21:00", None)),
        ("not before 8:30am please", [], [], (None, "08:30")),
        ("only between 10pm and 7am be quiet", [], [], ("22:00", "07:00")),
        ("no messages at night", [], [], ("21:00", "08:00")),
        # a quoted message is one message, of the first kind its words name
        ('the bot keeps sending me "Rate your delivery!", make it stop', ["reviews"], [], (None, None)),
        ('stop sending me "your parcel is on its way"', ["shipping_updates"], [], (None, None)),
        # the updates wanted on another number: which chat, not a stop
        ("don't message my husband's number, send the updates to mine", [], [], (None, None)),
    ],
)
def test_parse_text(
    text: str, stop: list[str], start: list[str], quiet: tuple[str | None, str | None]
) -> None:
    request = parse_text(text)
    assert (request.stop, request.start, (request.quiet_start, request.quiet_end)) == (stop, start, quiet)


@pytest.mark.parametrize(
    ("text", "elsewhere"),
    [
        ("can you send me updates on whatsapp instead", "whatsapp"),
        ("email me the updates", "email"),
        ("I'd rather get them by text message", "sms"),
        ("can you text me when it's out for delivery", None),
        ("stop messaging me on telegram", None),
        ("send updates here", None),
    ],
)
def test_parse_text_reads_another_channel(text: str, elsewhere: str | None) -> None:
    assert parse_text(text).elsewhere == elsewhere


def test_parse_payload() -> None:
    assert parse_payload("prefs:stop:all").stop == list(CATEGORIES)
    assert parse_payload("prefs:start:reviews").start == ["reviews"]
    assert parse_payload("prefs:stop:bogus").empty
    quiet = parse_payload("prefs:quiet:21:00-08:00")
    assert (quiet.quiet_start, quiet.quiet_end) == ("21:00", "08:00")
    assert parse_payload("prefs:channel:here").here


async def test_quiet_hours_need_a_verified_customer(harness: Harness) -> None:
    handler = NotificationPreferencesHandler()
    async with harness.store.transaction() as repos:
        anonymous = await handler_context(harness, repos, text="don't message me after 9pm")
        known = await handler_context(
            harness, repos, text="don't message me after 9pm", verified_as="ann@example.com"
        )
        stop = await handler_context(harness, repos, text="stop review requests")
    assert handler.order_need(anonymous).value == "required"
    assert handler.order_need(known).value == "none"
    assert handler.order_need(stop).value == "none"


async def test_stop_writes_identity_and_customer(harness: Harness) -> None:
    async with harness.store.transaction() as repos:
        ctx = await handler_context(
            harness, repos, payload="prefs:stop:delays", verified_as="bob@example.com"
        )
        outcome = await NotificationPreferencesHandler().handle(ctx)
        identity = await repos.identities.by_id(identity_id=ctx.identity_id)
        prefs = await repos.preferences.get(customer_id=ctx.customer_id)
    assert outcome.replies[0].text == "Done: no more delay alerts."
    assert identity is not None and identity.opted_out_categories == ["delays"]
    assert prefs is not None and prefs.opted_out_categories == ["delays"]


def test_the_emails_answer_and_the_newsletter_article_agree() -> None:
    body = " ".join(shared_knowledge().base.by_id(NEWSLETTER_ARTICLE).body.split())
    assert 'Open any newsletter email and choose "Unsubscribe" at the bottom.' in body
    assert 'switch the newsletter off under "Email preferences"' in body
    assert "unsubscribing from the newsletter does not stop them" in body
    assert 'choose "Unsubscribe" at the bottom of any newsletter email' in EMAILS_TEXT
    assert 'under "Email preferences"' in EMAILS_TEXT


def test_what_the_updates_are_is_said_as_the_notification_settings_article_says() -> None:
    body = " ".join(shared_knowledge().base.by_id(NOTIFICATIONS_ARTICLE).body.split())
    assert WHAT_UPDATES_ARE in body
