"""Which intents and message kinds the report counts (docs/REPORT.md, "Definitions")."""

from __future__ import annotations

from handlers.journey.proposals import CATEGORY_OF_KIND, URGENT_KINDS, MessageKind

#: a conversation whose first substantive intent is one of these is a WISMO contact
#: (delivery-time questions, "when will it arrive?", are read as order_status)
WISMO_INTENTS: tuple[str, ...] = ("order_status",)
#: turns serving these are small talk (None: cancel, menu, an expired button)
SMALLTALK_INTENTS = frozenset({"greeting", "goodbye"})
#: turns serving these are fallbacks (human_agent counts as one only when no handoff opened)
FALLBACK_INTENTS = frozenset({"out_of_scope", "human_agent"})
#: flow steps reached after the answer (only offering more help): the shopper is not left mid-flow
ANSWERED_STEPS = frozenset({"followup"})

#: shopper-facing proactive message kinds (staff alerts and Slack posts are not proactive messages)
PROACTIVE_KINDS: tuple[str, ...] = tuple(kind.value for kind in MessageKind)
#: the kinds the per-order touch cap counts
NON_URGENT_KINDS: tuple[str, ...] = tuple(kind.value for kind in MessageKind if kind not in URGENT_KINDS)
#: messages that tell the shopper where the parcel is: they make a later contact "after proactive"
SHIPPING_NEWS_KINDS: tuple[str, ...] = tuple(
    kind.value for kind, category in CATEGORY_OF_KIND.items() if category in ("shipping_updates", "delays")
)
#: what the holdout group does not get: the non-urgent shipping updates
HOLDOUT_KINDS = (
    frozenset(kind for kind, category in CATEGORY_OF_KIND.items() if category == "shipping_updates")
    - URGENT_KINDS
)
