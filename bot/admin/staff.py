"""What the console's forms and the handoff API share: the statuses one can list, the words for each
outcome of a staff action, and the once-only key of a reply (a double click or a replay sends once)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from bot.handoffs.service import ChangeOutcome, HandoffService, ReplyOutcome, ReplyResult
from storage.store import Store

#: ``?status=`` of the list: ``open`` is every handoff still with staff (open or claimed)
STATUS_FILTERS: dict[str, tuple[str, ...]] = {
    "open": ("open", "claimed"),
    "claimed": ("claimed",),
    "resolved": ("resolved",),
    "returned": ("returned",),
    "all": ("open", "claimed", "resolved", "returned"),
}
#: inbox source of the once-only keys of staff replies sent from the console or the API
REPLY_KEY_SOURCE = "staff:reply"
#: longest reply and agent name accepted
MAX_TEXT_CHARS = 4000
MAX_AGENT_CHARS = 60
#: the desks of the handoff service
CONSOLE_DESK = "console"
API_DESK = "api"


@dataclass(frozen=True, slots=True)
class Verdict:
    """An HTTP status and a sentence for the outcome of a staff action."""

    status: int
    message: str

    @property
    def ok(self) -> bool:
        """Whether the action was done."""
        return self.status < 400


def reply_verdict(outcome: ReplyOutcome, channel: str) -> Verdict:
    """What a reply came to, as a status and words for staff."""
    handoff_id = outcome.handoff.id
    if outcome.result is ReplyResult.SENT:
        return Verdict(200, "Reply sent to the shopper.")
    if outcome.result is ReplyResult.NOTE:
        return Verdict(200, "Internal note kept (not sent to the shopper).")
    if outcome.result is ReplyResult.NOT_OPEN:
        return Verdict(409, f"Handoff #{handoff_id} is {outcome.handoff.status}: the reply was not sent.")
    if outcome.result is ReplyResult.EMPTY:
        return Verdict(400, "The reply is empty.")
    return Verdict(502, f"The reply could not be delivered to the shopper's {channel} chat; it was not sent.")


_DONE = {"claimed": "Claimed", "resolved": "Resolved", "returned": "Given back to the bot"}


async def change(
    service: HandoffService, handoff_id: int, status: str, *, agent: str, desk: str
) -> ChangeOutcome:
    """Claim (``claimed``), resolve (``resolved``) or release (``returned``) the handoff from ``desk``."""
    if status == "claimed":
        return await service.claim(handoff_id, agent=agent, desk=desk)
    if status == "resolved":
        return await service.resolve(handoff_id, agent=agent, desk=desk)
    return await service.release(handoff_id, agent=agent, desk=desk)


def change_verdict(outcome: ChangeOutcome, status: str) -> Verdict:
    """What a claim / resolve / release came to (409 when the handoff had already moved on)."""
    handoff = outcome.handoff
    if outcome.changed:
        who = f" by {handoff.claimed_by}" if handoff.claimed_by and status == "claimed" else ""
        return Verdict(200, f"{_DONE[status]}{who}.")
    if handoff.status == "claimed" and status == "claimed":
        return Verdict(409, f"Handoff #{handoff.id} is already claimed by {handoff.claimed_by or 'someone'}.")
    return Verdict(409, f"Handoff #{handoff.id} is already {handoff.status}.")


def reply_key(handoff_id: int, key: str) -> str:
    """The inbox ``external_id`` of a reply's once-only key (hashed when long or unprintable)."""
    raw = f"{handoff_id}:{key}"
    if len(raw) <= 200 and raw.isascii() and raw.isprintable():
        return raw
    return "sha256:" + hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


async def first_use(store: Store, handoff_id: int, key: str) -> bool:
    """Record a reply's once-only key; False when it was used before (the reply is not sent again)."""
    async with store.transaction() as repos:
        return await repos.inbox.record(source=REPLY_KEY_SOURCE, external_id=reply_key(handoff_id, key))
