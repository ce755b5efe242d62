"""Slack posts paced per channel for every process together (PostgreSQL): two processes' pacers."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator

import pytest

from bot.channels.slack.pacing import SHARED_PROVIDER, SharedChannelPacer, slack_limits
from bot.notify.ratelimit import SharedProviderPacer
from storage.pacing import SendPacingTable
from tests.conftest import new_pg_database

pytestmark = pytest.mark.postgres


@pytest.fixture
async def pacers(pg_admin_url: str, pg_template: str) -> AsyncIterator[list[SharedChannelPacer]]:
    url = await new_pg_database(pg_admin_url, pg_template)
    tables = [await SendPacingTable.open(url), await SendPacingTable.open(url)]
    try:
        yield [
            SharedChannelPacer(SharedProviderPacer(table, SHARED_PROVIDER, slack_limits(interval=0.2)))
            for table in tables
        ]
    finally:
        for table in tables:
            await table.close()


async def test_two_processes_post_to_one_channel_an_interval_apart(pacers: list[SharedChannelPacer]) -> None:
    posted: list[tuple[str, float]] = []

    async def post(pacer: SharedChannelPacer, channel: str) -> None:
        async with pacer.turn(channel):
            posted.append((channel, time.monotonic()))

    await asyncio.gather(*(post(pacers[n % 2], "C-SUPPORT") for n in range(4)), post(pacers[0], "C-OTHER"))
    support = sorted(at for channel, at in posted if channel == "C-SUPPORT")
    other = next(at for channel, at in posted if channel == "C-OTHER")
    assert min(b - a for a, b in itertools.pairwise(support)) >= 0.2 - 0.005
    assert other < support[1]  # another channel does not wait for this one


async def test_a_429_in_one_process_holds_the_other(pacers: list[SharedChannelPacer]) -> None:
    async with pacers[0].turn("C-SUPPORT"):
        pass
    pacers[0].hold("C-SUPPORT", 1.0)
    start = time.monotonic()
    await pacers[0].wait("C-SUPPORT")
    async with pacers[1].turn("C-OTHER"):  # the other process, another channel: held too
        held_for = time.monotonic() - start
    assert held_for >= 0.9
