"""Sections that apps above the catalog show on its home page, above the videos.

The catalog imports none of those apps (config/tests/test_layers.py). An app with something
to show first (the live app: channels live now) registers a template and a function from its
``AppConfig.ready()``; the function returns the template's context, or None to show nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

Context = Callable[[HttpRequest], dict[str, Any] | None]


@dataclass(frozen=True)
class Section:
    template: str
    context: Context


_home: list[Section] = []


def register_home_section(*, template: str, context: Context) -> None:
    """Show ``template`` above the catalog's videos whenever ``context`` returns a context."""
    section = Section(template, context)
    if section not in _home:
        _home.append(section)


def home_sections(request: HttpRequest) -> list[tuple[str, dict[str, Any]]]:
    """Return the (template, context) of each registered section that has something to show."""
    shown = []
    for section in _home:
        context = section.context(request)
        if context is not None:
            shown.append((section.template, context))
    return shown
