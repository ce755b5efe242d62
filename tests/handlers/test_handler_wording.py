"""Shared wording: agreement with several items, one link per URL, local dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

from handlers.messages import Link
from handlers.wording import agreement, distinct_links, local_date, status_words, your


def test_agreement_follows_items_quantities_and_plural_names() -> None:
    assert agreement([1]).be == "is" and agreement([1]).was == "was" and agreement([1]).it == "it"
    several = agreement([1, 1])
    assert (several.be, several.was, several.hasnt, several.it, several.its) == (
        "are",
        "were",
        "haven't",
        "them",
        "they're",
    )
    assert agreement([2]).plural
    assert agreement([1], ["CloudRun Running Shoes"]).plural
    assert not agreement([1], ["Stoneware Mug Set of 4"]).plural


def test_status_words_in_the_plural() -> None:
    assert status_words("in_transit") == "on its way"
    assert status_words("in_transit", plural=True) == "on their way"
    assert status_words("delivered", plural=True) == "delivered"


def test_distinct_links_drop_repeats_and_urls_already_in_the_text() -> None:
    links = [
        Link("Track with UPS", "https://t/1"),
        Link("Track it", "https://t/1"),
        Link("Help", "https://h/2"),
    ]
    assert distinct_links(links) == [Link("Track with UPS", "https://t/1"), Link("Help", "https://h/2")]
    assert distinct_links(links, "see https://h/2") == [Link("Track with UPS", "https://t/1")]


def test_local_date_is_the_shoppers_calendar_day() -> None:
    moment = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    assert local_date(moment, "America/New_York") == date(2026, 11, 23)
    assert local_date(moment, "Pacific/Auckland") == date(2026, 11, 24)
    assert local_date(moment, "Not/AZone") == date(2026, 11, 24)


def test_a_name_that_starts_with_an_article_stands_without_your() -> None:
    assert your("Kettle Pro 200") == "Your Kettle Pro 200"
    assert your("The Home Barista Book") == "The Home Barista Book"
    assert your("An Ode to Tea") == "An Ode to Tea"
    assert your("Theodore Lamp", capital=False) == "your Theodore Lamp"
