"""The intent classifier: multinomial logistic regression over sparse lexical features, in pure Python.

Training (a few epochs of class-weighted SGD with sparse updates) takes well under a second on the
bundled data; a prediction is a few dozen dict look-ups plus a 13-way softmax.

Out-of-scope is decided three ways:
- the model itself has an ``out_of_scope`` class, trained on our own negatives plus CLINC150 utterances;
- a message none of whose words is *in-domain evidence* (a word far more frequent in the shop intents
  than in the out-of-scope corpus, after spelling correction) is out of scope; a greeting or a goodbye
  needs a word of its own (one far more frequent in that intent's examples than in any other's), so "why
  is there fake news" is not taken for small talk;
- a prediction is made per intent family first (:mod:`bot.nlu.families`: the probabilities of its intents
  summed), then the likeliest intent of the family: a family whose probability is below ``threshold`` is
  out of scope, but a message torn between two close intents ("a refund" or "a return") is not;
- notification preferences about marketing email (the newsletter, promotional emails) are out of scope:
  doorstep's own messages are the order updates, and the newsletter is a near-domain topic.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from bot.nlu.errors import NotTrainedError
from bot.nlu.families import decision_family
from bot.nlu.features import CHAR_NGRAM_SIZES, Span, Speller, extract_features, tokenize
from bot.nlu.topics import NearDomainTopic, near_domain_topic, topic_words
from bot.nlu.training_data import TrainingExample
from knowledge.lexicon import Lexicon
from knowledge.linear import SgdConfig, fit_softmax, softmax
from storage.domain import Intent

#: confidence below which a prediction becomes out_of_scope (what bench/nlu/run.py tunes: 3-fold OOF on train)
DEFAULT_THRESHOLD = 0.35
#: shape tokens that by themselves show the message is about an order
SHAPE_EVIDENCE = frozenset({"zzordnum", "zzcode", "zztracking"})
#: intents whose answer needs a word of their own (see :func:`_small_talk_evidence`)
SMALL_TALK = (Intent.GREETING, Intent.GOODBYE)
#: function words: however often the shop examples use them ("a problem *with* my order"), they say
#: nothing about what a message is about, so they are never in-domain evidence (alone or as a pair)
FUNCTION_WORDS = frozenset(
    """
    a an the and or but nor so if than then as of to in on at by for from with without about into onto
    over under up down out off through between after before during until while i me my mine myself you
    your yours yourself we us our ours they them their theirs he him his she her hers it its itself this
    that these those there here is are was were be been being am do does did doing done have has had
    having can could would should will shall may might must also too very just some any all each every
    both either neither other another such same own more most less much many few again ever even still
    yet only
    """.split()
)


@dataclass(frozen=True, slots=True)
class TrainingConfig(SgdConfig):
    """Hyper-parameters of :meth:`IntentClassifier.train` (the defaults are the tuned ones): the SGD's
    (:class:`~knowledge.linear.SgdConfig`, whose defaults are the intent model's) and the features'."""

    #: a word is in-domain evidence when P(in-domain | word) (class-size normalised) is at least this
    evidence_ratio: float = 0.6
    #: ... and it occurs in at least this many in-domain examples
    evidence_min_count: int = 1
    #: use the evidence gate at all
    evidence_gate: bool = True
    threshold: float = DEFAULT_THRESHOLD
    #: sizes of the character n-grams taken from each word
    char_ngrams: tuple[int, ...] = CHAR_NGRAM_SIZES
    #: add the shopper lexicon's concepts (knowledge/lexicon.yaml) as features
    concepts: bool = True
    #: also train on each example with the words of its concept phrases left out
    abstract_rows: bool = True


class IntentClassifier:
    """Predicts an :class:`~storage.domain.Intent` and a confidence in [0, 1] for a message."""

    def __init__(
        self,
        *,
        weights: dict[str, list[float]],
        bias: list[float],
        classes: Sequence[Intent],
        speller: Speller,
        evidence: frozenset[str] | None,
        threshold: float,
        general_words: frozenset[str] = frozenset(),
        char_ngrams: tuple[int, ...] = CHAR_NGRAM_SIZES,
        lexicon: Lexicon | None = None,
        small_talk_evidence: dict[Intent, frozenset[str]] | None = None,
    ) -> None:
        if not weights or Intent.OUT_OF_SCOPE not in classes:
            raise NotTrainedError("a classifier needs weights and an out_of_scope class")
        self._weights = weights
        self._bias = bias
        self._classes = tuple(classes)
        self._oos_index = self._classes.index(Intent.OUT_OF_SCOPE)
        members: dict[str, list[int]] = {}
        for index, intent in enumerate(self._classes):
            if index != self._oos_index:
                members.setdefault(decision_family(intent), []).append(index)
        self._families = tuple(tuple(indices) for indices in members.values())
        self._speller = speller
        self._evidence = evidence
        self.threshold = threshold
        self._general_words = general_words
        self._char_ngrams = char_ngrams
        self._lexicon = lexicon
        self._small_talk = small_talk_evidence

    @classmethod
    def train(
        cls, examples: Sequence[TrainingExample], config: TrainingConfig | None = None
    ) -> IntentClassifier:
        """Fit a classifier on ``examples`` (which must include out_of_scope examples)."""
        config = config or TrainingConfig()
        lexicon = Lexicon.bundled() if config.concepts else None
        if not examples:
            raise NotTrainedError("no training examples")
        classes = sorted({example.intent for example in examples} | {Intent.OUT_OF_SCOPE})
        index = {intent: i for i, intent in enumerate(classes)}
        tokenized = [tokenize(example.text) for example in examples]
        speller, evidence = _vocabulary(examples, tokenized, config)
        small_talk = _small_talk_evidence(examples, tokenized, config) if config.evidence_gate else None
        general_words = frozenset(
            token
            for example, tokens in zip(examples, tokenized, strict=True)
            if example.intent is Intent.OUT_OF_SCOPE
            for token in tokens
        )
        corrected = [speller.words(tokens) for tokens in tokenized]
        rows = [_features(tokens, config.char_ngrams, lexicon) for tokens in corrected]
        labels = [index[example.intent] for example in examples]
        if config.abstract_rows:
            # the same examples with the words of their concept phrases left out: the model learns to
            # decide from the concepts, as it must for a synonym it never saw
            for tokens, label in zip(corrected, labels[: len(corrected)], strict=True):
                if _has_spans(tokens, lexicon):
                    rows.append(_features(tokens, config.char_ngrams, lexicon, abstract_only=True))
                    labels.append(label)
        weights, bias = fit_softmax(rows, labels, len(classes), config)
        return cls(
            weights=weights,
            bias=bias,
            classes=classes,
            speller=speller,
            evidence=evidence if config.evidence_gate else None,
            threshold=config.threshold,
            general_words=general_words,
            char_ngrams=config.char_ngrams,
            lexicon=lexicon,
            small_talk_evidence=small_talk,
        )

    def state(self) -> dict[str, Any]:
        """Everything but the weights, as JSON-ready values (see :mod:`bot.nlu.model_file`)."""
        return {
            "classes": [intent.value for intent in self._classes],
            "bias": self._bias,
            "threshold": self.threshold,
            "speller": self._speller.state(),
            "evidence": sorted(self._evidence) if self._evidence is not None else None,
            "small_talk_evidence": (
                {intent.value: sorted(words) for intent, words in self._small_talk.items()}
                if self._small_talk is not None
                else None
            ),
            "general_words": sorted(self._general_words),
            "char_ngrams": list(self._char_ngrams),
            "concepts": self._lexicon is not None,
        }

    @property
    def weights(self) -> dict[str, list[float]]:
        """Feature -> one weight per class (in :attr:`classes` order). Do not change it."""
        return self._weights

    @classmethod
    def from_state(cls, state: dict[str, Any], weights: dict[str, list[float]]) -> IntentClassifier:
        """The classifier that :meth:`state` and :attr:`weights` describe."""
        return cls(
            weights=weights,
            bias=[float(b) for b in state["bias"]],
            classes=[Intent(name) for name in state["classes"]],
            speller=Speller(**state["speller"]),
            evidence=frozenset(state["evidence"]) if state["evidence"] is not None else None,
            threshold=float(state["threshold"]),
            general_words=frozenset(state["general_words"]),
            char_ngrams=tuple(state["char_ngrams"]),
            lexicon=Lexicon.bundled() if state["concepts"] else None,
            small_talk_evidence=(
                {Intent(name): frozenset(words) for name, words in state["small_talk_evidence"].items()}
                if state.get("small_talk_evidence") is not None
                else None
            ),
        )

    @property
    def classes(self) -> tuple[Intent, ...]:
        """The intents this classifier can answer."""
        return self._classes

    @property
    def general_words(self) -> frozenset[str]:
        """Ordinary-English words of the out-of-scope corpus (the product matcher never fuzzes them)."""
        return self._general_words

    def probabilities(self, text: str) -> dict[Intent, float]:
        """The model's probability for every intent (before the out-of-scope rules)."""
        tokens = self._speller.words(tokenize(text))
        return dict(zip(self._classes, self._softmax(tokens), strict=True))

    def predict(self, text: str) -> tuple[Intent, float]:
        """The intent of ``text`` and its confidence, with the out-of-scope rules applied.

        The confidence of an intent is the probability of its family; for an out-of-scope answer it is the
        probability that the message is *not* in the likeliest family.
        """
        tokens = self._speller.words(tokenize(text))
        if not tokens:
            return Intent.OUT_OF_SCOPE, 1.0
        probs = self._softmax(tokens)
        best = max(range(len(probs)), key=probs.__getitem__)
        if best == self._oos_index:
            return Intent.OUT_OF_SCOPE, probs[best]
        family = max(self._families, key=lambda indices: sum(probs[i] for i in indices))
        mass = sum(probs[i] for i in family)
        if mass < self.threshold or not self._has_evidence(tokens):
            return Intent.OUT_OF_SCOPE, 1.0 - mass
        intent = self._classes[max(family, key=probs.__getitem__)]
        if not self._has_small_talk_evidence(intent, tokens):
            return Intent.OUT_OF_SCOPE, 1.0 - mass
        if intent is Intent.NOTIFICATION_PREFERENCES and near_domain_topic(text) is NearDomainTopic.NEWSLETTER:
            return Intent.OUT_OF_SCOPE, mass
        return intent, mass

    def _has_evidence(self, tokens: list[str]) -> bool:
        evidence = self._evidence
        if evidence is None:
            return True
        if any(token in evidence or token in SHAPE_EVIDENCE for token in tokens):
            return True
        if self._lexicon is not None and self._lexicon.concepts(tokens):
            return True
        return any(a + " " + b in evidence for a, b in pairwise(tokens))

    def _has_small_talk_evidence(self, intent: Intent, tokens: list[str]) -> bool:
        words = self._small_talk.get(intent) if self._small_talk is not None else None
        if words is None:
            return True
        return any(token in words for token in tokens) or any(a + " " + b in words for a, b in pairwise(tokens))

    def _softmax(self, tokens: list[str]) -> list[float]:
        feats = _features(tokens, self._char_ngrams, self._lexicon)
        get = self._weights.get
        rows = [row for row in map(get, feats) if row is not None]
        if rows:
            scale = 1.0 / math.sqrt(len(feats))
            sums = map(sum, zip(*rows, strict=True))
            scores = [total * scale + b for total, b in zip(sums, self._bias, strict=True)]
        else:
            scores = list(self._bias)
        return softmax(scores)


def _features(
    tokens: list[str], char_ngrams: tuple[int, ...], lexicon: Lexicon | None, *, abstract_only: bool = False
) -> list[str]:
    """The model's features; with a lexicon, its concepts, concept spans and near-domain topics are added."""
    if lexicon is None:
        return extract_features(tokens, char_ngrams)
    matches = lexicon.matches(tokens)
    concepts: list[str] = []
    spans: list[Span] = []
    covered = 0
    for match in matches:
        if match.concept not in concepts:
            concepts.append(match.concept)
        if match.start >= covered:
            spans.append(Span(match.start, match.end, match.concept))
            covered = match.end
    concepts += ["topic_" + topic for topic in topic_words(" ".join(tokens))]
    return extract_features(tokens, char_ngrams, concepts, spans, abstract_only=abstract_only)


def _has_spans(tokens: list[str], lexicon: Lexicon | None) -> bool:
    return lexicon is not None and bool(lexicon.matches(tokens))




def _vocabulary(
    examples: Sequence[TrainingExample], tokenized: list[list[str]], config: TrainingConfig
) -> tuple[Speller, frozenset[str]]:
    """The speller and the in-domain evidence words, from document frequencies per side."""
    domain_df: Counter[str] = Counter()
    general_df: Counter[str] = Counter()
    domain_docs = general_docs = 0
    for example, tokens in zip(examples, tokenized, strict=True):
        if example.intent is Intent.OUT_OF_SCOPE:
            general_df.update(set(tokens))
            general_docs += 1
        else:
            domain_df.update(set(tokens))
            domain_docs += 1
    speller = Speller(general_df, dict(domain_df))
    for tokens, example in zip(tokenized, examples, strict=True):
        pairs = {a + " " + b for a, b in pairwise(tokens)}
        if example.intent is Intent.OUT_OF_SCOPE:
            general_df.update(pairs)
        else:
            domain_df.update(pairs)
    evidence: set[str] = set()
    for word, count in domain_df.items():
        if count < config.evidence_min_count or all(part in FUNCTION_WORDS for part in word.split(" ")):
            continue
        in_domain = count / max(domain_docs, 1)
        general = general_df.get(word, 0) / max(general_docs, 1)
        if in_domain / (in_domain + general) >= config.evidence_ratio:
            evidence.add(word)
    return speller, frozenset(evidence)


def _small_talk_evidence(
    examples: Sequence[TrainingExample], tokenized: list[list[str]], config: TrainingConfig
) -> dict[Intent, frozenset[str]]:
    """Per small-talk intent, the words and word pairs far more frequent in its examples than in all others.

    The same ratio as the in-domain evidence (class-size normalised), function words left out.
    """
    own: dict[Intent, Counter[str]] = {intent: Counter() for intent in SMALL_TALK}
    sizes: Counter[Intent] = Counter()
    everywhere: Counter[str] = Counter()
    for example, tokens in zip(examples, tokenized, strict=True):
        terms = set(tokens) | {a + " " + b for a, b in pairwise(tokens)}
        everywhere.update(terms)
        sizes[example.intent] += 1
        if example.intent in own:
            own[example.intent].update(terms)
    total = sum(sizes.values())
    out: dict[Intent, frozenset[str]] = {}
    for intent, counts in own.items():
        mine_docs = max(sizes[intent], 1)
        rest_docs = max(total - sizes[intent], 1)
        words = set()
        for term, count in counts.items():
            if all(part in FUNCTION_WORDS for part in term.split(" ")):
                continue
            mine = count / mine_docs
            rest = (everywhere[term] - count) / rest_docs
            if mine / (mine + rest) >= config.evidence_ratio:
                words.add(term)
        if words:
            out[intent] = frozenset(words)
    return out
