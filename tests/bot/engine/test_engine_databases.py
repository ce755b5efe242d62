"""The engine on both databases: a verified conversation, a duplicate, a lost race retried."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.engine.errors import ConcurrentUpdateError
from handlers.messages import IncomingMessage
from tests.handlers.conversation_kit import (
    CHANNEL,
    DEFAULT_USER,
    Harness,
    RacingHandler,
    engine_with,
    seed_shop,
    text_of,
)


@pytest.fixture
async def kit(db_url: str) -> AsyncIterator[Harness]:
    await seed_shop(db_url)
    harness = Harness(db_url)
    yield harness
    await harness.store.aclose()


async def test_conversation_duplicate_and_race(kit: Harness) -> None:
    await kit.send("where is my order 1001")
    verified = await kit.send("ann@example.com")
    assert "Your Kettle Pro 200 (order #1001) is on its way." in text_of(verified)
    first = await kit.send("thanks", message_id="same")
    again = await kit.send("thanks", message_id="same")
    assert not first.duplicate and again.duplicate and again.replies == []

    racing = RacingHandler(kit.url, races=1)
    result = await engine_with(kit, racing).handle(
        IncomingMessage(channel=CHANNEL, external_id=DEFAULT_USER, text="hi")
    )
    assert racing.calls == 2 and text_of(result) == "hello #2"
    with pytest.raises(ConcurrentUpdateError):
        await engine_with(kit, RacingHandler(kit.url, races=2)).handle(
            IncomingMessage(channel=CHANNEL, external_id=DEFAULT_USER, text="hi")
        )
