"""The handoff API against the real app: what each call answers, what it writes, and what reaches the
shopper on Telegram (FakeTelegram) and what does not."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.handoffs.service import BACK_WITH_BOT_TEXT
from tests.bot.admin.conftest import ANN_CHAT, BOB_CHAT, ConsoleServer, StartConsole


async def call(server: ConsoleServer, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    """An API call with the bearer token; (status, JSON body)."""
    headers = {**server.bearer(), **kwargs.pop("headers", {})}
    response = await server.client.request(method, path, headers=headers, **kwargs)
    return response.status, await response.json()


async def transcript(server: ConsoleServer, conversation_id: int) -> list[tuple[str, str, str | None]]:
    async with server.store.transaction() as repos:
        lines = await repos.transcript.recent(conversation_id=conversation_id, limit=50)
    return [(line.direction, line.text, line.author) for line in lines]


def texts_to(server: ConsoleServer, chat: str) -> list[str]:
    return [m["text"] for m in server.telegram.sent_messages(chat)]


async def test_every_endpoint_needs_the_bearer_token(console: ConsoleServer) -> None:
    calls = [
        ("GET", "/api/handoffs"),
        ("GET", "/api/handoffs/1"),
        ("POST", "/api/handoffs/1/reply"),
        ("POST", "/api/handoffs/1/claim"),
        ("POST", "/api/handoffs/1/resolve"),
        ("POST", "/api/handoffs/1/release"),
    ]
    for method, path in calls:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}):
            response = await console.client.request(
                method, path, headers=headers, json={"text": "hi", "agent": "Eve"}
            )
            assert response.status == 401, (method, path, headers)
            assert "error" in await response.json()
    assert console.telegram.sent_messages() == []
    assert [h.status for h in await console.open_handoffs()] == ["open", "open"]


async def test_the_open_list_shows_order_context_and_transcript(console: ConsoleServer) -> None:
    status, body = await call(console, "GET", "/api/handoffs?status=open")
    assert status == 200
    ann, bob = body["handoffs"]
    assert ann["status"] == "open" and ann["channel"] == "telegram" and ann["verified"] is True
    assert ann["reason"] == "Shopper asked for a person about order #1001 (after: order status)"
    assert ann["order"]["number"] == "1001"
    assert ann["order"]["items"] == [{"sku": "KT-200", "name": "Kettle Pro 200", "quantity": 1}]
    assert ann["order"]["shipments"][0]["status"] == "in_transit"
    assert [line["text"] for line in ann["transcript"] if line["from"] == "shopper"][-1] == (
        "I want to talk to a human"
    )
    assert bob["order"] is None and bob["verified"] is False
    # no contact details in what the API shows
    assert "ann@example.com" not in str(body) and "555 0100" not in str(body)

    assert (await call(console, "GET", "/api/handoffs"))[1]["handoffs"] == body["handoffs"]
    status, body = await call(console, "GET", "/api/handoffs?status=resolved")
    assert (status, body["handoffs"]) == (200, [])
    status, body = await call(console, "GET", "/api/handoffs?status=closed")
    assert status == 400 and "status must be one of open, claimed, resolved, returned, all" in body["error"]
    status, body = await call(console, "GET", "/api/handoffs?limit=0")
    assert status == 400


async def test_an_unknown_handoff_is_404_everywhere(console: ConsoleServer) -> None:
    for handoff in ("999", "abc", "1.5", "-1", "99999999999999999999999"):
        assert (await call(console, "GET", f"/api/handoffs/{handoff}"))[0] == 404, handoff
        for action in ("reply", "claim", "resolve", "release"):
            status, body = await call(
                console, "POST", f"/api/handoffs/{handoff}/{action}", json={"text": "hi", "agent": "Maya"}
            )
            assert (status, body) == (404, {"error": "no such handoff"}), (handoff, action)
    assert console.telegram.sent_messages() == []


async def test_bad_bodies_get_a_reason(console: ConsoleServer) -> None:
    path = "/api/handoffs/1/reply"
    cases = [
        ({"data": b"{not json"}, "body must be a JSON object (malformed JSON"),
        ({"json": ["hi"]}, "body must be a JSON object"),
        ({"json": {"agent": "Maya"}}, "text is required"),
        ({"json": {"text": "   ", "agent": "Maya"}}, "text is required"),
        ({"json": {"text": "hi"}}, "agent is required"),
        ({"json": {"text": "hi", "agent": 7}}, "agent is required"),
        ({"json": {"text": "hi", "agent": "a\nb"}}, "agent must be one line"),
        ({"json": {"text": "x" * 4001, "agent": "Maya"}}, "text is too long"),
        (
            {"json": {"text": "hi", "agent": "Maya"}, "headers": {"Idempotency-Key": " "}},
            "Idempotency-Key must be",
        ),
    ]
    for kwargs, reason in cases:
        status, body = await call(console, "POST", path, **kwargs)
        assert status == 400, kwargs
        assert reason in body["error"], (kwargs, body)
    assert (await call(console, "POST", "/api/handoffs/1/claim", json={}))[0] == 400  # claim names its agent
    assert console.telegram.sent_messages() == []


async def test_a_reply_reaches_the_shopper_and_a_note_does_not(
    db_url: str, start_console: StartConsole
) -> None:
    server = await start_console(db=db_url)
    [ann, _] = await server.open_handoffs()

    status, body = await call(
        server,
        "POST",
        f"/api/handoffs/{ann.id}/reply",
        json={"text": "Hi Ann, I'm asking UPS now.", "agent": "Maya"},
    )
    assert (status, body["result"]) == (200, "sent")
    assert texts_to(server, ANN_CHAT) == ["Maya (support): Hi Ann, I'm asking UPS now."]

    status, body = await call(
        server,
        "POST",
        f"/api/handoffs/{ann.id}/reply",
        json={"text": "NOTE: UPS ticket 4471", "agent": "Maya"},
    )
    assert (status, body["result"]) == (200, "note")
    assert len(texts_to(server, ANN_CHAT)) == 1
    lines = await transcript(server, ann.conversation_id)
    assert lines[-2:] == [
        ("staff", "Hi Ann, I'm asking UPS now.", "Maya"),
        ("note", "UPS ticket 4471", "Maya"),
    ]
    _, shown = await call(server, "GET", f"/api/handoffs/{ann.id}")
    assert [(t["from"], t["author"], t["text"]) for t in shown["transcript"][-2:]] == [
        ("staff", "Maya", "Hi Ann, I'm asking UPS now."),
        ("note", "Maya", "UPS ticket 4471"),
    ]
    # the shopper's next message is not answered by the bot, and the note never reaches them
    replies = await server.shopper_says(ANN_CHAT, "thanks, waiting", "a9")
    assert replies == ["Thanks, I've passed that on. A person from our support team will reply right here."]


async def test_a_repeated_idempotency_key_sends_once(console: ConsoleServer) -> None:
    [ann, _] = await console.open_handoffs()
    body = {"text": "On it!", "agent": "Maya"}
    key = {"Idempotency-Key": "click-1"}
    first, second = await asyncio.gather(
        call(console, "POST", f"/api/handoffs/{ann.id}/reply", json=body, headers=key),
        call(console, "POST", f"/api/handoffs/{ann.id}/reply", json=body, headers=key),
    )
    assert sorted([first[0], second[0]]) == [200, 409]
    conflict = first if first[0] == 409 else second
    assert "Idempotency-Key was already used" in conflict[1]["error"]
    assert texts_to(console, ANN_CHAT) == ["Maya (support): On it!"]
    status, _ = await call(
        console, "POST", f"/api/handoffs/{ann.id}/reply", json=body, headers={"Idempotency-Key": "click-2"}
    )
    assert status == 200
    assert len(texts_to(console, ANN_CHAT)) == 2


async def test_claim_then_resolve_gives_the_shopper_back_to_the_bot(
    db_url: str, start_console: StartConsole
) -> None:
    server = await start_console(db=db_url)
    [ann, _] = await server.open_handoffs()
    base = f"/api/handoffs/{ann.id}"

    status, body = await call(server, "POST", f"{base}/claim", json={"agent": "Maya"})
    assert (status, body["status"]) == (200, "claimed")
    status, body = await call(server, "POST", f"{base}/claim", json={"agent": "Lee"})
    assert status == 409 and body["error"] == f"Handoff #{ann.id} is already claimed by Maya."

    status, body = await call(server, "POST", f"{base}/resolve")
    assert (status, body["status"]) == (200, "resolved")
    async with server.store.transaction() as repos:
        resolved = await repos.handoffs.get(handoff_id=ann.id)
        conversation = await repos.conversations.by_id(conversation_id=ann.conversation_id)
    assert (resolved.status, resolved.claimed_by) == ("resolved", "Maya")
    assert resolved.resolved_at is not None
    assert conversation.state == "idle"
    assert texts_to(server, ANN_CHAT) == [BACK_WITH_BOT_TEXT]
    assert (await transcript(server, ann.conversation_id))[-1] == ("out", BACK_WITH_BOT_TEXT, None)

    # again, or the other way out, or a late reply: 409 and nothing more reaches the shopper
    for action, payload in (
        ("resolve", None),
        ("release", None),
        ("reply", {"text": "one more thing", "agent": "Maya"}),
    ):
        status, body = await call(server, "POST", f"{base}/{action}", json=payload)
        assert status == 409, action
        assert "resolved" in body["error"]
    assert texts_to(server, ANN_CHAT) == [BACK_WITH_BOT_TEXT]

    replies = await server.shopper_says(ANN_CHAT, "where is my order 1001?", "a10")
    assert replies[0].startswith("Your Kettle Pro 200 (order #1001) is on its way.")
    assert [h.id for h in await server.open_handoffs()] != [ann.id]


async def test_release_returns_an_unclaimed_handoff_to_the_bot(console: ConsoleServer) -> None:
    [_, bob] = await console.open_handoffs()
    status, body = await call(console, "POST", f"/api/handoffs/{bob.id}/release", json={"agent": "Lee"})
    assert (status, body["status"], body["message"]) == (200, "returned", "Given back to the bot.")
    async with console.store.transaction() as repos:
        returned = await repos.handoffs.get(handoff_id=bob.id)
    assert (returned.status, returned.claimed_by) == ("returned", "Lee")
    assert texts_to(console, BOB_CHAT) == [BACK_WITH_BOT_TEXT]
    status, listed = await call(console, "GET", "/api/handoffs?status=returned")
    assert [h["id"] for h in listed["handoffs"]] == [bob.id]
    replies = await console.shopper_says(BOB_CHAT, "hello", "b9")
    assert replies and "passed that on" not in replies[0]


async def test_a_double_resolve_at_once_ends_the_handoff_once(console: ConsoleServer) -> None:
    [ann, _] = await console.open_handoffs()
    results = await asyncio.gather(
        *(call(console, "POST", f"/api/handoffs/{ann.id}/resolve", json={"agent": f"A{n}"}) for n in range(4))
    )
    assert sorted(status for status, _ in results) == [200, 409, 409, 409]
    assert texts_to(console, ANN_CHAT) == [BACK_WITH_BOT_TEXT]


async def test_a_reply_the_shopper_channel_refuses_is_a_502_and_not_recorded(console: ConsoleServer) -> None:
    [ann, _] = await console.open_handoffs()
    console.telegram.block_chat(ANN_CHAT)
    status, body = await call(
        console, "POST", f"/api/handoffs/{ann.id}/reply", json={"text": "Hello?", "agent": "Maya"}
    )
    assert status == 502
    assert (
        body["error"] == "The reply could not be delivered to the shopper's telegram chat; it was not sent."
    )
    assert ("staff", "Hello?", "Maya") not in await transcript(console, ann.conversation_id)
