"""The web chat sender stores before it delivers, and refuses recipients that are not web visitors
(real SQLite store, no page open)."""

from __future__ import annotations

import pytest

from bot.channels.base import PermanentFailure
from bot.channels.webchat.hub import WebChatHub, WebChatSender
from bot.channels.webchat.mailbox import Mailbox
from bot.channels.webchat.protocol import reply_frame
from bot.clock import FakeClock
from handlers.messages import Reply
from storage.repositories.webchat import MailboxPosition
from storage.store import Store
from tests.bot.channels.conftest import NOW

ANN = "ann-visitor-0000000001"


@pytest.fixture
def hub(sqlite_store: Store) -> WebChatHub:
    return WebChatHub(Mailbox(sqlite_store, FakeClock(NOW)))


async def test_a_message_for_an_absent_visitor_is_stored_numbered_and_the_send_succeeds(
    hub: WebChatHub,
) -> None:
    sender = WebChatSender(hub)
    assert sender.channel == "web"
    first = await sender.send(f"web:{ANN}", Reply("Your parcel is out for delivery."))
    second = await sender.send(f"web:{ANN}", Reply("It was delivered."))
    stored = await hub.mailbox.after(ANN, 0, limit=10)
    assert [s.frame for s in stored] == [
        reply_frame(Reply("Your parcel is out for delivery."), pushed=True),
        reply_frame(Reply("It was delivered."), pushed=True),
    ]
    assert [s.seq for s in stored] == [1, 2]
    assert (first.provider_message_id, second.provider_message_id) == tuple(f"web-{s.id}" for s in stored)
    assert not hub.is_online(ANN)


@pytest.mark.parametrize("recipient", [ANN, f"telegram:{ANN}", "web:", "web:../../etc"])
async def test_sender_refuses_a_recipient_that_is_not_a_web_visitor(hub: WebChatHub, recipient: str) -> None:
    with pytest.raises(PermanentFailure):
        await WebChatSender(hub).send(recipient, Reply("hi"))
    assert await hub.mailbox.position(ANN) == MailboxPosition()
    assert await hub.mailbox.after("../../etc", 0, limit=10) == []
