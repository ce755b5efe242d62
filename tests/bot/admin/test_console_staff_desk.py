"""The console's inbox is a staff desk: with a login configured, a shopper who asks for a person gets a
handoff even without Slack; without a login (or without the console) the bot says nobody can reply."""

from __future__ import annotations

from typing import Any

from bot.engine.feature import conversation_feature
from tests.bot.admin.conftest import ANN_CHAT, ConsoleServer, StartConsole
from tests.bot.conftest import test_settings

NO_STAFF = "nobody from our support team can reply in this chat"


async def test_with_a_console_login_asking_for_a_person_opens_a_handoff(start_console: StartConsole) -> None:
    server = await start_console(seed=False, api_token=None)  # the admin password alone is a login
    [reply] = await server.shopper_says(ANN_CHAT, "agent", "m1")
    assert "I've passed our conversation to the support team." in reply
    assert NO_STAFF not in reply
    assert len(await server.open_handoffs()) == 1


async def test_a_console_nobody_can_log_in_to_is_no_staff_desk(start_console: StartConsole) -> None:
    server = await start_console(
        seed=False, admin_password=None, api_token=None, support_email="help@shop.test"
    )
    [reply] = await server.shopper_says(ANN_CHAT, "agent", "m1")
    assert NO_STAFF in reply and "help@shop.test" in reply
    assert await server.open_handoffs() == []


async def test_an_api_token_without_the_console_mounted_is_no_staff_desk(
    sqlite_url: str, make_client: Any
) -> None:
    client = await make_client(test_settings(sqlite_url), [conversation_feature])
    response = await client.post("/api/chat", json={"user_id": "web:1", "text": "agent"})
    [reply] = (await response.json())["replies"]
    assert NO_STAFF in reply["text"]


async def test_the_seeded_console_has_both_handoffs(console: ConsoleServer) -> None:
    assert [h.reason for h in await console.open_handoffs()] == [
        "Shopper asked for a person about order #1001 (after: order status)",
        "Shopper asked for a person",
    ]
