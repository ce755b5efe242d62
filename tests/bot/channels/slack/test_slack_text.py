"""Slack text for shoppers: notes stay internal, mrkdwn becomes plain text."""

from __future__ import annotations

import pytest

from bot.channels.slack.text import is_internal_note, to_plain


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("note: customer sounds upset", True),
        ("  NOTE: check the warehouse", True),
        ("Note:refund approved", True),
        ("Your parcel is on its way, note: it may be late", False),
        ("notebook arrives tomorrow", False),
    ],
)
def test_internal_notes_start_with_note(text: str, note: bool) -> None:
    assert is_internal_note(text) is note


def test_links_mentions_and_entities_become_plain_text() -> None:
    text = (
        "Hi &amp; sorry! See <https://track.example.test/1001|your tracking> or <https://example.test/help>, "
        "mail <mailto:help@example.test|help@example.test>, ask <@U0STAFF|bo> &lt;3"
    )

    assert to_plain(text) == (
        "Hi & sorry! See your tracking (https://track.example.test/1001) or https://example.test/help, "
        "mail help@example.test, ask @bo <3"
    )
