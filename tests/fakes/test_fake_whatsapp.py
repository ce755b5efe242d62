"""FakeWhatsApp itself: it checks the shape of every messages call and answers Meta's errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.fakes.whatsapp import FakeWhatsApp

WA = "15550123"


@pytest.fixture
async def fake() -> AsyncIterator[FakeWhatsApp]:
    async with FakeWhatsApp() as server:
        server.last_inbound[WA] = server.clock()
        yield server


async def _post(
    fake: FakeWhatsApp, body: dict[str, Any], token: str | None = None
) -> tuple[int, dict[str, Any]]:
    url = f"{fake.base_url}/v26.0/{fake.phone_number_id}/messages"
    headers = {"Authorization": f"Bearer {token or fake.token}"}
    async with aiohttp.ClientSession() as session, session.post(url, json=body, headers=headers) as response:
        return response.status, await response.json()


def _text(body: str) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "to": WA, "type": "text", "text": {"body": body}}


def _buttons(*titles: str) -> dict[str, Any]:
    buttons = [{"type": "reply", "reply": {"id": f"id{n}", "title": t}} for n, t in enumerate(titles)]
    return {
        "messaging_product": "whatsapp",
        "to": WA,
        "type": "interactive",
        "interactive": {"type": "button", "body": {"text": "Pick"}, "action": {"buttons": buttons}},
    }


def _list(rows: int, title: str = "Row") -> dict[str, Any]:
    section = {"title": "Choices", "rows": [{"id": f"r{n}", "title": title} for n in range(rows)]}
    return {
        "messaging_product": "whatsapp",
        "to": WA,
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": "Pick"},
            "action": {"button": "Choose", "sections": [section]},
        },
    }


def _template(name: str, language: str, params: int) -> dict[str, Any]:
    parameters = [{"type": "text", "text": f"p{n}"} for n in range(params)]
    return {
        "messaging_product": "whatsapp",
        "to": WA,
        "type": "template",
        "template": {
            "name": name,
            "language": {"code": language},
            "components": [{"type": "body", "parameters": parameters}],
        },
    }


async def test_valid_calls_are_recorded_with_ids(fake: FakeWhatsApp) -> None:
    for body in (_text("hi"), _buttons("Yes", "No"), _list(10), _template("order_update", "en_US", 3)):
        status, answer = await _post(fake, body)
        assert status == 200, answer
        assert answer["messages"][0]["id"].startswith("wamid.")
    assert [m.kind for m in fake.sent] == ["text", "interactive.button", "interactive.list", "template"]


@pytest.mark.parametrize(
    "body",
    [
        _text(""),
        _text("x" * 4097),
        _buttons("A", "B", "C", "D"),
        _buttons("Twenty-one characters"),
        _buttons("Same", "Same"),
        _list(11),
        _list(2, title="A row title over 24 chars"),
        {"messaging_product": "whatsapp", "to": "not-a-number", "type": "text", "text": {"body": "x"}},
        {"messaging_product": "sms", "to": WA, "type": "text", "text": {"body": "x"}},
    ],
)
async def test_malformed_calls_are_refused_with_code_100(fake: FakeWhatsApp, body: dict[str, Any]) -> None:
    status, answer = await _post(fake, body)
    assert (status, answer["error"]["code"]) == (400, 100)
    assert fake.sent == []


async def test_meta_errors(fake: FakeWhatsApp) -> None:
    assert (await _post(fake, _template("nope", "en_US", 3)))[1]["error"]["code"] == 132001
    assert (await _post(fake, _template("order_update", "en_US", 2)))[1]["error"]["code"] == 132000
    assert (await _post(fake, _text("hi"), token="wrong"))[0] == 401
    fake.last_inbound.clear()
    assert (await _post(fake, _text("hi")))[1]["error"]["code"] == 131047  # outside the window
    fake.last_inbound[WA] = fake.clock()
    fake.block(WA)
    assert (await _post(fake, _text("hi")))[1]["error"]["code"] == 131026
    fake.blocked.clear()
    fake.fail_next("text", code=130429)
    fake.fail_next("text", status=429)
    fake.fail_next("*", status=503)
    assert [(await _post(fake, _text("hi")))[0] for _ in range(4)] == [400, 429, 503, 200]
    assert fake.throttled_count == 2
