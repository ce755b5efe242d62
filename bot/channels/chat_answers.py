"""What a chat channel (Telegram, WhatsApp) answers itself, without the engine.

Each answer is recorded in the engine's inbox (``chat:<channel>`` + the message id), so a
redelivered message is answered once. Files sent on their own go to the customer's open case
unless a handoff or a question is open (then the engine takes them); files the engine answered
are added to the open case too.
"""

from __future__ import annotations

from bot.engine.state import DialogueState
from handlers.messages import Attachment, IncomingMessage, Reply
from handlers.preference_requests import CATEGORIES
from storage.store import Store

ATTACHED_TO_CASE_TEXT = "Thanks, I've added your {what} to case #{case}. Our support team will see it."
ATTACHMENT_WITHOUT_CASE_TEXT = (
    "Thanks for the {what}. If something is wrong with an order, tell me what happened and I'll open "
    "a case; you can send the {what} again then."
)


def attachment_words(kinds: list[str]) -> str:
    """``photo``, ``document``, ``photos``, ``files``: how to name what was sent."""
    if len(kinds) == 1:
        return kinds[0]
    if set(kinds) == {"photo"}:
        return "photos"
    return "files"


class ChatAnswers:
    """The channel's own answers on ``channel``; with ``tag_files`` a file kept with a case names
    the channel it came from (its id is only meaningful there)."""

    def __init__(self, store: Store, channel: str, *, tag_files: bool = False) -> None:
        self._store = store
        self._channel = channel
        self._tag_files = tag_files
        self._source = f"chat:{channel}"

    async def first_time(self, message: IncomingMessage) -> bool:
        """Record ``message`` in the engine's inbox; False when it was recorded before (a redelivery)."""
        async with self._store.transaction() as repos:
            return await repos.inbox.record(source=self._source, external_id=str(message.message_id))

    async def stopped_everything(self, external_id: str) -> bool:
        """Whether the chat opted out of every category of proactive message."""
        async with self._store.transaction() as repos:
            identity = await repos.identities.get(channel=self._channel, external_id=external_id)
        return identity is not None and set(CATEGORIES) <= set(identity.opted_out_categories or [])

    async def route_attachments(self, message: IncomingMessage) -> list[Reply] | None:
        """Files sent on their own: the engine takes them when a handoff or a question is open,
        otherwise they go to the customer's open case here. None means "let the engine answer"."""
        what = attachment_words([a.kind for a in message.attachments])
        async with self._store.transaction() as repos:
            conversation = await repos.conversations.get(
                channel=self._channel, external_id=message.external_id
            )
            state = DialogueState.from_slots(conversation.slots if conversation is not None else None)
            if state.handoff_id is not None or state.busy:
                return None
            identity = await repos.identities.get(channel=self._channel, external_id=message.external_id)
            customer_id = identity.customer_id if identity is not None and identity.verified else None
            case = (
                await repos.cases.latest_open_for_customer(customer_id=customer_id)
                if customer_id is not None
                else None
            )
            if not await repos.inbox.record(source=self._source, external_id=str(message.message_id)):
                return []
            if case is None:
                return [Reply(ATTACHMENT_WITHOUT_CASE_TEXT.format(what=what))]
            for attachment in message.attachments:
                await repos.cases.attach(case_id=int(case.id or 0), attachment=self._record(attachment))
            return [Reply(ATTACHED_TO_CASE_TEXT.format(what=what, case=case.id))]

    async def add_to_open_case(self, message: IncomingMessage) -> None:
        """After the engine answered a message with files: make sure the open case has them too."""
        async with self._store.transaction() as repos:
            identity = await repos.identities.get(channel=self._channel, external_id=message.external_id)
            if identity is None or not identity.verified or identity.customer_id is None:
                return
            case = await repos.cases.latest_open_for_customer(customer_id=identity.customer_id)
            if case is None:
                return
            known = {str(item.get("file_id")) for item in case.attachments}
            for attachment in message.attachments:
                if attachment.file_id not in known:
                    await repos.cases.attach(case_id=int(case.id or 0), attachment=self._record(attachment))

    def _record(self, attachment: Attachment) -> dict[str, object]:
        record: dict[str, object] = {**attachment.as_record()}
        if self._tag_files:
            record["channel"] = self._channel
        return record
