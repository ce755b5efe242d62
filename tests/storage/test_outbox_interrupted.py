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
            ("dead-claimed", "telegram", NOW),
            ("dead-staff", "slack", NOW),
            ("alive", "telegram", NOW + timedelta(minutes=2)),
            ("waiting", "telegram", NOW + timedelta(hours=1)),
        ):
            await repos.outbox.enqueue(
                dedupe_key=key, kind="shipped", channel=channel, recipient="1", payload={}, scheduled_at=due
            )
    async with store.transaction() as repos:
        claimed = await repos.outbox.claim_due(now=NOW, worker="dead", limit=10)  # the three "dead..." rows
        started = [m.id for m in claimed if m.dedupe_key in ("dead", "dead-staff")]
        marked = await repos.outbox.mark_send_started(
            message_ids=started, at=NOW + timedelta(seconds=1), worker="dead"
        )
        assert marked == set(started)
    async with store.transaction() as repos:
        await repos.outbox.claim_due(
            now=NOW + timedelta(minutes=2), worker="alive", limit=10, lease=timedelta(minutes=5)
        )


async def test_only_expired_started_shopper_rows_are_recorded_sent_with_the_note(store: Store) -> None:
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
    # the staff row, and the row "dead" had claimed without beginning its send, are taken again
    assert sending == ["alive", "dead-claimed", "dead-staff"]
    async with store.transaction() as repos:
        retaken = await repos.outbox.claim_due(now=later, worker="next", limit=10)
    assert sorted(m.dedupe_key for m in retaken) == ["dead-claimed", "dead-staff"]
    assert {m.send_started_at for m in retaken} == {None}  # a new claim has not begun its send


async def test_a_row_taken_by_another_dispatcher_is_not_marked_for_the_first(store: Store) -> None:
    async with store.transaction() as repos:
        await repos.outbox.enqueue(
            dedupe_key="slow", kind="shipped", channel="telegram", recipient="1", payload={}, scheduled_at=NOW
        )
    async with store.transaction() as repos:
        [row] = await repos.outbox.claim_due(now=NOW, worker="slow", limit=10, lease=LEASE)
    async with store.transaction() as repos:  # "slow" waited past its lease: "fast" takes the row
        [again] = await repos.outbox.claim_due(now=NOW + LEASE * 2, worker="fast", limit=10, lease=LEASE)
    assert again.id == row.id
    async with store.transaction() as repos:
        assert await repos.outbox.mark_send_started(message_ids=[row.id], at=NOW, worker="slow") == set()
        assert await repos.outbox.mark_send_started(message_ids=[row.id], at=NOW, worker="fast") == {row.id}
