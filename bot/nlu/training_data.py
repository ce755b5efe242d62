"""Loading the NLU training examples: the bundled YAML and the out-of-scope negatives."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from bot.nlu.errors import TrainingDataError
from storage.domain import Intent

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
Split = Literal["train", "heldout", "all"]

TRAINING_FILE = "training.yaml"
NEGATIVES_FILE = "negatives_clinc150.yaml"
CLINC_IN_DOMAIN_FILE = "clinc150_in_domain.yaml"
VOICES_FILE = "voices.yaml"
SPLITS: tuple[str, ...] = ("train", "heldout")


@dataclass(frozen=True, slots=True)
class TrainingExample:
    """One labelled utterance."""

    text: str
    intent: Intent


def bundled_data_path(name: str) -> Path:
    """Path of a file in ``bot/nlu/data``."""
    return Path(__file__).resolve().parent / "data" / name


def _read_yaml(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TrainingDataError(f"{path}: cannot read training data: {exc}") from exc
    try:
        return yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise TrainingDataError(f"{path}: invalid YAML: {exc}") from exc


def _texts(path: Path, where: str, value: object) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise TrainingDataError(f"{path}: {where} must be a list of non-empty strings")
    return [item.strip() for item in value]


def load_training_examples(path: Path | str | None = None, split: Split = "train") -> list[TrainingExample]:
    """Read the intent examples of ``split`` from the training YAML (the bundled one by default).

    ``train`` is what the classifier is fitted on, ``heldout`` is the fixed evaluation split that is
    never used for training, ``all`` is both. Raises :class:`TrainingDataError` naming the file.
    """
    if split not in ("train", "heldout", "all"):
        raise TrainingDataError(f"unknown split {split!r}: use train, heldout or all")
    source = Path(path) if path is not None else bundled_data_path(TRAINING_FILE)
    data = _read_yaml(source)
    intents = data.get("intents") if isinstance(data, dict) else None
    if not isinstance(intents, dict):
        raise TrainingDataError(f"{source}: top-level 'intents' mapping is missing")
    wanted = SPLITS if split == "all" else (split,)
    examples: list[TrainingExample] = []
    for name, sections in intents.items():
        try:
            intent = Intent(name)
        except ValueError as exc:
            raise TrainingDataError(f"{source}: unknown intent {name!r}") from exc
        if not isinstance(sections, dict) or set(sections) - set(SPLITS):
            raise TrainingDataError(f"{source}: intent {name!r} must have only 'train' and 'heldout' lists")
        for part in wanted:
            for text in _texts(source, f"intents.{name}.{part}", sections.get(part)):
                examples.append(TrainingExample(text, intent))
    return examples


def load_negative_examples(path: Path | str | None = None) -> list[TrainingExample]:
    """Read the extra out-of-scope utterances (CLINC150-derived, bundled) as training examples."""
    source = Path(path) if path is not None else bundled_data_path(NEGATIVES_FILE)
    data = _read_yaml(source)
    if not isinstance(data, dict) or "utterances" not in data:
        raise TrainingDataError(f"{source}: top-level 'utterances' list is missing")
    texts = _texts(source, "utterances", data["utterances"])
    return [TrainingExample(text, Intent.OUT_OF_SCOPE) for text in texts]


def load_clinc_in_domain(path: Path | str | None = None) -> list[TrainingExample]:
    """Read CLINC150's utterances of doorstep intents (order status, greetings, farewells), bundled."""
    source = Path(path) if path is not None else bundled_data_path(CLINC_IN_DOMAIN_FILE)
    data = _read_yaml(source)
    intents = data.get("intents") if isinstance(data, dict) else None
    if not isinstance(intents, dict):
        raise TrainingDataError(f"{source}: top-level 'intents' mapping is missing")
    return _examples_by_intent(source, "intents", intents)


def _examples_by_intent(
    source: Path, where: str, intents: dict[object, object], context: str = ""
) -> list[TrainingExample]:
    """The examples of an ``intent name -> texts`` mapping found at ``where`` in ``source``."""
    examples: list[TrainingExample] = []
    for name, texts in intents.items():
        try:
            intent = Intent(name)
        except ValueError as exc:
            raise TrainingDataError(f"{source}: unknown intent {name!r}{context}") from exc
        examples.extend(TrainingExample(text, intent) for text in _texts(source, f"{where}.{name}", texts))
    return examples


def count_by_intent(examples: Sequence[TrainingExample]) -> dict[Intent, int]:
    """How many examples each intent has (every intent present, zero when absent)."""
    counts = dict.fromkeys(Intent, 0)
    for example in examples:
        counts[example.intent] += 1
    return counts


def load_voice_examples(
    path: Path | str | None = None, *, leave_out: Collection[str] = ()
) -> dict[str, list[TrainingExample]]:
    """Read the shopper messages written in several voices (bundled ``voices.yaml`` by default):
    voice name -> its examples, without the voices named in ``leave_out`` (each must exist)."""
    source = Path(path) if path is not None else bundled_data_path(VOICES_FILE)
    data = _read_yaml(source)
    voices = data.get("voices") if isinstance(data, dict) else None
    if not isinstance(voices, dict):
        raise TrainingDataError(f"{source}: top-level 'voices' mapping is missing")
    unknown = set(leave_out) - set(voices)
    if unknown:
        raise TrainingDataError(f"{source}: no voice named {', '.join(sorted(unknown))}")
    out: dict[str, list[TrainingExample]] = {}
    for voice, body in voices.items():
        intents = body.get("intents") if isinstance(body, dict) else None
        if not isinstance(intents, dict):
            raise TrainingDataError(f"{source}: voice {voice!r} needs an 'intents' mapping")
        if voice in leave_out:
            continue
        out[str(voice)] = _examples_by_intent(source, f"voices.{voice}", intents, f" in voice {voice!r}")
    return out
