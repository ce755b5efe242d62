"""Migration 0002: the transcript keeps staff replies (direction "staff") on every database."""

from __future__ import annotations

from storage.repositories.conversations import TranscriptLine
from storage.store import Store


async def test_staff_lines_are_stored_and_read_back(store: Store) -> None:
    async with store.transaction() as repos:
        conversation = await repos.conversations.get_or_create(channel="telegram", external_id="555")
        assert conversation.id is not None
        await repos.transcript.add_many(
            [
                TranscriptLine(conversation_id=conversation.id, direction="in", text="where is it?"),
                TranscriptLine(conversation_id=conversation.id, direction="staff", text="On it", author="Bo"),
            ]
        )
    async with store.transaction() as repos:
        lines = await repos.transcript.recent(conversation_id=conversation.id)

    assert [(line.direction, line.text, line.author) for line in lines] == [
        ("in", "where is it?", None),
        ("staff", "On it", "Bo"),
    ]
