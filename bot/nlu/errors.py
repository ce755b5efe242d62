"""Errors raised by the NLU package: one root type, specifics below it."""

from __future__ import annotations


class NluError(Exception):
    """Root of every error the NLU package raises."""


class TrainingDataError(NluError):
    """The bundled or given training data is missing or malformed (the message names the file)."""


class NotTrainedError(NluError):
    """A classifier was asked to predict before it was trained, or was trained on nothing."""
