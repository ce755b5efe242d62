"""Rendering proactive messages from ``<locale>/<kind>.txt.j2`` Jinja2 templates.

Wording rules shared with the chat replies (:mod:`handlers.wording`): verbs agree with the items
(``items | item_list`` and ``items | agree('has', 'have')``), the carrier is named once, dates are
the customer's (``| day`` turns a moment into their local day), and a URL goes out once: a link
whose URL the text already shows is not added again as a button.

Templates use ``StrictUndefined``: a field missing from the context is an error, never an
empty gap in a message. A locale without a template for a kind falls back to its language
(``de-AT`` -> ``de``) and then to ``en``. Links and buttons are added in code per kind, so a
translation only has to write text.

Every template must use its kind's :data:`REQUIRED_FIELDS` (order number, help link, support
link, and what the kind is about); :func:`check_templates` reports any that does not, any
that fails to parse, and any that fails to render the sample context of its kind.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta

from handlers.journey.proposals import MessageKind
from handlers.messages import Button, Link, Reply
from handlers.templates.errors import TemplateMissing, TemplateRenderError
from handlers.templates.samples import sample_contexts
from handlers.wording import agreement, distinct_links, join_words, local_date

DEFAULT_LOCALE = "en"
TEMPLATE_SUFFIX = ".txt.j2"

#: what every message must carry: the order, the matching help article, the way to support
COMMON_FIELDS: tuple[str, ...] = ("order_number", "help_url", "support_url")
#: fields each kind's template must use (on top of :data:`COMMON_FIELDS`)
REQUIRED_FIELDS: Mapping[MessageKind, tuple[str, ...]] = {
    MessageKind.ORDER_CONFIRMED: (*COMMON_FIELDS, "items"),
    MessageKind.SHIPPED: (*COMMON_FIELDS, "carrier", "tracking_url", "eta"),
    MessageKind.OUT_FOR_DELIVERY: (*COMMON_FIELDS, "carrier", "tracking_url"),
    MessageKind.DELIVERED: (*COMMON_FIELDS,),
    MessageKind.AVAILABLE_FOR_PICKUP: (*COMMON_FIELDS, "location", "carrier"),
    MessageKind.ATTEMPT_FAILED: (*COMMON_FIELDS, "carrier", "tracking_url"),
    MessageKind.DELAYED: (*COMMON_FIELDS, "delay_reason", "eta", "tracking_url"),
    MessageKind.EXCEPTION: (*COMMON_FIELDS, "carrier", "tracking_url"),
    MessageKind.LOST: (*COMMON_FIELDS, "carrier"),
    MessageKind.RETURNED_TO_SENDER: (*COMMON_FIELDS, "carrier"),
    MessageKind.BACKORDERED: (*COMMON_FIELDS, "items", "backordered_until"),
    MessageKind.SETUP_GUIDE: (*COMMON_FIELDS, "setup_items"),
    MessageKind.REVIEW_REQUEST: (*COMMON_FIELDS, "review_url"),
    MessageKind.RETURN_STARTED: (*COMMON_FIELDS, "items"),
    MessageKind.REFUND_ISSUED: (*COMMON_FIELDS, "amount"),
    MessageKind.ORDER_CANCELLED: (*COMMON_FIELDS,),
}

_SHIPMENT_KINDS = frozenset(
    {
        MessageKind.SHIPPED,
        MessageKind.OUT_FOR_DELIVERY,
        MessageKind.DELIVERED,
        MessageKind.AVAILABLE_FOR_PICKUP,
        MessageKind.ATTEMPT_FAILED,
        MessageKind.DELAYED,
        MessageKind.EXCEPTION,
        MessageKind.LOST,
        MessageKind.RETURNED_TO_SENDER,
    }
)
#: button and link titles per language (payloads are the intents the chat engine understands)
_TITLES: Mapping[str, Mapping[str, str]] = {
    "en": {
        "track": "Track parcel",
        "ask": "Where is it now?",
        "setup": "Setup guide",
        "talk": "Talk to us",
        "help": "Help article",
        "review": "Write a review",
    },
    "de": {
        "track": "Sendung verfolgen",
        "ask": "Wo ist sie jetzt?",
        "setup": "Einrichtungsanleitung",
        "talk": "Mit uns sprechen",
        "help": "Hilfeartikel",
        "review": "Bewertung schreiben",
    },
}
_MONTHS: Mapping[str, tuple[str, ...]] = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "de": (
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ),
}
_WEEKDAYS: Mapping[str, tuple[str, ...]] = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
}
_BLANK_RUNS = re.compile(r"\n{3,}")
#: context key holding the locale directory of the template being rendered
_TEMPLATE_LOCALE = "template_locale"


@lru_cache(maxsize=1)
def default_template_dir() -> Path:
    """The bundled templates (``handlers/templates``)."""
    return Path(__file__).resolve().parent


def _language(locale: str | None) -> str:
    return (locale or DEFAULT_LOCALE).replace("_", "-").split("-")[0].lower()


@jinja2.pass_context
def _day(context: jinja2.runtime.Context, value: str | date | None) -> str:
    """``2026-11-24`` -> ``Tuesday 24 November`` (``Dienstag, 24. November`` in German).

    A moment (``2026-11-23T20:00:00+00:00``) is first turned into the customer's calendar day, in
    the context's ``timezone`` (UTC when the context has none).
    """
    if value is None or value == "":
        return ""
    day = _calendar_day(value, context.get("timezone"))
    # dates speak the language of the template in use (an English fallback writes English dates)
    language = _language(context.get(_TEMPLATE_LOCALE) or context.get("locale"))
    if language == "de":
        return f"{_WEEKDAYS['de'][day.weekday()]}, {day.day}. {_MONTHS['de'][day.month - 1]}"
    return f"{_WEEKDAYS['en'][day.weekday()]} {day.day} {_MONTHS['en'][day.month - 1]}"


def _calendar_day(value: str | date, timezone: object) -> date:
    """The date of ``value``; a moment is taken in ``timezone`` (a zone name) when it has a time."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return value
    else:
        text = str(value)
        if len(text) <= 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return local_date(moment, str(timezone or "UTC"))


