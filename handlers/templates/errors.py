"""Errors of the message templates (one root type)."""

from __future__ import annotations


class TemplatesError(Exception):
    """Root of every template error."""


class TemplateMissing(TemplatesError):
    """No template for this kind, neither in the asked locale nor in the default one."""


class TemplateRenderError(TemplatesError):
    """A template failed to render (a field missing from the context, a syntax error)."""
