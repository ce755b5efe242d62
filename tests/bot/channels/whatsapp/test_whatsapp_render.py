"""Replies as WhatsApp messages (pure): splitting, reply buttons, lists, links in the text."""

from __future__ import annotations

import pytest

from bot.channels.base import PermanentFailure
from bot.channels.whatsapp.render import (
    MAX_INTERACTIVE_BODY,
    MAX_TEXT,
    Choice,
    Outgoing,
    render,
)
from bot.channels.whatsapp.wording import MORE_CHOICES_TEXT
from handlers.messages import Button, Link, Reply


def test_plain_text_is_one_message() -> None:
    assert render(Reply("Hello")) == [Outgoing("Hello")]


def test_long_text_is_split_between_paragraphs_at_4096() -> None:
    paragraphs = [f"Paragraph {n}: " + "x" * 1000 for n in range(9)]
    parts = render(Reply("\n\n".join(paragraphs)))
    assert len(parts) > 1
    assert all(len(part.text) <= MAX_TEXT for part in parts)
    assert "\n\n".join(part.text for part in parts) == "\n\n".join(paragraphs)
    assert all(part.text.startswith("Paragraph") for part in parts)


def test_links_go_in_the_text() -> None:
    [part] = render(
        Reply("Your parcel is on its way.", links=[Link("Track with UPS", "https://t.example/1")])
    )
    assert part.text == "Your parcel is on its way.\n\nTrack with UPS: https://t.example/1"


def test_up_to_three_short_buttons_are_reply_buttons() -> None:
    reply = Reply("Updates here?", buttons=[Button("Yes", "y"), Button("No, thanks", "n")])
    assert render(reply) == [
        Outgoing("Updates here?", buttons=(Choice("Yes", "y"), Choice("No, thanks", "n")))
    ]


@pytest.mark.parametrize(
    "buttons",
    [
        [Button(f"Choice {n}", f"c{n}") for n in range(4)],  # more than three
        [Button("A title longer than twenty", "long"), Button("Short", "s")],  # a long title
        [Button("Same", "a"), Button("Same", "b")],  # titles must be distinct
    ],
)
def test_other_buttons_become_a_list(buttons: list[Button]) -> None:
    [part] = render(Reply("Pick one", buttons=buttons))
    assert part.buttons == ()
    assert [row.payload for row in part.rows] == [b.payload for b in buttons]
    assert all(len(row.title) <= 24 for row in part.rows)


def test_a_cut_row_title_keeps_the_whole_title_in_its_description() -> None:
    [part] = render(
        Reply("Pick", buttons=[Button("Stop review requests please now", "r")] * 1 + [Button("x", "y")] * 0)
    )
    [row] = part.rows
    assert row.title == "Stop review requests pl…"
    assert row.description == "Stop review requests please now"


def test_more_than_ten_choices_make_a_second_list() -> None:
    buttons = [Button(f"Choice {n}", f"c{n}") for n in range(13)]
    first, second = render(Reply("Pick one", buttons=buttons))
    assert (first.text, len(first.rows)) == ("Pick one", 10)
    assert (second.text, [r.payload for r in second.rows]) == (MORE_CHOICES_TEXT, ["c10", "c11", "c12"])


def test_the_piece_with_buttons_fits_an_interactive_body() -> None:
    text = "\n".join(f"Line {n} " + "y" * 80 for n in range(30))  # about 2,600 characters
    parts = render(Reply(text, buttons=[Button("OK", "ok")]))
    assert parts[-1].buttons == (Choice("OK", "ok"),)
    assert len(parts[-1].text) <= MAX_INTERACTIVE_BODY
    assert all(not part.interactive for part in parts[:-1])
    assert "\n".join(part.text for part in parts) == text


def test_buttons_without_text_get_a_body() -> None:
    [part] = render(Reply("", buttons=[Button("OK", "ok")]))
    assert part.text and part.buttons


def test_a_payload_too_long_for_whatsapp_is_refused() -> None:
    with pytest.raises(PermanentFailure):
        render(Reply("x", buttons=[Button("OK", "p" * 300)]))
