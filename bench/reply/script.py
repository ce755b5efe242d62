"""Scripted shopper conversations for the reply benchmark.

Each shopper is one REST chat identity (``external_id``) and one customer of the generated
order data (``bench.import_orders.run.generate_lines``: customer ``c`` has orders
``100000 + 2c`` and ``100000 + 2c + 1``, email ``customer{c}@example.com`` and, as the later
line wins, phone ``+1555{2c+1:07d}``). A shopper has a few sessions drawn from realistic
templates: track an order (verify by number + email or phone, then follow-ups), the same in
one message, a verified shopper coming back and picking an order from the buttons, the
greeting menu, return policy questions, setup help with its troubleshooting button,
out-of-scope small talk, a mistyped email before the right one, and goodbyes. Shoppers'
messages are interleaved at random, as many chats are open at once; each shopper's own
messages stay in order. The same seed always gives the same messages.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from bot.demo.catalogue import CATALOGUE

#: first order number of ``generate_lines``
FIRST_ORDER = 100_000

GREETINGS = ("hi", "hello", "hey there", "good morning", "hi, I need some help", "hello?")
WHERE_IS = (
    "where is my order",
    "where's my parcel",
    "track my order please",
    "my package hasn't arrived yet",
    "has my order shipped?",
    "I ordered something last week and still nothing, where is it",
    "wheres my order",
    "can you check my delivery status",
)
FOLLOW_UPS = (
    "when will it arrive?",
    "and when will it arrive?",
    "is it late?",
    "which carrier is it with?",
    "can I get the tracking link",
    "where is it now",
)
RETURN_POLICY = (
    "what's your return policy",
    "how many days do I have to return something",
    "can I return shoes I wore once?",
    "do I have to pay for return shipping",
    "can I return a gift card",
    "is there a return window for electronics",
)
OUT_OF_SCOPE = (
    "what's the weather like tomorrow",
    "tell me a joke",
    "can you transfer money to my savings account",
    "are you hiring? I'd like to apply for a job",
    "what's the capital of france",
    "play some music",
    "how do I reset my bank pin",
    "who won the game last night",
)
GOODBYES = ("thanks, bye", "thank you!", "that's all, thanks", "bye", "great, thanks for your help", "cheers")
SETUP_PRODUCTS = tuple(p for p in CATALOGUE if p.requires_setup)
SETUP_ASKS = (
    "how do I set up my {name}",
    "help me install the {name}",
    "I need help setting up the {name}",
    "how to assemble {name}",
)


@dataclass(frozen=True, slots=True)
class Step:
    """One scripted message: typed ``text`` or a pressed button's ``payload``; ``kind`` labels the mix."""

    shopper: str
    kind: str
    text: str = ""
    payload: str | None = None


@dataclass(slots=True)
class Shopper:
    """A chat identity and the generated customer behind it."""

    external_id: str
    customer: int
    verified: bool = False

    @property
    def email(self) -> str:
        """The customer's email as stored."""
        return f"customer{self.customer}@example.com"

    @property
    def phone(self) -> str:
        """The customer's phone as stored (the later of its two order lines)."""
        return f"+1555{2 * self.customer + 1:07d}"

    def order_number(self, rng: random.Random) -> str:
        """One of the customer's two order numbers."""
        return str(FIRST_ORDER + 2 * self.customer + rng.randrange(2))


Session = Callable[[random.Random, Shopper], list[Step]]


def _typed_number(rng: random.Random, number: str) -> str:
    return rng.choice((f"#{number}", number, f"order {number}", f"DS-{number}", f"it's {number}"))


def _contact(rng: random.Random, shopper: Shopper) -> str:
    return rng.choice(
        (
            shopper.email,
            shopper.email.upper(),
            f"my email is {shopper.email}",
            shopper.phone,
            f"phone {shopper.phone}",
        )
    )


def _maybe(rng: random.Random, share: float, steps: list[Step]) -> list[Step]:
    return steps if rng.random() < share else []


def track_and_verify(rng: random.Random, shopper: Shopper) -> list[Step]:
    """Greeting, where is my order, the number, the email or phone, follow-ups, goodbye."""
    s = shopper.external_id
    steps = _maybe(rng, 0.5, [Step(s, "greeting", rng.choice(GREETINGS))])
    if shopper.verified:
        steps += [
            Step(s, "where_is_order", rng.choice(WHERE_IS)),
            Step(s, "button", payload=f"order:{shopper.order_number(rng)}"),
        ]
    else:
        steps += [
            Step(s, "where_is_order", rng.choice(WHERE_IS)),
            Step(s, "order_number", _typed_number(rng, shopper.order_number(rng))),
            Step(s, "contact", _contact(rng, shopper)),
        ]
        shopper.verified = True
    steps += [Step(s, "follow_up", rng.choice(FOLLOW_UPS)) for _ in range(rng.choice((1, 1, 2)))]
    return steps + _maybe(rng, 0.6, [Step(s, "goodbye", rng.choice(GOODBYES))])


