"""The web chat hub's queues for absent visitors, and the sender's recipients."""

from __future__ import annotations

import pytest

from bot.channels.base import PermanentFailure
from bot.channels.webchat.hub import WebChatHub, WebChatSender
from bot.channels.webchat.protocol import reply_frame
from handlers.messages import Reply

ANN = "ann-visitor-0000000001"
BOB = "bob-visitor-0000000002"
CAT = "cat-visitor-0000000003"


async def test_replies_for_an_absent_visitor_wait_in_order_and_are_handed_over_once() -> None:
    hub = WebChatHub()
    assert await hub.deliver(ANN, {"n": 1}) is False
    assert await hub.deliver(ANN, {"n": 2}) is False
    assert hub.queued(ANN) == 2 and not hub.is_online(ANN)
    assert hub.attach(ANN, object()) == [{"n": 1}, {"n": 2}]  # type: ignore[arg-type]
    assert hub.queued(ANN) == 0


async def test_a_visitor_queue_keeps_the_newest_replies() -> None:
    hub = WebChatHub(queue_limit=3)
    for n in range(5):
        await hub.deliver(ANN, {"n": n})
    assert hub.queued(ANN) == 3
    assert hub.attach(ANN, object()) == [{"n": 2}, {"n": 3}, {"n": 4}]  # type: ignore[arg-type]


async def test_the_visitor_who_queued_least_recently_loses_their_queue() -> None:
    hub = WebChatHub(max_queued_visitors=2)
    await hub.deliver(ANN, {"n": 1})
    await hub.deliver(BOB, {"n": 2})
    await hub.deliver(ANN, {"n": 3})  # Ann is now the most recent
    await hub.deliver(CAT, {"n": 4})
    assert (hub.queued(ANN), hub.queued(BOB), hub.queued(CAT)) == (2, 0, 1)


async def test_sender_queues_for_an_absent_visitor_and_says_so() -> None:
    hub = WebChatHub()
    sender = WebChatSender(hub)
    assert sender.channel == "web"
    result = await sender.send(f"web:{ANN}", Reply("Your parcel is out for delivery."))
    assert result.provider_message_id == "web-queued-1"
    assert hub.attach(ANN, object()) == [  # type: ignore[arg-type]
        reply_frame(Reply("Your parcel is out for delivery."), pushed=True)
    ]


@pytest.mark.parametrize("recipient", [ANN, f"telegram:{ANN}", "web:", "web:../../etc"])
async def test_sender_refuses_a_recipient_that_is_not_a_web_visitor(recipient: str) -> None:
    hub = WebChatHub()
    with pytest.raises(PermanentFailure):
        await WebChatSender(hub).send(recipient, Reply("hi"))
    assert hub.queued(ANN) == 0
