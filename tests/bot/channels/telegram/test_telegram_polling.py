"""Polling mode keeps going through Bot API failures and confirms updates only once answered."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.bot.channels.telegram.conftest import ServerFactory
from tests.fakes.telegram import make_text_update

ANN = 5001


@pytest.mark.parametrize(("status", "retry_after"), [(502, 1), (429, 0.2)])
async def test_polling_survives_a_failed_get_updates(
    telegram_server: ServerFactory, status: int, retry_after: float
) -> None:
    tg = await telegram_server("polling")
    tg.fake.fail_next("getUpdates", status, retry_after=retry_after)
    await tg.send(make_text_update(ANN, "hi"))  # the poll in progress returns it; the next one fails
    await tg.send(make_text_update(ANN, "where is my order?"))

    assert len(tg.texts(ANN)) == 2
    assert status in [call.status for call in tg.fake.calls_to("getUpdates")]


async def test_updates_are_confirmed_only_once_answered(telegram_server: ServerFactory) -> None:
    tg = await telegram_server("polling")
    tg.fake.push_update(make_text_update(ANN, "hi"))
    tg.fake.push_update(make_text_update(ANN + 1, "hi"))
    deadline = time.monotonic() + 10
    while tg.fake.pending_updates:  # confirmed by the next getUpdates after the batch
        assert time.monotonic() < deadline, "updates never confirmed"
        await asyncio.sleep(0.001)
    # at the moment Telegram hears "next, please", both answers have been sent
    assert len(tg.texts(ANN)) == 1 and len(tg.texts(ANN + 1)) == 1