def one_shot_tracking(rng: random.Random, shopper: Shopper) -> list[Step]:
    """Order number and email in one message, then a follow-up."""
    s, number = shopper.external_id, shopper.order_number(rng)
    text = rng.choice(
        (
            f"where is order {number}? my email is {shopper.email}",
            f"hi, order #{number}, {shopper.email} - when does it arrive",
            f"status of {number} please, email {shopper.email}",
        )
    )
    shopper.verified = True
    return [Step(s, "one_shot", text), Step(s, "follow_up", rng.choice(FOLLOW_UPS))]


def wrong_email_first(rng: random.Random, shopper: Shopper) -> list[Step]:
    """A mistyped email (a failed attempt), then the right one."""
    if shopper.verified:
        return track_and_verify(rng, shopper)
    s, number = shopper.external_id, shopper.order_number(rng)
    shopper.verified = True
    return [
        Step(s, "where_is_order", f"where is my order {number}"),
        Step(s, "wrong_contact", f"custmer{shopper.customer}@example.com"),
        Step(s, "contact", shopper.email),
        Step(s, "follow_up", rng.choice(FOLLOW_UPS)),
    ]


def greeting_menu(rng: random.Random, shopper: Shopper) -> list[Step]:
    """A greeting, then the menu's "track my order" button."""
    s = shopper.external_id
    steps = [Step(s, "greeting", rng.choice(GREETINGS)), Step(s, "button", payload="intent:order_status")]
    if not shopper.verified:
        number = shopper.order_number(rng)
        steps += [Step(s, "order_number", _typed_number(rng, number)), Step(s, "contact", shopper.email)]
        shopper.verified = True
    elif rng.random() < 0.5:
        steps.append(Step(s, "button", payload=f"order:{shopper.order_number(rng)}"))
    return steps


def return_policy(rng: random.Random, shopper: Shopper) -> list[Step]:
    """One or two return policy questions."""
    s = shopper.external_id
    asks = rng.sample(RETURN_POLICY, rng.choice((1, 2)))
    steps = [Step(s, "return_policy", text) for text in asks]
    return steps + _maybe(rng, 0.4, [Step(s, "goodbye", rng.choice(GOODBYES))])


def setup_help(rng: random.Random, shopper: Shopper) -> list[Step]:
    """A setup question for a catalogue product, sometimes its troubleshooting button."""
    s, product = shopper.external_id, rng.choice(SETUP_PRODUCTS)
    steps = [Step(s, "setup", rng.choice(SETUP_ASKS).format(name=product.name.lower()))]
    steps += _maybe(rng, 0.5, [Step(s, "button", payload=f"setup:troubleshoot:{product.sku}")])
    return steps + _maybe(rng, 0.5, [Step(s, "goodbye", rng.choice(GOODBYES))])


def out_of_scope(rng: random.Random, shopper: Shopper) -> list[Step]:
    """Something the bot must not pretend to answer (arriving in whatever state the chat is in)."""
    s = shopper.external_id
    return [Step(s, "out_of_scope", rng.choice(OUT_OF_SCOPE))]


#: (session, weight)
SESSIONS: tuple[tuple[Session, int], ...] = (
    (track_and_verify, 30),
    (one_shot_tracking, 8),
    (wrong_email_first, 6),
    (greeting_menu, 10),
    (return_policy, 16),
    (setup_help, 16),
    (out_of_scope, 10),
)


def shopper_steps(rng: random.Random, shopper: Shopper, target: int) -> list[Step]:
    """Sessions for one shopper until it has sent at least ``target`` messages."""
    sessions, weights = zip(*SESSIONS, strict=True)
    steps: list[Step] = []
    while len(steps) < target:
        steps += rng.choices(sessions, weights=weights)[0](rng, shopper)
    return steps


def build_script(
    messages: int, shoppers: int, *, seed: int = 7, prefix: str = "shopper", customers: int = 50_000
) -> list[Step]:
    """``messages`` steps from ``shoppers`` distinct shoppers, interleaved at random.

    ``customers`` is how many customers the order data has (half the number of orders).
    """
    rng = random.Random(seed)
    chosen = rng.sample(range(customers), shoppers)
    per_shopper = -(-messages // shoppers)
    queues = [
        shopper_steps(rng, Shopper(f"{prefix}-{i}", customer), per_shopper)
        for i, customer in enumerate(chosen)
    ]
    positions = [0] * len(queues)
    live = list(range(len(queues)))
    out: list[Step] = []
    while live and len(out) < messages:
        pick = rng.randrange(len(live))
        q = live[pick]
        out.append(queues[q][positions[q]])
        positions[q] += 1
        if positions[q] == len(queues[q]):
            live[pick] = live[-1]
            live.pop()
    return out
