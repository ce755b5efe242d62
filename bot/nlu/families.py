"""Intent families: intents that lead to the same part of the bot.

"Where is it?" (``order_status``) and "it never came" (``delivery_problem``) both start from the order's
parcels; a return, a refund and the return policy are one conversation about returns. The classifier
decides on a family first (its intents' probabilities summed), then on the likeliest intent in it, so a
message torn between two close intents is not mistaken for one that is out of scope. ``bench/nlu``
reports accuracy per family beside exact accuracy.
"""

from __future__ import annotations

from storage.domain import Intent

FAMILIES: dict[Intent, str] = {
    Intent.ORDER_STATUS: "where is it",
    Intent.DELIVERY_PROBLEM: "where is it",
    Intent.RETURN_REQUEST: "returns and refunds",
    Intent.REFUND_STATUS: "returns and refunds",
    Intent.RETURN_POLICY: "returns and refunds",
    Intent.CANCEL_ORDER: "change or cancel",
    Intent.CHANGE_ORDER: "change or cancel",
    Intent.SETUP_HELP: "setup",
    Intent.HUMAN_AGENT: "a person",
    Intent.NOTIFICATION_PREFERENCES: "notifications",
    Intent.GREETING: "small talk",
    Intent.GOODBYE: "small talk",
    Intent.OUT_OF_SCOPE: "out of scope",
}


def decision_family(intent: Intent) -> str:
    """The group whose probabilities the classifier sums for ``intent``: its family, except that small talk
    is not summed (a greeting and a goodbye get different answers, and "somewhere nice" is neither)."""
    if intent in (Intent.GREETING, Intent.GOODBYE):
        return intent.value
    return FAMILIES.get(intent, intent.value)
