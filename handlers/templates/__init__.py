"""Message templates of the proactive messages: one Jinja2 file per kind and locale.

``render(kind, locale, context)`` gives the :class:`handlers.messages.Reply` to send;
``check_templates()`` lists problems (``doorstep templates check``); ``preview(kind, locale)``
renders a realistic sample (``doorstep templates preview KIND``).
"""

from handlers.templates.errors import TemplateMissing, TemplateRenderError, TemplatesError
from handlers.templates.render import (
    DEFAULT_LOCALE,
    REQUIRED_FIELDS,
    MessageTemplates,
    check_templates,
    default_template_dir,
    preview,
    render,
)

__all__ = [
    "DEFAULT_LOCALE",
    "REQUIRED_FIELDS",
    "MessageTemplates",
    "TemplateMissing",
    "TemplateRenderError",
    "TemplatesError",
    "check_templates",
    "default_template_dir",
    "preview",
    "render",
]
