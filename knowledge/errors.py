"""Errors raised by the knowledge package (one root type).

Every error that comes from an article file carries the file and the line, and prints as
``path:line: message`` so editors and ``doorstep kb check`` can jump straight to it.
"""

from __future__ import annotations

from pathlib import Path


class KnowledgeError(Exception):
    """Root of every knowledge error; ``str()`` gives ``path:line: message``."""

    def __init__(self, message: str, *, path: Path | str | None = None, line: int | None = None) -> None:
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        super().__init__(self._render())

    def _render(self) -> str:
        if self.path is None:
            return self.message
        if self.line is None:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"

    def sort_key(self) -> tuple[str, int]:
        """Order errors by file, then line (used to report them in reading order)."""
        return (str(self.path or ""), self.line or 0)


class KnowledgeDirectoryError(KnowledgeError):
    """The knowledge base directory is missing, unreadable or holds no article."""


class UnreadableArticleError(KnowledgeError):
    """An article file cannot be read as UTF-8 text."""


class MissingFrontMatterError(KnowledgeError):
    """An article file does not start with a ``---`` YAML front matter block, or never closes it."""


class FrontMatterSyntaxError(KnowledgeError):
    """The front matter is not valid YAML, or is not a mapping."""


class MissingFieldError(KnowledgeError):
    """A required front matter field is absent."""


class FieldTypeError(KnowledgeError):
    """A front matter field has the wrong type (a string where a list is expected ...)."""


class InvalidFieldError(KnowledgeError):
    """A front matter field has the right type but a bad value (id format, URL scheme, policy shape)."""


class UnknownFieldError(KnowledgeError):
    """The front matter has a key the format does not define (usually a typo)."""


class UnknownIntentError(KnowledgeError):
    """An ``intents`` entry is not one of the intents the NLU answers with."""


class DuplicateIdError(KnowledgeError):
    """Two article files declare the same ``id``."""


class BrokenLinkError(KnowledgeError):
    """A ``[text](kb:article-id)`` link points at an id no article has."""


class EmptyBodyError(KnowledgeError):
    """An article has front matter but no body text."""


class MissingStepsError(KnowledgeError):
    """A ``kind: setup`` article has no numbered list of steps."""


class ArticleNotFoundError(KnowledgeError):
    """``KnowledgeBase.by_id`` was asked for an id no article has."""


class PolicyNotFoundError(KnowledgeError):
    """``KnowledgeBase.policy`` was asked for a policy no article defines."""


class PolicyError(KnowledgeError):
    """A policy mapping does not have the shape its consumer needs."""