def _item_names(items: Sequence[Mapping[str, Any]]) -> str:
    """``Barista Pro Espresso Machine and 2 × Stoneware Mug Set of 4`` from the context's ``items``."""
    names = [
        f"{item['quantity']} × {item['name']}" if int(item.get("quantity") or 1) > 1 else str(item["name"])
        for item in items
    ]
    return join_words(names)


def _agree(items: Sequence[Mapping[str, Any]], singular: str, plural: str) -> str:
    """``singular`` for one item, ``plural`` for several (or a plural name): ``items | agree('is', 'are')``."""
    agreed = agreement(
        [int(item.get("quantity") or 1) for item in items], [str(item["name"]) for item in items]
    )
    return plural if agreed.plural else singular


def _environment(directory: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(directory)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,
    )
    env.filters["day"] = _day
    env.filters["item_list"] = _item_names
    env.filters["agree"] = _agree
    return env


class MessageTemplates:
    """The templates of one directory (``<dir>/<locale>/<kind>.txt.j2``).

    Each template is found and compiled once per instance (the files are not looked at again on
    every render): a running server takes changed templates on restart, and ``doorstep templates
    check`` always reads them fresh.
    """

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_template_dir()
        self._env = _environment(self.directory)
        self._names: dict[tuple[MessageKind, str | None], str] = {}
        self._compiled: dict[str, tuple[jinja2.Template, dict[str, Any]]] = {}

    # ---- lookup ------------------------------------------------------------------
    def locales(self) -> list[str]:
        """Locale directories present, sorted."""
        return sorted(
            p.name for p in self.directory.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))
        )

    def template_name(self, kind: MessageKind, locale: str | None) -> str:
        """The template used for ``kind`` in ``locale`` (after fallbacks), as a loader name."""
        found = self._names.get((kind, locale))
        if found is not None:
            return found
        wanted = (locale or DEFAULT_LOCALE).replace("_", "-")
        for candidate in dict.fromkeys((wanted, _language(wanted), DEFAULT_LOCALE)):
            name = f"{candidate}/{kind.value}{TEMPLATE_SUFFIX}"
            if (self.directory / name).is_file():
                self._names[(kind, locale)] = name
                return name
        raise TemplateMissing(f"no template for {kind.value} ({wanted} or {DEFAULT_LOCALE})")

    # ---- rendering -----------------------------------------------------------------
    def render_text(self, kind: MessageKind, locale: str | None, context: Mapping[str, Any]) -> str:
        """The message text; raises :class:`TemplateRenderError` when the template cannot render."""
        return self._text(self.template_name(kind, locale), locale, context)

    def _text(self, name: str, locale: str | None, context: Mapping[str, Any]) -> str:
        values = {
            **context,
            "locale": locale or context.get("locale") or DEFAULT_LOCALE,
            _TEMPLATE_LOCALE: name.partition("/")[0],
        }
        try:
            text = self._render(name, values)
        except jinja2.TemplateError as exc:
            raise TemplateRenderError(f"{name}: {exc.message or type(exc).__name__}") from exc
        except (ValueError, TypeError) as exc:  # a filter given a malformed date
            raise TemplateRenderError(f"{name}: {exc}") from exc
        return _BLANK_RUNS.sub("\n\n", text).strip()

    def _render(self, name: str, values: dict[str, Any]) -> str:
        """``Template.render`` with the template's globals flattened once (templates are not
        reloaded): jinja would merge its chain of globals on every call."""
        found = self._compiled.get(name)
        if found is None:
            template = self._env.get_template(name)
            found = self._compiled[name] = (template, dict(template.globals))
        template, flat = found
        env = self._env
        context = env.context_class(env, {**flat, **values}, template.name, template.blocks, globals=flat)
        try:
            return env.concat(template.root_render_func(context))  # type: ignore[attr-defined]
        except Exception:
            env.handle_exception()  # raises it again, as Template.render does

    def render(self, kind: MessageKind, locale: str | None, context: Mapping[str, Any]) -> Reply:
        """The :class:`Reply` for a proposed message: text, links and buttons."""
        name = self.template_name(kind, locale)
        text = self._text(name, locale, context)
        # buttons speak the language the text was written in (after any fallback)
        titles = _TITLES.get(_language(name.partition("/")[0]), _TITLES[DEFAULT_LOCALE])
        links: list[Link] = []
        buttons: list[Button] = []
        tracking_url = context.get("tracking_url")
        if kind in _SHIPMENT_KINDS:
            if tracking_url:
                links.append(Link(titles["track"], str(tracking_url)))
            buttons.append(Button(titles["ask"], "order_status"))
        if kind == MessageKind.SETUP_GUIDE:
            links.append(Link(titles["setup"], str(context["help_url"])))
            buttons.append(Button(titles["setup"], "setup_help"))
        else:
            links.append(Link(titles["help"], str(context["help_url"])))
        if kind == MessageKind.REVIEW_REQUEST and context.get("review_url"):
            links.append(Link(titles["review"], str(context["review_url"])))
        buttons.append(Button(titles["talk"], "human_agent"))
        # a URL goes out once: a link the text already shows is not repeated as a button
        return Reply(text=text, buttons=buttons, links=distinct_links(links, text))

    # ---- checking ------------------------------------------------------------------
    def _used_fields(self, name: str) -> set[str]:
        source = self._env.loader.get_source(self._env, name)[0]  # type: ignore[union-attr]
        return set(meta.find_undeclared_variables(self._env.parse(source)))

    def check(self) -> list[str]:
        """Problems of the templates, one line each (empty: all good)."""
        problems: list[str] = []
        for kind in MessageKind:
            if not (self.directory / DEFAULT_LOCALE / f"{kind.value}{TEMPLATE_SUFFIX}").is_file():
                problems.append(f"{DEFAULT_LOCALE}/{kind.value}{TEMPLATE_SUFFIX}: missing")
        kinds = {kind.value: kind for kind in MessageKind}
        for locale in self.locales():
            for path in sorted((self.directory / locale).glob(f"*{TEMPLATE_SUFFIX}")):
                name = f"{locale}/{path.name}"
                kind = kinds.get(path.name.removesuffix(TEMPLATE_SUFFIX))
                if kind is None:
                    problems.append(f"{name}: not a message kind ({', '.join(sorted(kinds))})")
                    continue
                problems.extend(self._check_one(name, kind, locale))
        return problems

    def _check_one(self, name: str, kind: MessageKind, locale: str) -> list[str]:
        try:
            used = self._used_fields(name)
        except jinja2.TemplateSyntaxError as exc:
            return [f"{name}:{exc.lineno}: syntax error: {exc.message}"]
        missing = [f for f in REQUIRED_FIELDS[kind] if f not in used]
        problems = [f"{name}: does not use required field {f!r}" for f in missing]
        for context in sample_contexts(kind, locale):
            try:
                self._env.get_template(name).render({**context, "locale": locale, _TEMPLATE_LOCALE: locale})
            except (jinja2.TemplateError, ValueError, TypeError) as exc:
                reason = getattr(exc, "message", None) or str(exc)
                problems.append(f"{name}: fails to render the sample: {reason}")
                break
        return problems

    def preview(self, kind: MessageKind, locale: str = DEFAULT_LOCALE) -> str:
        """A rendering of the sample context, with its links and buttons, for people to read."""
        reply = self.render(kind, locale, {**sample_contexts(kind, locale)[0], "locale": locale})
        lines = [f"--- {self.template_name(kind, locale)} ---", reply.text, ""]
        lines += [f"[link] {link.title}: {link.url}" for link in reply.links]
        lines += [f"[button] {button.title} -> {button.payload}" for button in reply.buttons]
        return "\n".join(lines)


@lru_cache(maxsize=8)
def _for(directory: Path | None) -> MessageTemplates:
    """The templates of ``directory`` (the bundled ones for None), one instance per directory given."""
    return MessageTemplates(Path(directory).resolve() if directory is not None else None)


def render(
    kind: MessageKind | str, locale: str | None, context: Mapping[str, Any], *, directory: Path | None = None
) -> Reply:
    """Render a proposed message (``kind``, the customer's ``locale``, the proposal's context)."""
    return _for(directory).render(MessageKind(kind), locale, context)


def check_templates(directory: Path | None = None) -> list[str]:
    """Problems of the templates in ``directory`` (default: the bundled ones)."""
    return MessageTemplates(directory).check()


def preview(kind: MessageKind | str, locale: str = DEFAULT_LOCALE, *, directory: Path | None = None) -> str:
    """A readable rendering of ``kind`` with a realistic sample order."""
    return MessageTemplates(directory).preview(MessageKind(kind), locale)
