"""The contract between the dialogue engine and the conversation handlers.

The engine (in ``bot/engine``) understands a message, verifies the shopper, picks the order and
then calls one handler with a :class:`HandlerContext`. The handler answers with an
:class:`Outcome`: the replies, and whether its flow waits for more input. Handlers see
repositories, the knowledge base and a clock, never a raw session, the NLU or a channel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from handlers.messages import Attachment, Reply
from handlers.support import SupportDesk
from knowledge.base import KnowledgeBase
from knowledge.search import SearchIndex
from storage.repositories.orders import OrderDetails
from storage.store import Repositories


class Clock(Protocol):
    """Anything that tells the time (``bot.clock.Clock`` fits)."""

    def now(self) -> datetime:
        """Current time, aware UTC."""
        ...


@dataclass(frozen=True, slots=True)
class ProductMention:
    """A catalogue product the shopper named."""

    sku: str
    name: str


@dataclass(frozen=True, slots=True)
class Understanding:
    """What the shopper's message means, independent of the NLU that produced it.

    ``intent`` is one of the DESIGN.md intent names (or None for a button press that names no
    intent); ``payload`` is set when a button was pressed. Entities are as typed, except
    ``products`` which holds catalogue SKUs.
    """

    text: str = ""
    intent: str | None = None
    confidence: float = 0.0
    payload: str | None = None
    order_numbers: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    tracking_numbers: tuple[str, ...] = ()
    products: tuple[ProductMention, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    #: for an out_of_scope message about the shop, the NLU's topic (``bot.nlu.topics.NearDomainTopic``)
    topic: str | None = None

    @property
    def skus(self) -> tuple[str, ...]:
        """SKUs of the named products."""
        return tuple(product.sku for product in self.products)

    @property
    def has_contact(self) -> bool:
        """Whether the message carries an email address or a phone number."""
        return bool(self.emails or self.phones)


@dataclass(frozen=True, slots=True)
class Knowledge:
    """The help articles and their search index."""

    base: KnowledgeBase
    index: SearchIndex


class OrderNeed(Enum):
    """How much a handler needs an order before it can answer."""

    #: never looks at an order
    NONE = "none"
    #: uses the order in context when the shopper is verified for it, never asks for one
    OPTIONAL = "optional"
    #: the engine asks for the order number and verifies the shopper before calling the handler
    REQUIRED = "required"


@dataclass(slots=True)
class HandoffNote:
    """A handoff a handler opened; the engine switches the conversation to quiet mode."""

    handoff_id: int
    reason: str
    #: False when the conversation's open handoff was reused (hooks already know it)
    created: bool = True


@dataclass(slots=True)
class HandlerContext:
    """Everything a handler may use for one turn.

    ``step`` is None when the flow starts and the step name the handler asked to wait in
    when the shopper answers. ``data`` is the flow's own memory, kept between its steps
    (JSON-serialisable values only). ``order`` is set only for an order the shopper is
    verified for; ``customer_id`` only for a verified shopper, ``customer_name`` with it (when
    the customer has a name).
    """

    repos: Repositories
    knowledge: Knowledge
    clock: Clock
    channel: str
    external_id: str
    identity_id: int
    conversation_id: int
    understanding: Understanding
    customer_id: int | None = None
    customer_name: str | None = None
    order: OrderDetails | None = None
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    #: the intent answered in the previous turn (for handoff reasons and follow-ups)
    last_intent: str | None = None
    #: the help article the previous answer quoted (:attr:`Outcome.article`), if any
    last_article: str | None = None
    #: set by :func:`handlers.handoff.open_handoff`
    handoff: HandoffNote | None = None
    #: who can answer when the shopper asks for a person (support hours, contacts, staff channel)
    support: SupportDesk = field(default_factory=SupportDesk)

    @property
    def payload(self) -> str | None:
        """The pressed button's payload, if any."""
        return self.understanding.payload

    @property
    def text(self) -> str:
        """The typed text (empty for a button press)."""
        return self.understanding.text

    def now(self) -> datetime:
        """Current time (UTC) from the injected clock."""
        return self.clock.now()

    def today(self) -> date:
        """Today's date where the shopper lives (their order's time zone, else UTC)."""
        now = self.clock.now()
        if self.order is not None:
            return now.astimezone(_zone(self.order.customer.timezone)).date()
        return now.date()


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


@dataclass(slots=True)
class Outcome:
    """A handler's answer for one turn.

    ``await_step`` keeps the flow open: the shopper's next message goes back to the same
    handler with ``ctx.step == await_step`` and ``ctx.data == data``. None ends the flow.
    """

    replies: list[Reply]
    await_step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    #: the help article this answer quoted: the next unclear question is looked up in it too
    article: str | None = None

    @classmethod
    def say(cls, text: str, **reply: Any) -> Outcome:
        """A finished flow with one reply."""
        return cls(replies=[Reply(text, **reply)])


class Handler(Protocol):
    """One intent family.

    ``name`` is the flow name and the intent reported for its turns; ``intents`` are the NLU
    intents it starts on; ``payload_prefixes`` are the button payload prefixes (the part
    before the first ``:``) that are routed to it. A handler may also define
    ``free_text_steps``: steps that wait for free text (a description, an address), where only
    a very confident new intent counts as a change of topic, and ``accepts(ctx) -> bool``: True
    when the typed message is clearly an answer to the waiting step (then it never switches
    topic, however the NLU classified it).
    """

    name: str
    intents: tuple[str, ...]
    payload_prefixes: tuple[str, ...]

    def order_need(self, ctx: HandlerContext) -> OrderNeed:
        """Whether this turn needs a verified order (decided before :meth:`handle`)."""
        ...

    async def handle(self, ctx: HandlerContext) -> Outcome:
        """Answer the turn."""
        ...
