"""Training data the way linguists build it: frames × actions × objects × synonyms × register × noise.

``bot/nlu/data/grammar.yaml`` holds the parts, written by hand:

- ``slots``: synonym groups (``{order}`` → order, purchase, parcel ...); a member may use other slots;
  the ``context`` slot holds background sentences ("I ordered a kettle last week") put before some
  messages of every intent but small talk, so the model learns that they decide nothing;
- ``frames``: the ways a request is wrapped, by the form they take:
  ``do`` ("how can I {do}"), ``doing`` ("I need assistance {doing}") and ``about``
  ("can you tell me about {about}");
- ``intents``: per intent, its actions (``do``: verb phrases in the base form; the ``doing`` form is
  derived), its topics (``about``: noun phrases) and whole messages (``say``).

:class:`Grammar` expands them at random (seeded, so the same seed gives the same examples), then
:func:`apply_register` adds how people write: greetings and thanks, anger and profanity, chat
shorthand, typos, run-on words, missing apostrophes and punctuation, case.

Generalisation is measured on parts held out whole: :meth:`Grammar.holdout` keeps one in
``holdout_every`` frames, ``say`` messages and synonym-group members (chosen by a stable hash) out of
the training grammar; the held-out test uses only examples with at least one held-out part.
"""

from __future__ import annotations

import random
import re
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.nlu.errors import TrainingDataError
from bot.nlu.training_data import TrainingExample, bundled_data_path
from storage.domain import Intent

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
GRAMMAR_FILE = "grammar.yaml"
FORMS = ("do", "doing", "about", "say")
_SLOT = re.compile(r"\{(\w+)\}")
#: generated slots (numbers, amounts, dates), filled by code rather than from the grammar
_GENERATED = ("ordnum", "amount", "n", "tracking", "email")
#: share of messages that start with a sentence of background (the grammar's ``context`` slot)
CONTEXT_RATE = 0.12
#: intents whose messages are not wrapped in greetings and thanks (that would change their meaning)
_SMALL_TALK = frozenset({Intent.GREETING, Intent.GOODBYE})
#: verbs whose last consonant doubles before -ing
_DOUBLING = frozenset({"get", "set", "stop", "ship", "put", "drop", "plan", "chat", "swap", "log", "sit", "shop"})
#: forms that are irregular or keep their -e
_GERUND = {"see": "seeing", "be": "being", "lie": "lying", "die": "dying", "agree": "agreeing"}


def gerund(phrase: str) -> str:
    """``"track my order"`` → ``"tracking my order"`` (the first word made into its -ing form)."""
    verb, _, rest = phrase.partition(" ")
    if verb in _GERUND:
        ing = _GERUND[verb]
    elif verb in _DOUBLING:
        ing = verb + verb[-1] + "ing"
    elif verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")) and len(verb) > 2:
        ing = verb[:-1] + "ing"
    elif verb.endswith("ie"):
        ing = verb[:-2] + "ying"
    else:
        ing = verb + "ing"
    return f"{ing} {rest}" if rest else ing


def _held_out(text: str, every: int) -> bool:
    """Whether a grammar part is held out: a stable hash, about one part in ``every``."""
    return every > 0 and zlib.crc32(text.encode("utf-8")) % every == 0


@dataclass(frozen=True, slots=True)
class IntentParts:
    """What one intent contributes: actions, topics and whole messages."""

    do: tuple[str, ...] = ()
    about: tuple[str, ...] = ()
    say: tuple[str, ...] = ()


