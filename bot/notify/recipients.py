"""Which chat identity of a customer gets a proactive message.

Only identities verified for the customer that accepted updates, are reachable, sit on a channel
that can push, and did not opt out of the message's category are eligible. The customer's
preferred identity comes first, then the others, oldest first.

A channel may also refuse a message for now (WhatsApp outside its 24-hour window with no template
for the kind): such an identity is skipped for the next one, and when every eligible identity
refuses, nobody is chosen and the choice says to wait (the message is held, not cancelled).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.channels.base import ProactiveSender
from bot.channels.senders import SenderRegistry
from storage.models import ChannelIdentity, NotificationPreference, OutboxMessage
from storage.repositories.snapshots import IdentityRow
from storage.store import Repositories

#: channels that only answer and cannot receive pushes (REST callers, the terminal) or are staff-only
NON_PUSH_CHANNELS = frozenset({"rest", "console", "slack"})
#: the reasons :func:`choose_recipient` gives when the customer has no chat to push to (yet); a
#: message held back for one of them may still go once the shopper links a chat
NO_CHAT_REASONS = frozenset(
    {"no verified chat identity", "no chat identity accepted updates", "unreachable on every channel"}
)


@dataclass(frozen=True, slots=True)
class RecipientChoice:
    """The chosen identity, or None with the reason nobody could be chosen."""

    identity: ChannelIdentity | None
    reason: str
    #: nobody was chosen only because every eligible identity refused the message for now
    waiting: bool = False


def _ordered(
    identities: Sequence[ChannelIdentity], preference: NotificationPreference | None
) -> list[ChannelIdentity]:
    preferred = preference.preferred_identity_id if preference is not None else None
    return sorted(identities, key=lambda i: (i.id != preferred, i.id or 0))


def choose_recipient(
    identities: Sequence[ChannelIdentity],
    preference: NotificationPreference | None,
    category: str,
    *,
    exclude: Collection[tuple[str, str]] = (),
    refused: Mapping[int, str] | None = None,
) -> RecipientChoice:
    """The identity to message for ``category``; ``exclude`` holds (channel, external id) pairs to skip,
    ``refused`` the identities (by id) whose channel cannot take the message now, with the reason."""
    candidates = [
        i
        for i in _ordered(identities, preference)
        if i.verified and i.channel not in NON_PUSH_CHANNELS and (i.channel, i.external_id) not in exclude
    ]
    if not candidates:
        return RecipientChoice(None, "no verified chat identity")
    subscribed = [i for i in candidates if i.accepted_updates]
    if not subscribed:
        return RecipientChoice(None, "no chat identity accepted updates")
    wanted = [i for i in subscribed if category not in (i.opted_out_categories or [])]
    if not wanted:
        return RecipientChoice(None, f"opted out of {category}")
    reachable = [i for i in wanted if not i.unreachable]
    if not reachable:
        return RecipientChoice(None, "unreachable on every channel")
    if refused:
        willing = [i for i in reachable if i.id not in refused]
        if not willing:
            return RecipientChoice(None, refused[int(reachable[0].id or 0)], waiting=True)
        reachable = willing
    chosen = reachable[0]
    return RecipientChoice(chosen, f"to {chosen.channel}")


async def refusals(
    repos: Repositories,
    senders: SenderRegistry | None,
    identities: Sequence[ChannelIdentity | IdentityRow],
    message: OutboxMessage,
    now: datetime,
) -> dict[int, str]:
    """Identity id -> why its channel cannot take ``message`` now, asked of every channel whose
    sender has such rules (:class:`~bot.channels.base.ProactiveSender`); empty when none refuses."""
    found: dict[int, str] = {}
    if senders is None:
        return found
    for identity in identities:
        sender = senders.get(identity.channel)
        if not isinstance(sender, ProactiveSender) or not identity.verified or identity.unreachable:
            continue
        reason = await sender.refusal(repos, identity, message, now)
        if reason is not None:
            found[int(identity.id or 0)] = reason
    return found
