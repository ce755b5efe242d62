"""Which chat identity of a customer gets a proactive message.

Only identities verified for the customer that accepted updates, are reachable, sit on a channel
that can push, and did not opt out of the message's category are eligible. The customer's
preferred identity comes first, then the others, oldest first.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from storage.models import ChannelIdentity, NotificationPreference

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
) -> RecipientChoice:
    """The identity to message for ``category``; ``exclude`` holds (channel, external id) pairs to skip."""
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
    chosen = reachable[0]
    return RecipientChoice(chosen, f"to {chosen.channel}")