@dataclass(frozen=True)
class Grammar:
    """The parts of the generator (see the module docstring); build with :meth:`load`."""

    slots: Mapping[str, tuple[str, ...]]
    frames: Mapping[str, tuple[str, ...]]
    intents: Mapping[Intent, IntentParts]
    #: weights of the forms (do, doing, about, say) when an example is drawn
    form_weights: Mapping[str, float] = field(default_factory=lambda: {"do": 4, "doing": 1, "about": 2, "say": 4})

    @classmethod
    def load(cls, path: Path | str | None = None) -> Grammar:
        """Read the grammar YAML (the bundled one by default); errors name the file and the entry."""
        source = Path(path) if path is not None else bundled_data_path(GRAMMAR_FILE)
        try:
            data = yaml.load(source.read_text(encoding="utf-8"), Loader=_LOADER)
        except (OSError, yaml.YAMLError) as exc:
            raise TrainingDataError(f"{source}: cannot read the grammar: {exc}") from exc
        if not isinstance(data, dict):
            raise TrainingDataError(f"{source}: the grammar must be a mapping")
        slots = {name: _strings(source, f"slots.{name}", v) for name, v in _mapping(source, data, "slots").items()}
        frames = {
            form: _strings(source, f"frames.{form}", v) for form, v in _mapping(source, data, "frames").items()
        }
        if set(frames) != {"do", "doing", "about"}:
            raise TrainingDataError(f"{source}: frames must have exactly do, doing and about")
        intents: dict[Intent, IntentParts] = {}
        for name, parts in _mapping(source, data, "intents").items():
            try:
                intent = Intent(name)
            except ValueError as exc:
                raise TrainingDataError(f"{source}: unknown intent {name!r}") from exc
            if not isinstance(parts, dict) or set(parts) - {"do", "about", "say"}:
                raise TrainingDataError(f"{source}: intents.{name} may have only do, about and say")
            intents[intent] = IntentParts(
                **{key: _strings(source, f"intents.{name}.{key}", value) for key, value in parts.items()}
            )
        grammar = cls(slots=slots, frames=frames, intents=intents)
        grammar._check_slots(source)
        return grammar

    def _check_slots(self, source: Path) -> None:
        known = set(self.slots) | set(_GENERATED)
        texts = [*(t for v in self.slots.values() for t in v), *(t for v in self.frames.values() for t in v)]
        texts += [t for parts in self.intents.values() for t in (*parts.do, *parts.about, *parts.say)]
        for text in texts:
            for name in _SLOT.findall(text):
                if name not in known and name not in FORMS:
                    raise TrainingDataError(f"{source}: {{{name}}} in {text!r} is not a slot")

    def holdout(self, every: int = 4) -> tuple[Grammar, frozenset[str]]:
        """The grammar without one in ``every`` frames, actions, topics, ``say`` messages and members of
        each synonym group (chosen by a stable hash), and the set of parts it left out.

        Lists shorter than ``every`` keep all their parts. Train on the first; generate the held-out
        test from the whole grammar with ``require_any_of`` set to the second.
        """
        left_out: set[str] = set()

        def thin(items: tuple[str, ...]) -> tuple[str, ...]:
            if len(items) < every:
                return items
            kept = tuple(item for item in items if not _held_out(item, every))
            left_out.update(item for item in items if _held_out(item, every))
            return kept

        slots = {name: thin(members) for name, members in self.slots.items()}
        frames = {form: thin(items) for form, items in self.frames.items()}
        intents = {
            intent: IntentParts(do=thin(parts.do), about=thin(parts.about), say=thin(parts.say))
            for intent, parts in self.intents.items()
        }
        train = Grammar(slots=slots, frames=frames, intents=intents, form_weights=self.form_weights)
        return train, frozenset(left_out)

    def generate(
        self,
        per_intent: int,
        *,
        seed: int = 7,
        register: bool = True,
        require_any_of: frozenset[str] = frozenset(),
    ) -> list[TrainingExample]:
        """``per_intent`` distinct examples for each intent (fewer when the grammar runs out).

        Each intent draws from its own random stream seeded by ``seed`` and its name.

        With ``require_any_of`` (the parts :meth:`holdout` left out), only examples using one of them are kept.
        """
        examples: list[TrainingExample] = []
        for intent in sorted(self.intents):
            # one stream per intent: editing one intent's grammar leaves the others' examples as they were
            rng = random.Random(f"{seed}:{intent.value}")
            seen: set[str] = set()
            attempts = 0
            while len(seen) < per_intent and attempts < per_intent * 30:
                attempts += 1
                text, parts = self._draw(intent, rng)
                if intent not in _SMALL_TALK and "context" in self.slots and rng.random() < CONTEXT_RATE:
                    # a sentence of background first ("I ordered a kettle last week."), as people write
                    text = _tidy(self._fill("{context}", rng, parts)) + rng.choice((". ", ", ", " and ")) + text
                if require_any_of and require_any_of.isdisjoint(parts):
                    continue
                if register:
                    text = apply_register(text, rng, wrap=intent not in _SMALL_TALK)
                key = _dedupe_key(text)
                if key and key not in seen:
                    seen.add(key)
                    examples.append(TrainingExample(text, intent))
        return examples

    def _draw(self, intent: Intent, rng: random.Random) -> tuple[str, list[str]]:
        """One message of ``intent`` and the grammar parts it used (for the held-out filter)."""
        parts = self.intents[intent]
        available = {
            "do": bool(parts.do and self.frames["do"]),
            "doing": bool(parts.do and self.frames["doing"]),
            "about": bool(parts.about and self.frames["about"]),
            "say": bool(parts.say),
        }
        forms = [form for form in FORMS if available[form]]
        form = rng.choices(forms, weights=[self.form_weights[f] for f in forms])[0]
        used: list[str] = []
        if form == "say":
            template = rng.choice(parts.say)
            used.append(template)
        else:
            frame = rng.choice(self.frames[form])
            used.append(frame)
            inner = rng.choice(parts.about if form == "about" else parts.do)
            used.append(inner)
            filled = self._fill(inner, rng, used)
            template = frame.replace("{" + form + "}", gerund(filled) if form == "doing" else filled)
        return _tidy(self._fill(template, rng, used)), used

    def _fill(self, template: str, rng: random.Random, used: list[str], depth: int = 0) -> str:
        """Every ``{slot}`` replaced by a random member (members may hold slots of their own)."""
        if depth > 4:
            raise TrainingDataError(f"slots nest too deeply in {template!r}")

        def pick(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in _GENERATED:
                return _generated(name, rng)
            members = self.slots.get(name)
            if not members:
                return ""
            member = rng.choice(members)
            used.append(member)
            return self._fill(member, rng, used, depth + 1)

        return _SLOT.sub(pick, template)


def _mapping(source: Path, data: dict[str, object], key: str) -> dict[str, object]:
    value = data.get(key)
    if not isinstance(value, dict) or not value:
        raise TrainingDataError(f"{source}: top-level {key!r} mapping is missing")
    return value


def _strings(source: Path, where: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TrainingDataError(f"{source}: {where} must be a list of strings")
    return tuple(value)


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"\s+([,?.!])", r"\1", text)


def _dedupe_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


# ---------------------------------------------------------------- generated slots
def _generated(name: str, rng: random.Random) -> str:
    if name == "ordnum":
        return _order_number(rng)
    if name == "amount":
        return _amount(rng)
    if name == "n":
        return str(rng.choice((2, 3, 4, 5, 6, 7, 10, 12, 14, 15, 20, 30, 45, 60, 90)))
    if name == "tracking":
        return rng.choice(("1Z", "JD", "LX", "")) + "".join(rng.choice("0123456789") for _ in range(rng.randint(10, 18)))
    return rng.choice(("ann", "jo.lee", "mike_88", "sara.k", "b.smith")) + "@" + rng.choice(
        ("example.com", "mail.com", "gmail.com", "outlook.co.uk")
    )


def _order_number(rng: random.Random) -> str:
    """Order numbers as shoppers type them: #48213, 1001, 00004587345, DS-1042, no. 5521."""
    style = rng.randrange(7)
    digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(4, 6)))
    if style == 0:
        return "#" + digits
    if style == 1:
        return digits
    if style == 2:
        width = rng.randint(8, 15)
        return digits.rjust(width, "0")
    if style == 3:
        return rng.choice(("DS", "SO", "WEB", "A")) + "-" + digits
    if style == 4:
        return "no. " + digits
    if style == 5:
        return "number " + digits
    return "#" + digits.rjust(rng.randint(8, 12), "0")


