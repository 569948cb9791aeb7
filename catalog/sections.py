"""Sections that apps above the catalog show on its pages: the home page and a video's page.

The catalog imports none of those apps (config/tests/test_layers.py). An app with something
to show (the live app: channels live now on the home page, a replay's chat beside its video)
registers a template and a function from its ``AppConfig.ready()``; the function returns the
template's context, or None to show nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from catalog.models import Video

Context = Callable[[HttpRequest], dict[str, Any] | None]
VideoContext = Callable[[HttpRequest, Video], dict[str, Any] | None]


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


@dataclass(frozen=True)
class VideoSection:
    template: str
    context: VideoContext


_video: list[VideoSection] = []


def register_video_section(*, template: str, context: VideoContext) -> None:
    """Show ``template`` beside a video's player whenever ``context`` returns a context."""
    section = VideoSection(template, context)
    if section not in _video:
        _video.append(section)


def video_sections(request: HttpRequest, video: Video) -> list[tuple[str, dict[str, Any]]]:
    """Return the (template, context) of each registered video section with something to show."""
    shown = []
    for section in _video:
        context = section.context(request, video)
        if context is not None:
            shown.append((section.template, context))
    return shown
