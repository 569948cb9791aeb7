"""Rewrite an HLS playlist so that its media URIs are signed URLs (private media on S3).

Presigned S3 URLs and signed CloudFront URLs carry their signature in the query string,
which relative URIs in a playlist do not inherit. So the playlist is rewritten per
request: every segment, initialization section and key becomes a signed absolute URL.
Sub-playlists stay relative: they resolve to the grant route that served this one, which
rewrites them in turn (m3u8 parses and writes the playlist, tags it does not know kept).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable
from typing import Any

import m3u8
from django.conf import settings

# A seek-preview cue's payload: an image cell, ``sprite.jpg#xywh=0,0,160,90`` (catalog.
# transcoding.thumbnails). Only such lines are URIs; subtitle cues are text to leave alone.
_SPRITE_CELL = re.compile(r"^(?P<uri>[^\s#]+)(?P<cell>#xywh=[0-9,]+)$")
Signer = Callable[[list[str], int], dict[str, str]]  # (names, seconds) -> {name: url}


def _resolve(folder: str, uri: str | None) -> str | None:
    """Return the storage name a relative URI points at (None: absolute, or outside)."""
    if not uri or "://" in uri or uri.startswith("/"):
        return None
    name = posixpath.normpath(posixpath.join(folder, uri.split("?", 1)[0]))
    return None if name.startswith("..") else name


def _media_items(playlist: Any) -> Iterable[Any]:
    """Yield every object of ``playlist`` whose ``uri`` names media bytes (not a playlist)."""
    for segment in playlist.segments:
        yield segment
        if segment.init_section is not None:
            yield segment.init_section
        if segment.key is not None:
            yield segment.key
    yield from playlist.segment_map
    yield from (key for key in playlist.keys if key is not None)


def rewrite(text: str, *, name: str, scope: str, sign: Signer) -> str:
    """Return the playlist ``name`` (stored as ``text``) with its media URIs signed.

    The URLs live for ``MEDIA_SIGNED_URL_SECONDS`` plus the playlist's own length, so a
    player that reads a VOD playlist once still fetches its last segment in time. URIs
    outside ``scope`` (the grant's folder) are left as they are.
    """
    playlist = m3u8.loads(text)
    folder = posixpath.dirname(name)
    items = [(item, _resolve(folder, item.uri)) for item in _media_items(playlist)]
    names = sorted({n for _, n in items if n is not None and n.startswith(scope)})
    seconds = settings.MEDIA_SIGNED_URL_SECONDS + int(
        sum(segment.duration or 0 for segment in playlist.segments)
    )
    urls = sign(names, seconds) if names else {}
    for item, target in items:
        if target in urls:
            item.uri = urls[target]
    return str(playlist.dumps())


def rewrite_vtt(text: str, *, name: str, scope: str, sign: Signer) -> str:
    """Return a seek-preview WebVTT map with its sprite image URIs signed."""
    folder = posixpath.dirname(name)
    lines = text.splitlines()
    cells = [(i, m) for i, line in enumerate(lines) if (m := _SPRITE_CELL.match(line.strip()))]
    targets = {i: _resolve(folder, m["uri"]) for i, m in cells}
    names = sorted({n for n in targets.values() if n is not None and n.startswith(scope)})
    urls = sign(names, settings.MEDIA_SIGNED_URL_SECONDS) if names else {}
    for i, match in cells:
        target = targets[i]
        if target in urls:
            lines[i] = f"{urls[target]}{match['cell']}"
    return "\n".join(lines) + "\n"