def _amount(rng: random.Random) -> str:
    value = rng.choice((12, 19.99, 45, 89, 129.5, 299, 549, 1299, 60, 35.5))
    text = f"{value:,.2f}" if isinstance(value, float) or rng.random() < 0.3 else f"{value:,}"
    style = rng.randrange(5)
    return ("$" + text, "£" + text, "€" + text, text + " dollars", text + " euros")[style]


# ---------------------------------------------------------------- register and noise
_POLITE_OPENERS = (
    "hi", "hello", "hey", "hi there", "good morning", "good afternoon", "excuse me", "sorry to bother you",
    "hello team", "dear support", "greetings", "hey guys", "hiya", "morning",
)
_POLITE_CLOSERS = (
    "please", "thanks", "thank you", "thx", "pls", "asap", "if possible", "thanks in advance", "cheers",
    "thank you so much", "kind regards", "when you get a chance", "appreciate it", "plz",
)
_ANGRY_OPENERS = (
    "seriously", "wtf", "ffs", "for gods sake", "this is ridiculous", "what the hell", "unbelievable",
    "im so angry", "honestly", "come on", "ugh", "jesus", "for fucks sake", "this is a joke",
)
_ANGRY_CLOSERS = (
    "!!!", "this is a joke", "worst service ever", "sort it out", "damn it", "i am fed up", "now",
    "im losing my patience", "this is unacceptable", "what a shambles", "useless", "for crying out loud",
)
_SHORTHAND = (
    (r"\byou\b", "u"), (r"\byour\b", "ur"), (r"\bplease\b", "pls"), (r"\bwant to\b", "wanna"),
    (r"\bgoing to\b", "gonna"), (r"\bgot to\b", "gotta"), (r"\bthanks\b", "thx"), (r"\bare\b", "r"),
    (r"\bbecause\b", "cuz"), (r"\bwhat\b", "wat"), (r"\bi am\b", "im"), (r"\bto\b", "2"),
)
_KEYBOARD = "qwertyuiopasdfghjklzxcvbnm"


