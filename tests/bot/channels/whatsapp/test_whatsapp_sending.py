"""Replies to WhatsApp under pressure: throughput and pair-rate errors, 5xx, blocked numbers, pacing."""

from __future__ import annotations

import asyncio
from collections import Counter

from handlers.support import with_disclosure
from tests.bot.channels.whatsapp.conftest import ANN, ServerFactory
from tests.fakes.whatsapp import FakeWhatsApp

GREETING_START = with_disclosure("Hi! I can track your order")


async def test_throughput_error_is_waited_out_and_sent_once(whatsapp_server: ServerFactory) -> None:
    wa = await whatsapp_server()
    wa.fake.fail_next("interactive", code=130429, count=2)
    await wa.say(ANN, "hi")
    calls = [c for c in wa.fake.calls if c.method.startswith("interactive")]
    assert [c.status for c in calls] == [400, 400, 200]
    assert calls[2].at - calls[0].at >= 1.9  # the number paused a second each time
    assert len(wa.fake.messages_to(ANN)) == 1


async def test_http_429_and_5xx_are_retried_and_sent_once(whatsapp_server: ServerFactory) -> None:
    wa = await whatsapp_server()
    wa.fake.fail_next("interactive", status=429)
    wa.fake.fail_next("interactive", status=502)
    await wa.say(ANN, "hi")
    assert [c.status for c in wa.fake.calls if c.method.startswith("interactive")] == [429, 502, 200]
    assert wa.texts(ANN)[0].startswith(GREETING_START[:20])
    assert len(wa.fake.messages_to(ANN)) == 1


async def test_blocked_number_is_marked_unreachable_and_not_retried(whatsapp_server: ServerFactory) -> None:
    wa = await whatsapp_server()
    await wa.say(ANN, "hi")
    wa.fake.block(ANN)
    await wa.say(ANN, "where is my order?")
    identity = await wa.identity(ANN)
    assert identity is not None and identity.unreachable
    assert "131026" in (identity.unreachable_reason or "")
    assert [c.status for c in wa.fake.calls if c.method not in ("read", "typing")] == [200, 400]
    # writing again makes the number reachable again (the engine clears it)
    wa.fake.blocked.clear()
    await wa.say(ANN, "hello again")
    identity = await wa.identity(ANN)
    assert identity is not None and not identity.unreachable


async def test_replies_keep_to_the_numbers_throughput(
    whatsapp_server: ServerFactory, fake_whatsapp: FakeWhatsApp
) -> None:
    # Meta allows 8 messages a second here; doorstep is told the same and must never be refused
    fake_whatsapp.limit_throughput(8.0)
    wa = await whatsapp_server(whatsapp_send_rate=8.0)
    shoppers = [f"1555020{n:02d}" for n in range(12)]

    async def shopper(wa_id: str) -> None:
        await wa.say(wa_id, "hi")
        await wa.say(wa_id, "where is my order?")

    await asyncio.gather(*(shopper(wa_id) for wa_id in shoppers))

    assert wa.fake.throttled_count == 0
    delivered = Counter((m.to, m.text) for m in wa.fake.sent)
    assert set(delivered.values()) == {1}
    for wa_id in shoppers:
        texts = wa.texts(wa_id)
        assert len(texts) == 2, (wa_id, texts)
        assert texts[1].startswith("Let me look that up for you.")


async def test_pair_rate_error_is_retried_with_backoff(whatsapp_server: ServerFactory) -> None:
    wa = await whatsapp_server()
    wa.fake.fail_next("interactive", code=131056)
    await wa.say(ANN, "hi")
    calls = [c for c in wa.fake.calls if c.method.startswith("interactive")]
    assert [c.status for c in calls] == [400, 200]
    assert calls[1].at - calls[0].at >= 0.45  # backed off, this shopper only
    assert len(wa.fake.messages_to(ANN)) == 1
