"""OutboxRepository.settle_interrupted on SQLite and PostgreSQL: what a stopped worker was sending."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.store import Store

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)
NOTE = "delivery unconfirmed: the process stopped during the send"


async def _rows(store: Store) -> None:
    async with store.transaction() as repos:
        for key, channel, due in (
            ("dead", "telegram", NOW),
            ("dead-staff", "slack", NOW),
            ("alive", "telegram", NOW + timedelta(minutes=2)),
            ("waiting", "telegram", NOW + timedelta(hours=1)),
        ):
            await repos.outbox.enqueue(
                dedupe_key=key, kind="shipped", channel=channel, recipient="1", payload={}, scheduled_at=due
            )
    async with store.transaction() as repos:
        await repos.outbox.claim_due(now=NOW, worker="dead", limit=10)  # takes "dead" and "dead-staff"
    async with store.transaction() as repos:
        await repos.outbox.claim_due(
            now=NOW + timedelta(minutes=2), worker="alive", limit=10, lease=timedelta(minutes=5)
        )


async def test_only_expired_shopper_rows_are_recorded_sent_with_the_note(store: Store) -> None:
    await _rows(store)
    later = NOW + timedelta(minutes=2, seconds=30)  # "dead"'s lease is over, "alive"'s is not
    async with store.transaction() as repos:
        settled = await repos.outbox.settle_interrupted(
            now=later, lease=LEASE, note=NOTE, except_channels=("slack",)
        )
        again = await repos.outbox.settle_interrupted(
            now=later, lease=LEASE, note=NOTE, except_channels=("slack",)
        )
        rows = {m.dedupe_key: m for m in await repos.outbox.by_status(status="sent")}
        sending = sorted(m.dedupe_key for m in await repos.outbox.by_status(status="sending"))

    assert [m.dedupe_key for m in settled] == ["dead"]
    assert again == []
    assert (rows["dead"].last_error, rows["dead"].sent_at, rows["dead"].claimed_by) == (NOTE, NOW, "dead")
    assert sending == ["alive", "dead-staff"]  # the staff row is taken again by claim_due
    async with store.transaction() as repos:
        retaken = await repos.outbox.claim_due(now=later, worker="next", limit=10)
    assert [m.dedupe_key for m in retaken] == ["dead-staff"]