def apply_register(text: str, rng: random.Random, *, wrap: bool = True) -> str:
    """``text`` as some shopper would type it: polite, angry, shorthand, typos, run-ons, case.

    ``wrap=False`` leaves out greetings, thanks and curses around the message (for small talk,
    where they would change what the message is).
    """
    roll = rng.random() if wrap else 1.0
    if roll < 0.22:
        text = _wrap(text, rng, _POLITE_OPENERS, _POLITE_CLOSERS)
    elif roll < 0.30:
        text = _wrap(text, rng, _ANGRY_OPENERS, _ANGRY_CLOSERS)
    if rng.random() < 0.12:
        for pattern, short in rng.sample(_SHORTHAND, 3):
            text = re.sub(pattern, short, text, flags=re.IGNORECASE)
    if rng.random() < 0.3:
        text = text.replace("'", "").replace("\u2019", "")
    if rng.random() < 0.18:
        text = _typo(text, rng)
    if rng.random() < 0.05:
        text = _run_on(text, rng)
    if rng.random() < 0.35:
        text = text.rstrip("?.! ")
    elif rng.random() < 0.1:
        text = text.rstrip("?.! ") + rng.choice(("??", "?!", "...", " ?"))
    case = rng.random()
    if case < 0.5:
        text = text.lower()
    elif case < 0.53:
        text = text.upper()
    elif text:
        text = text[0].upper() + text[1:]
    return text


def _wrap(text: str, rng: random.Random, openers: Sequence[str], closers: Sequence[str]) -> str:
    where = rng.random()
    if where < 0.45:
        return f"{rng.choice(openers)}, {text}"
    if where < 0.85:
        closer = rng.choice(closers)
        return f"{text}{closer}" if closer.startswith("!") else f"{text.rstrip('?.!')} {closer}"
    return f"{rng.choice(openers)}, {text.rstrip('?.!')} {rng.choice(closers)}"


def _typo(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not candidates:
        return text
    i = rng.choice(candidates)
    word = words[i]
    at = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    elif kind == 1:
        word = word[:at] + word[at + 1 :]
    elif kind == 2:
        word = word[:at] + word[at] + word[at:]
    else:
        word = word[:at] + rng.choice(_KEYBOARD) + word[at + 1 :]
    words[i] = word
    return " ".join(words)


def _run_on(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    if len(words) < 3:
        return text
    i = rng.randrange(len(words) - 1)
    return " ".join([*words[:i], words[i] + words[i + 1], *words[i + 2 :]])


def iter_parts(grammar: Grammar) -> Iterator[tuple[str, str]]:
    """Every (where, text) part of the grammar, for checks and reports."""
    for name, members in grammar.slots.items():
        for member in members:
            yield f"slots.{name}", member
    for form, frames in grammar.frames.items():
        for frame in frames:
            yield f"frames.{form}", frame
    for intent, parts in grammar.intents.items():
        for key in ("do", "about", "say"):
            for text in getattr(parts, key):
                yield f"intents.{intent}.{key}", text
