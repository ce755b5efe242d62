"""Validate a split article file against the front matter format and build the :class:`Article`.

The article format: a Markdown file starting with YAML front matter between ``---`` lines::

    ---
    id: es-900-setup                 # required: lowercase words joined by '-', unique
    title: Setting up your Barista Pro Espresso Machine   # required
    tags: [espresso machine, setup]  # required list (may be empty)
    intents: [setup_help]            # required list of storage.domain.Intent names
    products: [ES-900]               # SKUs; products and/or categories must be present
    categories: [kitchen-appliance]  #   (an empty list is fine)
    kind: setup                      # optional: setup, troubleshooting, policy, faq, howto ...
    policy: {...}                    # optional mapping, for policy articles
    questions: [the courier left a card, ...]   # optional: how shoppers ask for this article
    url: https://help.doorstep-demo.shop/articles/es-900-setup   # required, http(s)
    locale: en                       # required: 'en' or 'en-GB'
    ---
    Markdown body. Link to other articles with [text](kb:other-id).

Any other key is an error (usually a typo). A ``kind: setup`` article needs a numbered list (its
steps). The ``return-policy`` and ``shipping-policy`` articles' ``policy`` mappings are checked
against :mod:`knowledge.policies`.

Every problem found is returned (not raised) so ``doorstep kb check`` can list them all.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any

from storage.domain import Intent

from .article import Article
from .errors import (
    EmptyBodyError,
    FieldTypeError,
    FrontMatterSyntaxError,
    InvalidFieldError,
    KnowledgeError,
    MissingFieldError,
    MissingStepsError,
    PolicyError,
    UnknownFieldError,
    UnknownIntentError,
)
from .frontmatter import RawArticle
from .markdown import first_ordered_list
from .policies import POLICY_PARSERS

REQUIRED_FIELDS = ("id", "title", "tags", "intents", "url", "locale")
#: at least one of these must be present (an empty list is fine)
SUBJECT_FIELDS = ("products", "categories")
OPTIONAL_FIELDS = ("kind", "policy", "questions")
KNOWN_FIELDS = REQUIRED_FIELDS + SUBJECT_FIELDS + OPTIONAL_FIELDS
INTENT_NAMES = tuple(intent.value for intent in Intent)

_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_LOCALE_RE = re.compile(r"^[a-z]{2,3}(?:-[A-Z]{2})?$")
_KIND_RE = re.compile(r"^[a-z]+(?:-[a-z]+)*$")


class _Checker:
    """Collects the problems of one raw article while reading its fields."""

    def __init__(self, raw: RawArticle) -> None:
        self.raw = raw
        self.data: Mapping[str, Any] = raw.data if isinstance(raw.data, Mapping) else {}
        self.errors: list[KnowledgeError] = []

    def line_of(self, key: str) -> int:
        return self.raw.key_lines.get(key, self.raw.front_matter_line)

    def item_line(self, key: str, index: int) -> int:
        lines = self.raw.item_lines.get(key, [])
        return lines[index] if index < len(lines) else self.line_of(key)

    def fail(self, kind: type[KnowledgeError], message: str, line: int) -> None:
        self.errors.append(kind(message, path=self.raw.path, line=line))

    def string(self, key: str, *, required: bool = True) -> str | None:
        if key not in self.data:
            if required:
                self.fail(MissingFieldError, f"missing required field '{key}'", self.raw.front_matter_line)
            return None
        value = self.data[key]
        if not isinstance(value, str) or not value.strip():
            self.fail(
                FieldTypeError,
                f"field '{key}' must be a non-empty string, got {_kind(value)}",
                self.line_of(key),
            )
            return None
        return value.strip()

    def string_list(self, key: str, *, required: bool = True) -> tuple[str, ...] | None:
        if key not in self.data:
            if required:
                self.fail(MissingFieldError, f"missing required field '{key}'", self.raw.front_matter_line)
            return None
        value = self.data[key]
        if value is None:
            return ()
        if not isinstance(value, list):
            self.fail(FieldTypeError, f"field '{key}' must be a list, got {_kind(value)}", self.line_of(key))
            return None
        items: list[str] = []
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.fail(
                    FieldTypeError,
                    f"field '{key}' item {index + 1} must be a non-empty string, got {_kind(item)}",
                    self.item_line(key, index),
                )
                continue
            items.append(item.strip())
        return tuple(items)

    def matches(self, key: str, value: str | None, pattern: re.Pattern[str], expected: str) -> None:
        if value is not None and not pattern.match(value):
            self.fail(
                InvalidFieldError, f"field '{key}' must be {expected}, got {value!r}", self.line_of(key)
            )


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {str: "a string", list: "a list", dict: "a mapping", bool: "true/false", int: "a number"}.get(
        type(value), type(value).__name__
    )


def article_from_raw(raw: RawArticle) -> tuple[Article | None, list[KnowledgeError]]:
    """Validate ``raw``; return the article (``None`` if anything is wrong) and every problem found."""
    check = _Checker(raw)
    if raw.data is not None and not isinstance(raw.data, Mapping):
        check.fail(
            FrontMatterSyntaxError,
            f"front matter must be a mapping of 'field: value' lines, got {_kind(raw.data)}",
            raw.front_matter_line + 1,
        )
        return None, check.errors

    for key in check.data:
        if key not in KNOWN_FIELDS:
            close = difflib.get_close_matches(str(key), KNOWN_FIELDS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            check.fail(UnknownFieldError, f"unknown field '{key}'{hint}", check.line_of(str(key)))

    article_id = check.string("id")
    check.matches("id", article_id, _ID_RE, "lowercase words joined by '-' (like 'return-policy')")
    title = check.string("title")
    tags = check.string_list("tags")
    intent_names = check.string_list("intents")
    url = check.string("url")
    if url is not None and not url.startswith(("https://", "http://")):
        check.fail(
            InvalidFieldError,
            f"field 'url' must start with https:// or http://, got {url!r}",
            check.line_of("url"),
        )
    locale = check.string("locale")
    check.matches("locale", locale, _LOCALE_RE, "a language code like 'en' or 'en-GB'")
    kind = check.string("kind", required=False)
    check.matches("kind", kind, _KIND_RE, "a lowercase word like 'setup' or 'troubleshooting'")

    if not any(key in check.data for key in SUBJECT_FIELDS):
        check.fail(
            MissingFieldError,
            "missing field 'products' or 'categories' (give at least one; an empty list is fine)",
            raw.front_matter_line,
        )
    questions = check.string_list("questions", required=False) or ()
    products = check.string_list("products", required=False) or ()
    categories = check.string_list("categories", required=False) or ()

    intents = _intents(check, intent_names)
    policy = _policy(check, article_id)

    body = raw.body.strip("\n")
    if not body.strip():
        check.fail(EmptyBodyError, "article body is empty", raw.body_line)
    elif kind == "setup" and not first_ordered_list(body):
        check.fail(MissingStepsError, "a 'kind: setup' article needs a numbered list of steps", raw.body_line)

    if check.errors:
        return None, check.errors
    assert article_id and title and url and locale and tags is not None and intents is not None
    return (
        Article(
            id=article_id,
            title=title,
            tags=tags,
            intents=intents,
            products=products,
            categories=categories,
            url=url,
            locale=locale,
            kind=kind,
            body=body,
            path=raw.path,
            policy=policy,
            questions=questions,
        ),
        [],
    )


def _intents(check: _Checker, names: tuple[str, ...] | None) -> tuple[Intent, ...] | None:
    if names is None:
        return None
    intents: list[Intent] = []
    for index, name in enumerate(names):
        if name not in INTENT_NAMES:
            close = difflib.get_close_matches(name, INTENT_NAMES, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            check.fail(
                UnknownIntentError,
                f"unknown intent '{name}' ({hint}known intents: {', '.join(INTENT_NAMES)})",
                check.item_line("intents", index),
            )
            continue
        intents.append(Intent(name))
    return tuple(intents)


def _policy(check: _Checker, article_id: str | None) -> Mapping[str, Any] | None:
    if "policy" not in check.data:
        return None
    policy = check.data["policy"]
    if not isinstance(policy, Mapping):
        check.fail(
            FieldTypeError, f"field 'policy' must be a mapping, got {_kind(policy)}", check.line_of("policy")
        )
        return None
    parser = POLICY_PARSERS.get(article_id or "")
    if parser is not None:
        try:
            parser(policy)
        except PolicyError as exc:
            check.fail(InvalidFieldError, f"field 'policy': {exc.message}", check.line_of("policy"))
    return dict(policy)
