"""What the intent classifier is trained on: hand-written, generated and CLINC150 examples together.

- the ``train`` split of ``data/training.yaml`` (hand-written shopper messages);
- examples generated from ``data/grammar.yaml`` (:mod:`bot.nlu.generator`): frames × actions × objects ×
  synonyms × register × noise, :data:`GENERATED_PER_INTENT` per intent (fewer for small talk);
- CLINC150's order-status, greeting and farewell utterances (``data/clinc150_in_domain.yaml``);
- out-of-scope negatives from CLINC150 (``data/negatives_clinc150.yaml``).

In-domain and out-of-scope are balanced by the generator: about as many near-domain out-of-scope
examples (accounts, payments, invoices ...) as examples of each intent, beside the CLINC negatives.
"""

from __future__ import annotations

from bot.nlu.generator import Grammar
from bot.nlu.training_data import (
    TrainingExample,
    load_clinc_in_domain,
    load_negative_examples,
    load_training_examples,
)
from storage.domain import Intent

#: generated examples per intent
GENERATED_PER_INTENT = 1500
#: ... except greetings and farewells, whose grammar is small (more would only repeat it)
GENERATED_SMALL_TALK = 300
GENERATOR_SEED = 7


def generated_examples(grammar: Grammar | None = None, *, seed: int = GENERATOR_SEED) -> list[TrainingExample]:
    """Examples generated from ``grammar`` (the bundled one by default), capped per intent."""
    grammar = grammar or Grammar.load()
    limit = {Intent.GREETING: GENERATED_SMALL_TALK, Intent.GOODBYE: GENERATED_SMALL_TALK}
    counts: dict[Intent, int] = {}
    out: list[TrainingExample] = []
    for example in grammar.generate(GENERATED_PER_INTENT, seed=seed):
        seen = counts.get(example.intent, 0)
        if seen < limit.get(example.intent, GENERATED_PER_INTENT):
            counts[example.intent] = seen + 1
            out.append(example)
    return out


def default_training_set(grammar: Grammar | None = None) -> list[TrainingExample]:
    """Everything the shipped model is trained on (``grammar`` replaces the bundled grammar, e.g. with
    parts held out for an honest evaluation). A generated message that happens to equal one of the
    hand-written held-out split is dropped (as is such a CLINC150 one), so that split stays unseen."""
    heldout = {_key(example.text) for example in load_training_examples(split="heldout")}
    extra = [*load_clinc_in_domain(), *generated_examples(grammar)]
    return [
        *load_training_examples(split="train"),
        *(example for example in extra if _key(example.text) not in heldout),
        *load_negative_examples(),
    ]


def _key(text: str) -> str:
    return " ".join(text.lower().split())
