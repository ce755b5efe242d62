"""Dialogue state as stored on the conversation row (``state`` + JSON ``slots``).

The row's ``state`` column is a readable summary (``idle``, ``handoff``, ``verify.contact``,
``return_request.pick``); the ``slots`` JSON holds everything needed to continue after a
restart: the flow waiting for input, its step and data, a pending verification, the order
in context and the open handoff.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

IDLE = "idle"
HANDOFF = "handoff"


@dataclass(slots=True)
class PendingOrder:
    """An intent waiting for its order: which step of verification, and what was asked.

    ``text``/``payload``/``products`` keep the original message so the handler, once the order
    is known, answers the question the shopper actually asked.
    """

    intent: str
    step: str
    order_number: str | None = None
    text: str = ""
    payload: str | None = None
    #: ``[sku, name]`` pairs of the products the first message named
    products: list[list[str]] = field(default_factory=list)
    tries: int = 0
    #: an email or phone the shopper sent before the order number, checked once the number comes
    contact: str | None = None
    #: the tracking number was already offered as the alternative to a missing order number
    alternative_offered: bool = False

    def to_json(self) -> dict[str, Any]:
        """JSON form for the slots column."""
        return {
            "intent": self.intent,
            "step": self.step,
            "order_number": self.order_number,
            "text": self.text,
            "payload": self.payload,
            "products": [list(p) for p in self.products],
            "tries": self.tries,
            "contact": self.contact,
            "alternative_offered": self.alternative_offered,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PendingOrder:
        """Inverse of :meth:`to_json` (tolerates missing keys from older rows)."""
        return cls(
            intent=str(data.get("intent", "")),
            step=str(data.get("step", "order_number")),
            order_number=data.get("order_number"),
            text=str(data.get("text", "")),
            payload=data.get("payload"),
            products=[[str(v) for v in p] for p in data.get("products", []) if isinstance(p, list)],
            tries=int(data.get("tries", 0)),
            contact=data.get("contact"),
            alternative_offered=bool(data.get("alternative_offered", False)),
        )


@dataclass(slots=True)
class DialogueState:
    """Where one conversation stands."""

    flow: str | None = None
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    pending: PendingOrder | None = None
    order_number: str | None = None
    last_intent: str | None = None
    #: the help article the last answer quoted, for a follow-up question about it
    last_article: str | None = None
    handoff_id: int | None = None
    #: the conversation has been told it talks to an automated assistant (done once, on the first reply)
    disclosed: bool = False
    #: the last answer offered a person (a "Talk to a person" button): a plain "yes" takes the offer
    offered_person: bool = False
    #: the outbox id of the last proactive message whose order a reply took as its context
    taken_push: int | None = None
    #: ``[title, payload]`` of the last answer's buttons: a title typed instead of pressed is a press
    buttons: list[list[str]] = field(default_factory=list)

    @classmethod
    def from_slots(cls, slots: dict[str, Any] | None) -> DialogueState:
        """Read the state saved by :meth:`to_slots`."""
        slots = slots or {}
        pending = slots.get("pending")
        handoff = slots.get("handoff_id")
        return cls(
            flow=slots.get("flow"),
            step=slots.get("step"),
            data=dict(slots.get("data") or {}),
            pending=PendingOrder.from_json(pending) if isinstance(pending, dict) else None,
            order_number=slots.get("order"),
            last_intent=slots.get("last_intent"),
            last_article=slots.get("article"),
            handoff_id=int(handoff) if handoff is not None else None,
            disclosed=bool(slots.get("disclosed", False)),
            offered_person=bool(slots.get("offered_person", False)),
            taken_push=int(slots["push"]) if slots.get("push") is not None else None,
            buttons=[list(map(str, button)) for button in slots.get("buttons") or () if len(button) == 2],
        )

    def to_slots(self) -> dict[str, Any]:
        """The JSON written to the conversation's ``slots`` column."""
        slots: dict[str, Any] = {}
        if self.flow is not None:
            slots.update(flow=self.flow, step=self.step, data=self.data)
        if self.pending is not None:
            slots["pending"] = self.pending.to_json()
        if self.order_number is not None:
            slots["order"] = self.order_number
        if self.last_intent is not None:
            slots["last_intent"] = self.last_intent
        if self.last_article is not None:
            slots["article"] = self.last_article
        if self.handoff_id is not None:
            slots["handoff_id"] = self.handoff_id
        if self.disclosed:
            slots["disclosed"] = True
        if self.offered_person:
            slots["offered_person"] = True
        if self.taken_push is not None:
            slots["push"] = self.taken_push
        if self.buttons:
            slots["buttons"] = self.buttons
        return slots

    @property
    def name(self) -> str:
        """The readable summary stored in the ``state`` column."""
        if self.handoff_id is not None:
            return HANDOFF
        if self.pending is not None:
            return f"verify.{self.pending.step}"
        if self.flow is not None:
            return f"{self.flow}.{self.step}"[:64]
        return IDLE

    @property
    def busy(self) -> bool:
        """True while a flow or a verification waits for the shopper's answer."""
        return self.flow is not None or self.pending is not None

    def clear_flow(self) -> None:
        """Forget the flow and the pending verification (the order in context stays)."""
        self.flow = None
        self.step = None
        self.data = {}
        self.pending = None
