"""A shopper who had blocked the bot (identity marked unreachable) writes again."""

from __future__ import annotations

from sqlalchemy import text

from tests.handlers.conversation_kit import CHANNEL, DEFAULT_USER, Harness


async def _reachability(kit: Harness, external_id: str) -> tuple[bool, str | None]:
    async with kit.store.engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT unreachable, unreachable_reason FROM channel_identities"
                    " WHERE channel = :channel AND external_id = :external_id"
                ),
                {"channel": CHANNEL, "external_id": external_id},
            )
        ).one()
    return bool(row[0]), row[1]


async def test_incoming_message_clears_unreachable_identity(harness: Harness) -> None:
    await harness.send("hi")
    await harness.send("hi", user="someone-else")
    async with harness.store.transaction() as repos:
        for user in (DEFAULT_USER, "someone-else"):
            await repos.identities.mark_unreachable_by_external(
                channel=CHANNEL, external_id=user, reason="Forbidden: bot was blocked by the user"
            )
    assert await _reachability(harness, DEFAULT_USER) == (True, "Forbidden: bot was blocked by the user")

    result = await harness.send("hi")

    assert result.replies
    assert await _reachability(harness, DEFAULT_USER) == (False, None)
    assert await _reachability(harness, "someone-else") == (True, "Forbidden: bot was blocked by the user")
