"""Helpers of the page tests: a CSP check over rendered HTML and video rows to show."""

from __future__ import annotations

import re
from typing import Any

from accounts.models import User
from catalog.models import Video

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
HANDLER_ATTR = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTR = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE)


def assert_csp_safe(response: Any) -> str:
    """Check the CSP header and that the page has no inline script, handler or style."""
    policy = response.headers.get("Content-Security-Policy", "")
    directives = dict(part.strip().partition(" ")[::2] for part in policy.split(";"))
    assert directives["script-src"] == "'self'", policy
    # Styles: our own files, plus on player pages the hashes of its shadow-DOM <style>s.
    assert directives["style-src"].startswith("'self'"), policy
    assert "unsafe" not in directives["style-src"], policy
    html = response.content.decode()
    for attrs in SCRIPT_TAG.findall(html):
        assert "src=" in attrs or 'type="application/json"' in attrs, f"inline script: {attrs}"
    assert not HANDLER_ATTR.search(html), "inline event handler attribute"
    assert not STYLE_ATTR.search(html), "style attribute"
    return html


def add_video(owner: User, title: str = "A video", **fields: Any) -> Video:
    """Create a video row directly (the pages only read what transcoding wrote)."""
    defaults: dict[str, Any] = {
        "status": Video.Status.READY,
        "visibility": Video.Visibility.PUBLIC,
        "duration": 75.4,
        "progress": 100,
    }
    defaults.update(fields)
    video = Video.objects.create(owner=owner, title=title, **defaults)
    if video.status == Video.Status.READY and not video.hls_path:
        prefix = f"videos/{video.pk}/out/a1"
        video.hls_path = f"{prefix}/master.m3u8"
        video.poster_path = f"{prefix}/poster.jpg"
        video.sprite_vtt_path = f"{prefix}/sprite.vtt"
        video.save(update_fields=["hls_path", "poster_path", "sprite_vtt_path"])
    return video
