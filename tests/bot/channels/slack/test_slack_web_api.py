"""SlackWebApi against FakeSlack: 429s waited out, per-channel pacing, errors translated, names cached."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.slack.errors import (
    SlackApiFailure,
    SlackAuthError,
    SlackNotFound,
    SlackRateLimited,
    SlackUnavailable,
)
from bot.channels.slack.pacing import ChannelPacer
from bot.channels.slack.web_api import SlackWebApi
from bot.clock import FakeClock, SystemClock
from tests.fakes.fixtures import FAKE_SLACK_TOKEN
from tests.fakes.slack import FakeSlack


async def test_429_with_retry_after_is_waited_out_and_posted_once(
    fake_slack: FakeSlack, slack_api: SlackWebApi
) -> None:
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=1)

    started = time.monotonic()
    posted = await slack_api.post_message("C0SUPPORT", "Handoff #1")
    waited = time.monotonic() - started

    calls = fake_slack.calls_to("chat.postMessage")
    assert [call.status for call in calls] == [429, 200]
    assert calls[1].at - calls[0].at >= 1.0
    assert waited >= 1.0
    assert [params["text"] for params in fake_slack.posted_messages()] == ["Handoff #1"]
    assert posted.channel == "C0SUPPORT"
    assert fake_slack.thread("C0SUPPORT", posted.ts)[0]["text"] == "Handoff #1"


async def test_gives_up_after_the_retry_budget_with_rate_limited(fake_slack: FakeSlack) -> None:
    client = AsyncWebClient(token=FAKE_SLACK_TOKEN, base_url=fake_slack.api_base_url)
    api = SlackWebApi(client, FakeClock(datetime(2026, 11, 22, tzinfo=UTC)), max_rate_limit_retries=2)
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=7, count=3)

    with pytest.raises(SlackRateLimited) as raised:
        await api.post_message("C1", "hello")

    assert raised.value.retry_after == 7.0
    assert len(fake_slack.calls_to("chat.postMessage")) == 3
    assert fake_slack.posted_messages() == []


async def test_posts_to_one_channel_are_spaced_so_slack_never_throttles() -> None:
    async with FakeSlack(token=FAKE_SLACK_TOKEN, rate_limit_per_channel=1.0) as fake:
        client = AsyncWebClient(token=FAKE_SLACK_TOKEN, base_url=fake.api_base_url)
        api = SlackWebApi(client, SystemClock())
        for n in range(3):
            await api.post_message("C1", f"line {n}")
        await api.post_message("C2", "other channel")

    assert fake.throttled_count == 0
    times = [call.at for call in fake.calls_to("chat.postMessage")]
    assert times[1] - times[0] >= 0.95 and times[2] - times[1] >= 0.95
    assert times[3] - times[2] < 0.5  # another channel does not wait
    assert [p["text"] for p in fake.posted_messages()] == ["line 0", "line 1", "line 2", "other channel"]


async def test_pacer_spaces_turns_on_the_injected_clock() -> None:
    clock = FakeClock(datetime(2026, 11, 22, 10, 0, tzinfo=UTC))
    pacer = ChannelPacer(clock, interval=1.0)
    seen: list[float] = []
    for _ in range(3):
        async with pacer.turn("C1"):
            seen.append(clock.now().timestamp())
    pacer.hold("C1", 5)
    async with pacer.turn("C1"):
        seen.append(clock.now().timestamp())

    start = seen[0]
    assert [round(t - start, 3) for t in seen] == [0.0, 1.0, 2.0, 7.0]


@pytest.mark.parametrize(
    ("status", "error", "expected"),
    [
        (200, "channel_not_found", SlackNotFound),
        (200, "invalid_auth", SlackAuthError),
        (200, "msg_too_long", SlackApiFailure),
        (500, None, SlackUnavailable),
        (503, None, SlackUnavailable),
    ],
)
async def test_slack_errors_are_translated(
    fake_slack: FakeSlack, slack_api: SlackWebApi, status: int, error: str | None, expected: type
) -> None:
    fake_slack.fail_next("chat.postMessage", status=status, error=error)

    with pytest.raises(expected) as raised:
        await slack_api.post_message("C1", "hi")

    assert type(raised.value) is expected
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


async def test_unreachable_slack_is_unavailable() -> None:
    async with FakeSlack(token=FAKE_SLACK_TOKEN) as fake:
        base_url = fake.api_base_url
    client = AsyncWebClient(token=FAKE_SLACK_TOKEN, base_url=base_url, retry_handlers=[])
    api = SlackWebApi(client, SystemClock())

    with pytest.raises(SlackUnavailable):
        await api.post_message("C1", "hi")


async def test_agent_names_come_from_users_info_once(fake_slack: FakeSlack, slack_api: SlackWebApi) -> None:
    fake_slack.add_user("U0STAFF", "Bo Staff", display_name="Bo")
    fake_slack.add_user("U0ANON", "Cy Real", display_name="")

    names = [await slack_api.user_name("U0STAFF"), await slack_api.user_name("U0STAFF")]
    names.append(await slack_api.user_name("U0ANON"))

    assert names == ["Bo", "Bo", "Cy Real"]
    assert [call.params["user"] for call in fake_slack.calls_to("users.info")] == ["U0STAFF", "U0ANON"]


async def test_update_message_replaces_text_and_blocks(fake_slack: FakeSlack, slack_api: SlackWebApi) -> None:
    posted = await slack_api.post_message("C1", "Waiting")
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "Claimed by Bo"}}]

    await slack_api.update_message(posted.channel, posted.ts, "Claimed", blocks=blocks)

    stored = fake_slack.thread("C1", posted.ts)[0]
    assert (stored["text"], stored["blocks"]) == ("Claimed", blocks)
