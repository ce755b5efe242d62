"""Values a chat platform sends that are longer than their column are cut to fit, on both databases."""

from __future__ import annotations

from storage.repositories.conversations import TranscriptLine
from storage.repositories.customers import MAX_NAME_CHARS, MAX_PAYLOAD_CHARS
from storage.store import Store


async def test_a_long_display_name_payload_and_author_are_cut_to_their_columns(store: Store) -> None:
    name = "Ann " + "x" * 5000
    async with store.transaction() as repos:
        identity, conversation = await repos.conversations.open_chat(
            channel="whatsapp", external_id="15550123", display_name=name
        )
        other = await repos.identities.get_or_create(channel="telegram", external_id="42", display_name=name)
        await repos.transcript.add_many(
            [TranscriptLine(conversation.id, "in", "hi", payload="p" * 300, author=name, intent="greeting")]
        )
    async with store.transaction() as repos:
        stored = await repos.identities.get(channel="whatsapp", external_id="15550123")
        lines = await repos.transcript.recent(conversation_id=conversation.id)
    assert stored is not None and stored.display_name == name[:MAX_NAME_CHARS]
    assert other.display_name == name[:MAX_NAME_CHARS]
    assert [(line.text, line.payload, line.author) for line in lines] == [
        ("hi", "p" * MAX_PAYLOAD_CHARS, name[:MAX_NAME_CHARS])
    ]
    assert identity.id == stored.id
