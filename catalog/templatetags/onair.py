"""Template filters of the Onair pages: durations, storage URLs, byte sizes."""

from __future__ import annotations

import math

from django import template
from django.core.files.storage import default_storage

from catalog.services import human_bytes

register = template.Library()


@register.filter
def duration(seconds: float | None) -> str:
    """Format seconds as m:ss, or h:mm:ss from an hour up; empty when unknown."""
    if seconds is None or seconds < 0 or math.isnan(seconds):
        return ""
    total = int(seconds)  # truncate, as players count time
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


@register.filter
def duration_iso(seconds: float | None) -> str:
    """Format seconds as an ISO 8601 duration for the datetime attribute of <time>."""
    if seconds is None or seconds < 0 or math.isnan(seconds):
        return ""
    return f"PT{seconds:.0f}S"


@register.filter
def storage_url(name: str | None) -> str:
    """Return the public URL of a stored file name, or an empty string when there is none."""
    if not name:
        return ""
    return default_storage.url(name)


@register.filter
def filesize(size: int | None) -> str:
    """Format a byte count the way people read it."""
    return human_bytes(size or 0)
