"""Template filters of the Onair pages: durations, storage URLs, byte sizes."""

from __future__ import annotations

from django import template

from catalog import files, media_grants
from catalog.models import Video
from common import units

register = template.Library()
register.filter("duration", units.clock_duration)  # 1:02:05, as players show time
register.filter("duration_iso", units.iso_duration)  # for <time datetime="PT3725S">


@register.filter
def storage_url(name: str | None) -> str:
    """Return the public URL of a stored file name, or an empty string when there is none."""
    return files.storage_url(name) or ""


@register.simple_tag(takes_context=True)
def video_file_url(context: template.Context, video: Video, name: str | None) -> str:
    """Return a URL of one of ``video``'s files for the page's viewer (a grant for an owner)."""
    user = getattr(context.get("request"), "user", None)
    user_id = user.pk if user is not None and user.is_authenticated else None
    return media_grants.video_file_url(video, name, user_id) or ""


@register.filter
def filesize(size: int | None) -> str:
    """Format a byte count the way people read it."""
    return units.human_bytes(size or 0)
