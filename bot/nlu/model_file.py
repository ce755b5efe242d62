"""The trained intent model shipped with doorstep (``bot/nlu/data/intent_model.bin``), and its fingerprint.

Training on the full data (hand-written, generated and CLINC150 examples) takes tens of seconds in pure
Python, so the project trains once (``doorstep nlu train``) and ships the result; start-up only loads it.
The file is gzip-compressed: one line of JSON (the format, the training fingerprint, the feature names
and :meth:`IntentClassifier.state`), then the weights as little-endian float32, one row per feature.

The fingerprint is a SHA-256 over the data files training reads. A test compares it with the shipped
file's, and another retrains and compares the weights, so a change to the data or to the feature code
that was not followed by ``doorstep nlu train`` fails CI instead of shipping a stale model.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
from array import array
from pathlib import Path

from bot.nlu.classifier import IntentClassifier
from bot.nlu.errors import TrainingDataError
from bot.nlu.training_data import bundled_data_path
from knowledge.lexicon import LEXICON_FILE

FORMAT = "doorstep-intent-model/1"
MODEL_FILE = "intent_model.bin"
_NLU_DIR = Path(__file__).resolve().parent
#: the data training reads: a change to any of these changes the model (a change to the code that
#: turns them into features is caught by the test that retrains and compares)
TRAINING_INPUTS: tuple[Path, ...] = (
    _NLU_DIR / "data" / "training.yaml",
    _NLU_DIR / "data" / "grammar.yaml",
    _NLU_DIR / "data" / "negatives_clinc150.yaml",
    _NLU_DIR / "data" / "clinc150_in_domain.yaml",
    LEXICON_FILE,
)


def default_model_path() -> Path:
    """Where the shipped model lives."""
    return bundled_data_path(MODEL_FILE)


def training_fingerprint() -> str:
    """SHA-256 over the training inputs (file names and contents, newlines normalised)."""
    digest = hashlib.sha256()
    for path in TRAINING_INPUTS:
        digest.update(path.name.encode("utf-8") + b"\0")
        digest.update(path.read_bytes().replace(b"\r\n", b"\n"))
    return digest.hexdigest()


def save_classifier(classifier: IntentClassifier, path: Path, *, fingerprint: str) -> None:
    """Write ``classifier`` to ``path`` (gzip: a JSON header line, then float32 weights)."""
    features = list(classifier.weights)
    width = len(classifier.classes)
    weights = array("f")
    for feature in features:
        weights.extend(classifier.weights[feature])
    if sys.byteorder != "little":
        weights.byteswap()
    header = {"format": FORMAT, "fingerprint": fingerprint, "features": features, **classifier.state()}
    header["width"] = width
    payload = json.dumps(header, separators=(",", ":")).encode("utf-8") + b"\n" + weights.tobytes()
    path.write_bytes(gzip.compress(payload, compresslevel=9, mtime=0))


def read_header(path: Path) -> dict[str, object]:
    """The JSON header of a model file (format, fingerprint, classes ...)."""
    header, _ = _read(path)
    return header


def load_classifier(path: Path | None = None) -> IntentClassifier:
    """The classifier stored at ``path`` (the shipped model by default); errors name the file."""
    header, raw = _read(path or default_model_path())
    width = int(header["width"])
    features = header["features"]
    weights = array("f")
    weights.frombytes(raw)
    if sys.byteorder != "little":
        weights.byteswap()
    if len(weights) != width * len(features):
        raise TrainingDataError(f"{path}: {len(weights)} weights for {len(features)} features")
    rows = {feature: weights[i * width : (i + 1) * width].tolist() for i, feature in enumerate(features)}
    return IntentClassifier.from_state(header, rows)


def _read(path: Path) -> tuple[dict[str, object], bytes]:
    try:
        data = gzip.decompress(path.read_bytes())
    except (OSError, EOFError) as exc:
        raise TrainingDataError(f"{path}: cannot read the intent model: {exc} (run `doorstep nlu train`)") from exc
    line, _, raw = data.partition(b"\n")
    try:
        header = json.loads(line)
    except ValueError as exc:
        raise TrainingDataError(f"{path}: the intent model's header is not JSON") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise TrainingDataError(f"{path}: not a {FORMAT} file (run `doorstep nlu train`)")
    return header, raw
