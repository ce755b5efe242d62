"""``POST /api/chat``: the REST chat channel over real HTTP, with the real engine."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.app_keys import STORE
from bot.channels.rest import BadChatRequest, ChatRateLimiter, parse_chat_body
from bot.clock import FakeClock
from bot.engine.feature import ENGINE, SEARCH_INDEX, conversation_feature
from handlers.support import DEFAULT_DISCLOSURE, with_disclosure
from tests.bot.conftest import ClientFactory, test_settings
from tests.handlers.conversation_kit import NOW, shop_template

__all__ = ["shop_template"]

from datetime import timedelta

import pytest


@pytest.fixture
def shop_url(shop_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "shop.db"
    shutil.copyfile(shop_template, path)
    return f"sqlite+aiosqlite:///{path}"


async def test_a_conversation_over_http(make_client: ClientFactory, shop_url: str) -> None:
    client = await make_client(test_settings(shop_url), features=[conversation_feature])
    assert ENGINE in client.app and SEARCH_INDEX in client.app
    first = await client.post("/api/chat", json={"user_id": "web:abc", "text": "where is my order 1001"})
    assert first.status == 200
    body = await first.json()
    assert body["intent"] == "order_status"
    # the first reply of the conversation says an automated assistant answers, and how to reach a person
    assert body["replies"][0]["text"].startswith(with_disclosure("Thanks! To keep your order details safe"))
    assert body["replies"][0]["buttons"] == []
    assert isinstance(body["conversation_id"], str) and body["conversation_id"].isdigit()
    second = await client.post("/api/chat", json={"user_id": "web:abc", "text": "ann@example.com"})
    reply = (await second.json())["replies"][0]
    assert "Kettle Pro 200 (order #1001)" in reply["text"]
    assert DEFAULT_DISCLOSURE not in reply["text"]
    assert reply["links"] == [
        {"title": "Track with UPS", "url": "https://track.example.test/1Z999AA10000001001"}
    ]
    pressed = await client.post("/api/chat", json={"user_id": "web:abc", "payload": "intent:greeting"})
    buttons = (await pressed.json())["replies"][0]["buttons"]
    assert {"title": "Where is my order?", "payload": "intent:order_status"} in buttons


async def test_bad_requests_get_a_reason(make_client: ClientFactory, shop_url: str) -> None:
    client = await make_client(test_settings(shop_url), features=[conversation_feature])
    cases = [
        (b"{not json", "body must be JSON"),
        (b"[1, 2]", "body must be a JSON object"),
        (b'{"text": "hi"}', "user_id is required"),
        (b'{"user_id": "web:a"}', "send text or a payload"),
        (b'{"user_id": "web:a", "text": 5}', "text must be a string"),
        (
            ('{"user_id": "web:a", "text": "' + "x" * 2001 + '"}').encode(),
            "text is too long (at most 2000 characters)",
        ),
        (('{"user_id": "' + "u" * 129 + '", "text": "hi"}').encode(), "user_id is too long"),
    ]
    for raw, reason in cases:
        response = await client.post("/api/chat", data=raw, headers={"Content-Type": "application/json"})
        assert response.status == 400, raw
        assert reason in (await response.json())["error"], raw


async def test_duplicate_message_id_answers_no_replies(make_client: ClientFactory, shop_url: str) -> None:
    client = await make_client(test_settings(shop_url), features=[conversation_feature])
    body = {"user_id": "web:dup", "text": "hi", "message_id": "m-1"}
    first = await (await client.post("/api/chat", json=body)).json()
    again = await (await client.post("/api/chat", json=body)).json()
    assert first["replies"] and "duplicate" not in first
    assert again == {
        "replies": [],
        "intent": None,
        "conversation_id": first["conversation_id"],
        "duplicate": True,
    }


async def test_each_user_is_rate_limited(make_client: ClientFactory, shop_url: str) -> None:
    client = await make_client(
        test_settings(shop_url, chat_rate_limit_per_minute=2), features=[conversation_feature]
    )
    for _ in range(2):
        assert (await client.post("/api/chat", json={"user_id": "web:fast", "text": "hi"})).status == 200
    limited = await client.post("/api/chat", json={"user_id": "web:fast", "text": "hi"})
    assert limited.status == 429
    body = await limited.json()
    assert body["error"].startswith("You're sending messages a little too fast")
    assert 1 <= body["retry_after"] <= 60 and limited.headers["Retry-After"] == str(body["retry_after"])
    other = await client.post("/api/chat", json={"user_id": "web:calm", "text": "hi"})
    assert other.status == 200


def test_rate_limiter_allows_a_burst_then_one_message_per_interval() -> None:
    clock = FakeClock(NOW)
    limiter = ChatRateLimiter(2, clock)  # a burst of two, then one every 30 seconds
    assert limiter.retry_after("u") is None
    assert limiter.retry_after("u") is None
    assert limiter.retry_after("u") == pytest.approx(30.0)
    assert limiter.retry_after("u") == pytest.approx(30.0)  # a refused message is not counted
    clock.advance(timedelta(seconds=10))
    assert limiter.retry_after("u") == pytest.approx(20.0)
    clock.advance(timedelta(seconds=20))
    assert limiter.retry_after("u") is None
    assert limiter.retry_after("u") == pytest.approx(30.0)
    assert limiter.retry_after("other") is None  # each user has their own allowance
    clock.advance(timedelta(minutes=5))  # a quiet spell gives the whole burst back, no more
    assert [limiter.retry_after("u") for _ in range(3)] == [None, None, pytest.approx(30.0)]


def test_rate_limiter_forgets_idle_users_and_stays_bounded() -> None:
    clock = FakeClock(NOW)
    limiter = ChatRateLimiter(2, clock, max_users=1000)
    for user in range(400):
        assert limiter.retry_after(f"web:{user}") is None
    assert limiter.retry_after("web:0") is None and limiter.retry_after("web:0") == pytest.approx(30.0)
    clock.advance(timedelta(seconds=61))
    for user in range(400, 800):
        assert limiter.retry_after(f"web:{user}") is None
    assert len(limiter) == 800
    assert limiter.retry_after("web:400") is None  # a recent user keeps their count
    assert limiter.retry_after("web:400") == pytest.approx(30.0)
    clock.advance(timedelta(seconds=61))
    assert limiter.retry_after("web:new") is None
    assert len(limiter) == 401  # the first 400, idle for two minutes, are forgotten
    for user in range(1000, 6000):  # a flood of fresh ids: the table never grows past its bound
        assert limiter.retry_after(f"web:{user}") is None
        assert len(limiter) <= 1000
    assert limiter.retry_after("web:5999") is None
    assert limiter.retry_after("web:5999") == pytest.approx(30.0)


def test_parse_chat_body_reads_every_field() -> None:
    user, message = parse_chat_body(
        b'{"user_id": "web:1", "payload": "order:1001", "message_id": "m9", "link_token": "tok"}', NOW
    )
    assert user == "web:1"
    assert (
        message.channel,
        message.external_id,
        message.payload,
        message.message_id,
        message.link_token,
    ) == ("rest", "web:1", "order:1001", "m9", "tok")
    assert message.received_at == NOW
    with pytest.raises(BadChatRequest, match="payload is too long"):
        parse_chat_body(('{"user_id": "u", "payload": "' + "p" * 201 + '"}').encode())


async def test_hostile_json_gets_a_400_with_the_reason_never_a_500(
    make_client: ClientFactory, shop_url: str
) -> None:
    client = await make_client(test_settings(shop_url), features=[conversation_feature])
    cases = [
        (b'{"user_id": "web:a", "text": ' + b"[" * 20_000 + b"]" * 20_000 + b"}", "JSON nested too deeply"),
        (b'{"user_id": "web:a", "text": "hi", "n": ' + b"9" * 5000 + b"}", "a number is out of range"),
        (b'{"user_id": "web:a", "text": "hi", "n": 1e999}', "a number is out of range"),
    ]
    for raw, reason in cases:
        response = await client.post("/api/chat", data=raw, headers={"Content-Type": "application/json"})
        assert response.status == 400, raw[:60]
        assert reason in (await response.json())["error"]


async def test_half_an_emoji_is_answered_and_stored_as_a_replacement_character(
    make_client: ClientFactory, shop_url: str
) -> None:
    client = await make_client(test_settings(shop_url), features=[conversation_feature])
    raw = b'{"user_id": "web:emoji\\ud83d", "text": "where is my order \\ud83d\\u0000"}'
    response = await client.post("/api/chat", data=raw, headers={"Content-Type": "application/json"})
    assert response.status == 200
    body = await response.json()
    assert body["intent"] == "order_status" and body["replies"]
    async with client.app[STORE].transaction() as repos:
        lines = await repos.transcript.recent(conversation_id=int(body["conversation_id"]))
    assert lines[0].text == "where is my order \ufffd\ufffd"
    assert lines[0].direction == "in"
