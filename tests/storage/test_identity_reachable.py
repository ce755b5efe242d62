"""A chat identity marked unreachable becomes reachable again."""

from __future__ import annotations

from sqlalchemy import text

from storage.store import Store


async def test_mark_reachable_clears_unreachable_and_reason(store: Store) -> None:
    async with store.transaction() as repos:
        identity = await repos.identities.get_or_create(channel="telegram", external_id="42")
        other = await repos.identities.get_or_create(channel="telegram", external_id="43")
        await repos.identities.mark_unreachable(identity_id=int(identity.id or 0), reason="blocked")
        await repos.identities.mark_unreachable(identity_id=int(other.id or 0), reason="blocked")
    async with store.transaction() as repos:
        await repos.identities.mark_reachable(identity_id=int(identity.id or 0))
    async with store.engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT external_id, unreachable, unreachable_reason FROM channel_identities ORDER BY id"
                )
            )
        ).all()
    assert [(r[0], bool(r[1]), r[2]) for r in rows] == [("42", False, None), ("43", True, "blocked")]
